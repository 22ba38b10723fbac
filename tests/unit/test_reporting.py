"""The shared report pieces: escaped tables, charts whose options survive as JSON, offline assets."""
import json
import re

from suizhi.reporting import bar_chart, install_assets, link, page, table


def test_table_escapes_and_aligns_numbers():
    out = table(["系统", "记录数"], [["<b>热线</b>", 1234567], ["比例", 0.5]])
    assert "&lt;b&gt;热线&lt;/b&gt;" in out
    assert '<td class="num">1,234,567</td>' in out
    assert '<td class="num">0.50</td>' in out


def test_a_link_is_escaped_once_and_kept_whole_in_a_table():
    out = table(["报告"], [[link('../2021/a"b.html', "<水务> & 排水", anchor_id="row-1")], ["<a>"]])
    assert '<td><a id="row-1" href="../2021/a&quot;b.html">&lt;水务&gt; &amp; 排水</a></td>' in out
    assert "<td>&lt;a&gt;</td>" in out  # a plain string that looks like markup is still escaped


def test_bar_chart_carries_its_data():
    out = bar_chart("vol", "月度汇聚量", ["2021-01", "2021-02"], {"市卫生健康委员会": [10, 20]}, unit="条")
    option = json.loads(re.search(r"setOption\((.*)\);</script>", out).group(1))
    assert option["xAxis"]["data"] == ["2021-01", "2021-02"]
    assert option["series"] == [{"name": "市卫生健康委员会", "type": "bar", "data": [10, 20]}]


def test_page_uses_local_echarts(tmp_path):
    script = install_assets(tmp_path)
    assert (tmp_path / script).stat().st_size > 900_000
    html = page("绩效自评表", "<p>正文</p>", script)
    assert '<script src="assets/echarts.min.js"></script>' in html
    assert "<title>绩效自评表</title>" in html and 'charset="utf-8"' in html
