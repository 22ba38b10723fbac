"""evaluation.html of the simulated 2021 as Chromium renders it: every 实际完成指标值 leads to the
breakdown of its figure, which holds the figures of evaluation.json, links each report's own
page and leads back to its row."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.dom import Element, number, parse, render
from tests.spark.evaluation_lake import MONITORING, WARNING

pytestmark = pytest.mark.spark

COUNTS = ["rows_read", "rows_landed", "inserted", "duplicates", "superseded", "quarantined"]
KINDS = {"annual": "年报", "monthly": "月报", "quarterly": "季报", "theme": "主题运营分析报告",
         "topic": "专题运营分析报告"}


@pytest.fixture(scope="module")
def rendered(seed_year, tmp_path_factory):
    """reports/2021/, its evaluation.json and the DOM Chromium holds after opening evaluation.html from disk."""
    out = seed_year[4]
    data = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    dom = parse(render(out / "evaluation.html", tmp_path_factory.mktemp("chromium")))
    return out, data, dom


def follow(dom: Element, link: Element) -> Element:
    """The element an in-page link leads to; fails when there is none."""
    href = link.attrs["href"]
    assert href.startswith("#"), href
    return dom.by_id()[href[1:]]


def breakdown(rendered, tally: str) -> tuple[dict, Element]:
    """The row of evaluation.json and the element its 实际完成指标值 cell leads to."""
    _, data, dom = rendered
    i, row = next((i, r) for i, r in enumerate(data["indicators"]) if r["tally"] == tally)
    (link,) = dom.tables()[0]["rows"][i][4].iter("a")
    return row, follow(dom, link)


def opened(out: Path, link: Element) -> Path:
    """The file a report link opens, relative to the page in reports/2021/."""
    return (out / unquote(link.attrs["href"])).resolve()


def test_every_actual_value_leads_to_its_breakdown_and_back(rendered):
    _, data, dom = rendered
    table = dom.tables()[0]
    assert [c.text() for c in table["rows"][0][:5]] == ["效益", "社会效益", "运营分析报告数量", "不少于30份", "36份"]
    for row, cells in zip(data["indicators"], table["rows"], strict=True):
        (link,) = cells[4].iter("a")
        assert link.text() == row["actual_text"]
        target = follow(dom, link)
        assert (target.tag, next(target.iter("h3")).text()) == ("section", f"{row['name']}：{row['actual_text']}")
        assert [follow(dom, a) for a in target.iter("a") if a.attrs["href"] == f"#{link.attrs['id']}"] == [link]
    ids = dom.by_id()
    assert [a.attrs["href"] for a in dom.iter("a") if a.attrs["href"].startswith("#")
            and a.attrs["href"][1:] not in ids] == []


def test_the_volume_by_department_system_and_month_adds_up_to_the_rows_records(rendered):
    _, data, _ = rendered
    row, section = breakdown(rendered, "records_aggregated")
    volumes = data["drilldown"]["volumes"]
    names = volumes["departments"]
    by_department = section.table("部门", "源端读取")
    assert [[c.text() for c in r[:1]] + [number(c) for c in r[1:]] for r in by_department] == [
        [names[r["department"]]] + [r[c] for c in COUNTS] for r in volumes["by_department"]]
    assert len(by_department) == row["detail"]["departments"] == 35
    assert sum(number(r[2]) for r in by_department) == row["detail"]["aggregated_records"] == 313_464
    assert sum(number(r[3]) for r in by_department) == row["detail"]["unique_records"] == 298_243
    by_system = section.table("部门", "系统")
    assert len(by_system) == row["detail"]["systems"] == 115
    assert sum(number(r[4]) for r in by_system) == 313_464
    by_month = section.table("月份")
    assert [r[0].text() for r in by_month] == [f"2021-{m:02d}" for m in range(1, 13)]
    assert sum(number(r[2]) for r in by_month) == 313_464
    assert "313,464 条 ÷ 0.0002861 ≈ 11亿条 (1,100,000,000)" in section.text()
    assert any(True for _ in next(e for e in section.iter("div") if e.attrs.get("id") == "volume").iter("svg"))


@pytest.mark.parametrize("tally, domains", [("monitoring_indicators", MONITORING), ("warning_indicators", WARNING)])
def test_the_indicators_are_counted_by_domain_with_each_id_and_name(rendered, tally, domains):
    _, _, dom = rendered
    row, section = breakdown(rendered, tally)
    by_domain = section.tables()[0]["rows"]
    assert {r[0].text(): number(r[1]) for r in by_domain} == row["detail"]["by_domain"] == domains
    assert sum(number(r[1]) for r in by_domain) == row["actual"] == sum(domains.values())
    for cells in by_domain:
        domain = cells[0].text()
        listed = follow(dom, next(cells[0].iter("a")))
        assert listed.tag == "details"
        assert [[c.text() for c in r] for r in listed.tables()[0]["rows"]] == [
            [f"{tally[0]}-{domain}-{i:03d}", f"{domain}指标{i}"] for i in range(domains[domain])]


def test_the_reports_by_kind_link_each_reports_own_page(rendered):
    out, _, dom = rendered
    row, section = breakdown(rendered, "analysis_reports")
    kinds = section.tables()[0]["rows"]
    assert {r[0].text(): number(r[1]) for r in kinds} == {
        KINDS[k]: n for k, n in row["detail"]["by_kind"].items()} == {
        "年报": 1, "月报": 7, "季报": 3, "主题运营分析报告": 15, "专题运营分析报告": 10}
    assert sum(number(r[1]) for r in kinds) == row["actual"] == 36
    registered = {r["report_id"]: r for r in row["detail"]["reports"]}
    for cells in kinds:
        listed = follow(dom, next(cells[0].iter("a")))
        reports = listed.tables()[0]["rows"]
        assert len(reports) == number(cells[1])
        for _, title, report_id in reports:
            (link,) = title.iter("a")
            page = opened(out, link)
            assert KINDS[registered[report_id.text()]["kind"]] == cells[0].text()
            assert page == (out.parent / registered[report_id.text()]["path"]).resolve() and page.is_file()
            assert f"<h1>{link.text()}</h1>" in page.read_text(encoding="utf-8")
    assert len(registered) == 36


def test_the_topics_show_their_rows_and_open_their_report(rendered):
    out, _, _ = rendered
    row, section = breakdown(rendered, "topics_processed")
    topics = section.tables()[0]["rows"]
    assert {r[0].text(): number(r[1]) for r in topics} == row["detail"]["rows"] == dict.fromkeys(
        row["detail"]["topics"], sum(100 + m for m in range(6, 13)))
    assert len(topics) == row["actual"] == 10
    for name, _, report in topics:
        (link,) = report.iter("a")
        assert link.text() == f"{name.text()}专题运营分析报告"
        assert f"<h1>{link.text()}</h1>" in opened(out, link).read_text(encoding="utf-8")


def test_support_sessions_uptime_and_standards_show_what_they_counted(rendered):
    row, section = breakdown(rendered, "major_event_support")
    by_level, events = section.tables()[0]["rows"], section.tables()[1]["rows"]
    assert {r[0].text(): number(r[1]) for r in by_level} == row["detail"]["by_level"] == {
        "国家级": 3, "省级": 5, "市级": 11}
    assert [r[3].text() for r in events] == [e["record_id"] for e in row["detail"]["events"]]
    assert len(events) == row["actual"] == 19
    assert sorted(r[1].text() for r in events) == ["国家级"] * 3 + ["市级"] * 11 + ["省级"] * 5
    row, section = breakdown(rendered, "venue_uptime")
    assert {r[0].text(): number(r[1]) for r in section.tables()[0]["rows"]} == {"月度巡检": 7, "周巡检": 31}
    assert "自 2021-06 起运行 308,160 分钟" in section.text() and "= 100%" in section.text()
    assert "无影响场地的故障。" in section.text() and row["detail"]["outages"] == []
    row, section = breakdown(rendered, "standards")
    standards = [[c.text() for c in r] for r in section.tables()[0]["rows"]]
    assert [r[:3] for r in standards] == [[s["name"], str(s["issued"]), s["implemented_by"] or "—"]
                                          for s in row["detail"]["standards"]]
    assert len(standards) == row["actual"] == 10
    assert [r[3] for r in standards].count("是") == row["detail"]["implemented_in_repo"] == 8
