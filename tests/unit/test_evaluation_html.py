"""evaluation.html from a small evaluation.json: each 实际完成指标值 links to the breakdown of its
figure on the page, which holds exactly the JSON's figures and links back to its row."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.html_report import render_html
from suizhi.evaluation.report_json import to_json
from suizhi.evaluation.sampling import Sampling, volume, volume_detail
from suizhi.evaluation.scoring import Measure, score
from tests.dom import number, parse

ROOT = Path(__file__).resolve().parents[2]
CONFIG = load_evaluation(ROOT / "conf" / "evaluation" / "2021.yaml")
COUNTS = ["rows_read", "rows_landed", "inserted", "duplicates", "superseded", "quarantined"]
DEPARTMENTS = {"wjw": "市卫生健康委员会", "qxj": "市气象局"}
# department, system, dataset, period, then the counts of COUNTS (landed = inserted + duplicates + superseded
# + quarantined)
LEDGER = [("wjw", "wjw_clinic", "hospital_visit", "2021-06", 300, 300, 280, 10, 6, 4),
          ("wjw", "wjw_clinic", "hospital_visit", "2021-07", 320, 318, 300, 9, 5, 4),
          ("wjw", "wjw_covid_test", "covid_test", "2021-07", 150, 150, 150, 0, 0, 0),
          ("qxj", "qxj_aws", "weather_reading", "2021-06", 90, 88, 80, 8, 0, 0),
          ("qxj", "qxj_aws", "weather_reading", "2021-07", 95, 95, 95, 0, 0, 0)]
SAMPLING = Sampling(0.000_000_86, 1_000, 1_100_000_000, "/sources/manifest.json")
MONITORING = {"医疗卫生": ["m-health-000", "m-health-001"], "城市管理": ["m-city-000"]}
REPORTS = [
    {"report_id": "monthly-2021-06", "kind": "monthly", "period": "2021-06", "topic_id": None,
     "title": "2021-06 月报", "path": "2021/operations/monthly/2021-06.html"},
    {"report_id": "monthly-2021-07", "kind": "monthly", "period": "2021-07", "topic_id": None,
     "title": "2021-07 月报", "path": "2021/operations/monthly/2021-07.html"},
    {"report_id": "theme-water-2021", "kind": "theme", "period": "2021", "topic_id": None,
     "title": "<b>水务</b> & 排水主题", "path": 'bad"/../theme/water.html'},
    {"report_id": "topic-typhoon-2021", "kind": "topic", "period": "2021", "topic_id": "typhoon",
     "title": "台风专题运营分析报告", "path": "2021/operations/topic/typhoon.html"}]


def _sum(rows: list[tuple], key) -> list[dict]:
    out: dict = {}
    for r in rows:
        row = out.setdefault(key(r), dict(zip(("department", "system", "dataset", "period"), r[:4])))
        for c, v in zip(COUNTS, r[4:]):
            row[c] = row.get(c, 0) + v
    return list(out.values())


def _volumes() -> dict:
    def only(names):
        return lambda rows: [{k: v for k, v in r.items() if k in (*names, *COUNTS)} for r in rows]
    return {"by_department": only(["department"])(_sum(LEDGER, lambda r: r[0])),
            "by_system": only(["department", "system", "dataset"])(_sum(LEDGER, lambda r: r[1])),
            "by_month": only(["period"])(_sum(LEDGER, lambda r: r[3])),
            "by_department_month": only(["department", "period"])(_sum(LEDGER, lambda r: (r[0], r[3]))),
            "by_system_month": only(["system", "period"])(_sum(LEDGER, lambda r: (r[1], r[3]))),
            "by_topic": [{"topic": "typhoon", "name": "台风", "systems": ["qxj_aws"], **dict.fromkeys(COUNTS, 183)}],
            "departments": DEPARTMENTS}


def _measures(gold: bool = True) -> dict[str, Measure]:
    landed, unique = sum(r[5] for r in LEDGER), sum(r[6] for r in LEDGER)
    out = {"records_aggregated": Measure(volume(landed, SAMPLING), "条", {
        "counts": "rows landed over the fraction", "aggregated_records": landed, "unique_records": unique,
        "sampling": volume_detail(landed, SAMPLING), "systems": 3, "departments": 2, "causes": []})}
    out["major_event_support"] = Measure(2, "次", {"counts": "support sessions", "by_level": {
        "国家级": 1, "省级": 0, "市级": 1}, "events": [
        {"record_id": "op-7", "started_at": "2021-07-01 09:00", "level": "国家级", "title": "建党百年保障"},
        {"record_id": "op-9", "started_at": "2021-10-01 08:00", "level": "市级", "title": "国庆保障"}], "causes": []})
    out["venue_uptime"] = Measure(round((308_160 - 60) / 308_160 * 100, 4), "%", {
        "counts": "uptime", "operating_from": "2021-06", "operating_minutes": 308_160, "outage_minutes": 60,
        "inspections": {"月度巡检": 7, "周巡检": 31}, "outages": [
            {"record_id": "op-3", "started_at": "2021-08-10 14:00", "duration_minutes": 60, "title": "停电"}],
        "causes": []})
    out["standards"] = Measure(3, "份", {"counts": "the register", "standards": [
        {"name": "数据质量规范", "issued": 2021, "implemented_by": "expectations/"},
        {"name": "需求调研规范", "issued": 2021, "implemented_by": None},
        {"name": "数据安全规范", "issued": 2021, "implemented_by": "docs/security.md"}],
        "implemented_in_repo": 1, "implementation_missing": ["docs/security.md"], "causes": []})
    if not gold:
        return out
    out["monitoring_indicators"] = Measure(3, "个", {
        "counts": "distinct monitoring indicators", "by_domain": {d: len(ids) for d, ids in MONITORING.items()},
        "indicators": MONITORING, "names": {"m-health-000": "门诊量", "m-health-001": "住院量", "m-city-000": "案件数"},
        "causes": []})
    out["warning_indicators"] = Measure(1, "个", {"counts": "distinct warning indicators", "by_domain": {
        "智慧气象": 1}, "indicators": {"智慧气象": ["w-rain-000"]}, "names": {"w-rain-000": "小时雨量"}, "causes": []})
    out["analysis_reports"] = Measure(len(REPORTS), "份", {"counts": "reports registered", "by_kind": {
        "monthly": 2, "theme": 1, "topic": 1}, "reports": REPORTS, "causes": []})
    out["topics_processed"] = Measure(1, "个", {"counts": "topics with rows and a report", "topics": ["台风"],
                                               "rows": {"台风": 1_234}, "reports": {"台风": {
                                                   k: REPORTS[3][k] for k in ("report_id", "title", "path")}},
                                               "causes": ["专题泥头车无专题报告"]})
    return out


def evaluation_json(lang: str = "zh", gold: bool = True) -> dict:
    """A small year as evaluation.json holds it (through JSON, as write_html reads it)."""
    tallied = {"read": {"ledger.batches": 3}, "totals": {}, "volumes": _volumes(),
               "quality": {"value": {"完整性": 0.99}, "detail": {}}}
    return json.loads(json.dumps(to_json(score(CONFIG, _measures(gold)), lang, tallied)))


@pytest.fixture(scope="module", params=["zh", "en"])
def page(request):
    data = evaluation_json(request.param)
    return data, parse(render_html(data))


def _section(page, tally: str):
    data, dom = page
    row = next(r for r in data["indicators"] if r["tally"] == tally)
    return row, dom.by_id()[f"drill-{tally}"]


def test_every_actual_value_links_to_its_breakdown_and_back(page):
    data, dom = page
    ids = dom.by_id()
    table = dom.tables()[0]
    assert [c.text() for c in table["rows"][0][:3]] == [data["indicators"][0][k] for k in ("level1", "level2", "name")]
    for row, cells in zip(data["indicators"], table["rows"], strict=True):
        (a,) = cells[4].iter("a")
        assert (a.text(), a.attrs["href"], a.attrs["id"]) == (row["actual_text"], f"#drill-{row['tally']}",
                                                             f"row-{row['tally']}")
        section = ids[a.attrs["href"][1:]]
        assert section.tag == "section"
        assert next(section.iter("h3")).text().endswith(row["actual_text"])
        assert [b.attrs["href"] for b in section.iter("a") if b.attrs["href"] == f"#row-{row['tally']}"] == [
            f"#row-{row['tally']}"]
    links = [a.attrs["href"] for a in dom.iter("a") if a.attrs["href"].startswith("#")]
    assert all(href[1:] in ids for href in links) and len(links) == 8 + 8 + 2 + 1 + 3  # rows, backs, parts


def test_the_volume_breakdown_adds_up_to_the_rows_records(page):
    data, _ = page
    row, section = _section(page, "records_aggregated")
    landed = row["detail"]["aggregated_records"]
    headers = (("部门", "源端读取", "汇聚条数") if data["lang"] == "zh"
               else ("Department", "Read at source", "Aggregated"))
    by_department = section.table(*headers)
    assert [(c[0].text(), *map(number, c[1:])) for c in by_department] == [
        ("市卫生健康委员会", 770, 768, 730, 19, 11, 8), ("市气象局", 185, 183, 175, 8, 0, 0)]
    assert sum(number(c[2]) for c in by_department) == landed == 951
    by_system = section.table(headers[0], "系统" if data["lang"] == "zh" else "System")
    assert [c[1].text() for c in by_system] == ["qxj_aws", "wjw_clinic", "wjw_covid_test"]
    assert sum(number(c[4]) for c in by_system) == landed
    by_month = section.table("月份" if data["lang"] == "zh" else "Month")
    assert [(c[0].text(), number(c[2])) for c in by_month] == [("2021-06", 388), ("2021-07", 563)]
    sampled = ("按申报量的 1/1,200,000 生成（比例 0.00000086）：951 条 ÷ 0.00000086 ≈ 11亿条 (1,100,000,000)"
               if data["lang"] == "zh" else "(fraction 0.00000086): 951 ÷ 0.00000086 ≈ 1,100,000,000 records")
    assert sampled in section.text() and len(list(section.iter("div"))) == 1  # and the stacked monthly chart


def test_the_indicators_are_counted_by_domain_with_their_ids_and_names(page):
    data, dom = page
    row, section = _section(page, "monitoring_indicators")
    by_domain = section.tables()[0]["rows"]
    assert {c[0].text(): number(c[1]) for c in by_domain} == row["detail"]["by_domain"] == {
        "医疗卫生": 2, "城市管理": 1}
    assert sum(number(c[1]) for c in by_domain) == row["actual"] == 3
    for cells in by_domain:
        (a,) = cells[0].iter("a")
        listed = dom.by_id()[a.attrs["href"][1:]]
        assert listed.tag == "details" and listed.text().startswith(cells[0].text())
        ids = [[c.text() for c in r] for r in listed.tables()[0]["rows"]]
        assert ids == [[i, row["detail"]["names"][i]] for i in row["detail"]["indicators"][cells[0].text()]]
    assert 'id="domains-monitoring_indicators"' in render_html(data)


def test_the_reports_are_listed_by_kind_each_linking_its_page(page):
    data, dom = page
    row, section = _section(page, "analysis_reports")
    kinds = section.tables()[0]["rows"]
    assert [number(c[1]) for c in kinds] == [2, 1, 1] and sum(number(c[1]) for c in kinds) == row["actual"]
    for cells, kind in zip(kinds, row["detail"]["by_kind"], strict=True):
        (a,) = cells[0].iter("a")
        listed, n = dom.by_id()[a.attrs["href"][1:]], row["detail"]["by_kind"][kind]
        assert next(listed.iter("h4")).text() == cells[0].text() + (f"（{n}）" if data["lang"] == "zh" else f" ({n})")
        assert [r[2].text() for r in listed.tables()[0]["rows"]] == [
            r["report_id"] for r in row["detail"]["reports"] if r["kind"] == kind]
    links = {a.text(): a.attrs["href"] for a in section.iter("a") if not a.attrs["href"].startswith("#")}
    assert links == {"2021-06 月报": "../2021/operations/monthly/2021-06.html",
                     "2021-07 月报": "../2021/operations/monthly/2021-07.html",
                     "<b>水务</b> & 排水主题": "../bad%22/../theme/water.html",
                     "台风专题运营分析报告": "../2021/operations/topic/typhoon.html"}
    _, topics = _section(page, "topics_processed")
    assert [[c.text() for c in r] for r in topics.tables()[0]["rows"]] == [["台风", "1,234", "台风专题运营分析报告"]]
    assert [a.attrs["href"] for a in topics.iter("a")][0] == "../2021/operations/topic/typhoon.html"
    assert "专题泥头车无专题报告" in topics.text()


def test_support_uptime_and_standards_show_what_they_counted(page):
    _, support = _section(page, "major_event_support")
    assert [[c.text() for c in r] for r in support.tables()[0]["rows"]] == [
        ["国家级", "1"], ["省级", "0"], ["市级", "1"]]
    assert [r[3].text() for r in support.tables()[1]["rows"]] == ["op-7", "op-9"]
    row, uptime = _section(page, "venue_uptime")
    assert "(308,160 − 60) ÷ 308,160 = 99.9805%" in uptime.text() and row["actual"] == 99.9805
    assert [[c.text() for c in r] for r in uptime.tables()[0]["rows"]] == [["月度巡检", "7"], ["周巡检", "31"]]
    assert [[c.text() for c in r] for r in uptime.tables()[1]["rows"]] == [["2021-08-10 14:00", "60", "停电", "op-3"]]
    _, standards = _section(page, "standards")
    yes, no = ("是", "否") if page[0]["lang"] == "zh" else ("yes", "no")
    assert [[c.text() for c in r] for r in standards.tables()[0]["rows"]] == [
        ["数据质量规范", "2021", "expectations/", yes], ["需求调研规范", "2021", "—", "—"],
        ["数据安全规范", "2021", "docs/security.md", no]]


def test_the_page_escapes_what_it_shows():
    text = render_html(evaluation_json())
    assert "<b>水务</b>" not in text and "&lt;b&gt;水务&lt;/b&gt; &amp; 排水主题" in text
    assert 'href="../bad%22/../theme/water.html"' in text


def test_a_row_not_measured_links_to_its_reason():
    data = evaluation_json(gold=False)
    dom = parse(render_html(data))
    for tally in ("monitoring_indicators", "analysis_reports", "topics_processed"):
        row = next(r for r in data["indicators"] if r["tally"] == tally)
        section = dom.by_id()[f"drill-{tally}"]
        assert row["actual_text"] == "未测量" and row["detail"]["reason"] == "no measure supplied"
        assert [p.text() for p in section.iter("p") if "unmeasured" in p.attrs.get("class", "")] == [
            "no measure supplied"]
        assert dom.by_id()[f"row-{tally}"].attrs["href"] == f"#drill-{tally}"
    # before gold, the topics' volume from the ledger
    topics = dom.by_id()["drill-topics_processed"]
    assert re.search(r'"data": \["台风"\]', "".join(s.text() for s in topics.iter("script")))
