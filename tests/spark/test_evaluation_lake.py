"""The yearly evaluation read from a lake: the seed's table reproduced, two misses explained,
pinned versions reproduced, and the workbook and HTML checked in LibreOffice and Chromium."""
from __future__ import annotations

import csv
import json
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from suizhi.lake import Lake
from suizhi.simulate.operations import OperationsYear, Outage
from tests.dom import render
from tests.spark.evaluation_lake import CATALOG, MONITORING, WARNING, build_year, evaluate

pytestmark = pytest.mark.spark

REPO = Path(__file__).resolve().parents[2]


def test_the_simulated_2021_reproduces_the_seed_table(seed_year):
    _, built, tallied, data, _ = seed_year
    assert built["landed"] == 313_464
    # generated at the sources: the rows landed and 1,246 readings the streams drop as re-sent or late
    assert built["manifest"]["sampling"]["fraction"] == 314_710 / 1_100_000_000
    rows = {r["tally"]: r for r in data["indicators"]}
    assert [(r["name"], r["target_text"], r["actual_text"], r["weight"], r["score"], r["deviation_text"])
            for r in data["indicators"]] == [
        ("运营分析报告数量", "不少于30份", "36份", 12, 12.0, "无"),
        ("预警指标数量", "不少于250个", "277个", 12, 12.0, "无"),
        ("重大活动服务保障次数", "不少于10次", "19次", 12, 12.0, "无"),
        ("运行监测服务", "不少于500个", "700个", 12, 12.0, "目标设置偏低；建议下年目标不少于700个"),
        ("保障场地正常运行", "不低于99.5%", "100%", 10, 10.0, "无"),
        ("编制标准规范数量", "不少于10份", "10份", 10, 10.0, "无"),
        ("运营专题数量", "不少于10个", "10个", 10, 10.0, "无"),
        ("汇聚数据量", "不少于10亿条", "11亿条（按申报量的 1/3,500 模拟，实际汇聚 313,464条）", 12, 12.0,
         "目标设置偏低；建议下年目标不少于11亿条"),
    ]
    assert data["total"] == 100.0 and data["measured_weight"] == 100 and data["not_measured"] == []
    assert data["budget"]["rate"] == 1.0 and data["budget"]["score"] == 10
    assert {r["name"]: r["proposed_target"] for r in data["indicators"] if r["deviation_kind"] == "target_low"} == {
        "运行监测服务": 700, "汇聚数据量": 1_100_000_000}
    # what each count is made of
    assert rows["monitoring_indicators"]["detail"]["by_domain"] == dict(sorted(MONITORING.items()))
    assert rows["warning_indicators"]["detail"]["by_domain"] == dict(sorted(WARNING.items()))
    assert rows["major_event_support"]["detail"]["by_level"] == {"国家级": 3, "省级": 5, "市级": 11}
    assert rows["venue_uptime"]["detail"]["inspections"] == {"月度巡检": 7, "周巡检": 31}
    assert rows["venue_uptime"]["detail"]["operating_from"] == "2021-06"
    assert rows["analysis_reports"]["detail"]["by_kind"] == {
        "annual": 1, "monthly": 7, "quarterly": 3, "theme": 15, "topic": 10}
    assert rows["records_aggregated"]["actual"] == 1_100_000_000  # 313,464 / 0.0002861 = 1.0956e9
    assert rows["records_aggregated"]["detail"]["sampling"] == {
        "fraction": 0.0002861, "simulated_at": "1/3,500", "rows_landed": 313_464, "rows_generated": 314_710,
        "declared_volume": 1_100_000_000, "manifest": str((Path(built["sources"]) / "manifest.json").resolve())}
    assert rows["records_aggregated"]["detail"]["unique_records"] == sum(
        m["inserted"] for s in built["counts"].values() for m in s["months"].values()) == 298_243
    assert rows["standards"]["detail"]["implemented_in_repo"] == 8
    assert tallied["read"] == {"gold.indicator_values": 0, "gold.indicators": 0, "gold.report_register": 0,
                               "gold.topic_activity": 0, "ledger.batches": 0, "quality.scores": 0,
                               "silver.operation_record": 0}
    # What each figure was counted from, at the versions read: where `suizhi lineage` starts its tree.
    indicators = {"gold.indicator_values": 0, "gold.indicators": 0}
    assert tallied["figures"] == {
        "records_aggregated": {"ledger.batches": 0}, "monitoring_indicators": indicators,
        "warning_indicators": indicators, "analysis_reports": {"gold.report_register": 0},
        "topics_processed": {"gold.report_register": 0, "gold.topic_activity": 0},
        "major_event_support": {"silver.operation_record": 0}, "venue_uptime": {"silver.operation_record": 0},
        "standards": {"conf/standards.yaml": None}}
    volumes = tallied["volumes"]
    assert len(volumes["by_system"]) == 115 and len(volumes["by_department"]) == 35
    assert len(volumes["by_system_month"]) == 115 * 12
    assert {k: v for k, v in volumes["by_system_month"][0].items() if k in ("system", "period", "rows_landed")} == {
        "system": "cgj_digital_city", "period": "2021-01",
        "rows_landed": built["counts"]["cgj_digital_city"]["months"]["2021-01"]["rows"]}
    assert sum(r["rows_landed"] for r in volumes["by_month"]) == 313_464
    assert tallied["quality"]["value"] == {"完整性": 0.995, "时效性": 1.0, "规范性": 0.98}


def test_a_year_missing_two_targets_scores_by_the_rules_and_names_the_causes(spark, tmp_path):
    lake, sources = Lake(str(tmp_path / "lake")), tmp_path / "sources"
    big = ["zsj_hotline_12345", "gaj_traffic_checkpoint", "qxj_aws", "cgj_gas_pipeline_iot"]
    drop = {(s, f"2021-{m:02d}") for s in big for m in range(4, 13)}  # four systems stopped delivering in April
    ops = OperationsYear(outages=[Outage(datetime(2021, 8, 10, 14), 1_600, "空调系统故障停用")])
    built = build_year(spark, lake, CATALOG, sources, ops=ops, drop=drop)
    _, data = evaluate(spark, lake, sources)
    rows = {r["tally"]: r for r in data["indicators"]}
    volume, uptime = rows["records_aggregated"], rows["venue_uptime"]
    assert built["landed"] == volume["detail"]["sampling"]["rows_landed"] == 278_501  # one more outage record
    # the sources held 314,711 rows (the outage too), 1/3,500 of the declared volume; 278,501 of them
    # landed, read as 973,436,264 and shown at two significant figures
    assert built["manifest"]["sampling"]["rows_generated"] == 314_711
    assert (volume["actual"], volume["actual_text"]) == (
        970_000_000, "9.7亿条（按申报量的 1/3,500 模拟，实际汇聚 278,501条）")
    assert volume["score"] == round(12 * 970_000_000 / 1_000_000_000, 2) == 11.64  # proportional
    missing = "、".join(f"2021-{m:02d}" for m in range(4, 13))
    assert volume["deviation_text"] == (
        f"未达标：差 30,000,000条 (3.0%)；原因：系统 cgj_gas_pipeline_iot 缺 {missing} 批次；"
        f"系统 gaj_traffic_checkpoint 缺 {missing} 批次；系统 qxj_aws 缺 {missing} 批次；"
        f"系统 zsj_hotline_12345 缺 {missing} 批次")
    assert uptime["actual"] == round((308_160 - 1_600) / 308_160 * 100, 4) == 99.4808
    assert uptime["score"] == 0.0  # full_when_met: a missed threshold scores nothing
    assert uptime["deviation_text"] == ("未达标：差 0.0192个百分点 (0.0%)；"
                                        "原因：2021-08-10 14:00 空调系统故障停用 1600分钟")
    assert [(r["tally"], r["score"]) for r in data["indicators"] if r["deviation_kind"] != "shortfall"] == [
        ("analysis_reports", 12), ("warning_indicators", 12), ("major_event_support", 12),
        ("monitoring_indicators", 12), ("standards", 10), ("topics_processed", 10)]
    assert data["total"] == 89.64


def _libreoffice_csv(xlsx: Path, out: Path) -> list[list[str]]:
    """The first sheet as LibreOffice shows it (formatted values), converted headless to CSV."""
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out), str(xlsx)],
                   check=True, capture_output=True, timeout=180)
    return list(csv.reader((out / f"{xlsx.stem}.csv").read_text(encoding="utf-8").splitlines()))


def test_the_workbook_in_libreoffice_matches_the_json_cell_for_cell(seed_year, tmp_path):
    out = seed_year[4]
    data = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    grid = _libreoffice_csv(out / "evaluation.xlsx", tmp_path)
    cell = {f"{col}{r}": v for r, row in enumerate(grid, start=1) for col, v in zip("ABCDEFGHI", row)}
    p, b = data["project"], data["budget"]
    expected = {"A1": "项目支出绩效自评表", "A2": "（2021年度）", "A3": "单位：万元", "A4": "项目名称", "B4": p["name"],
                "A5": "主管部门", "B5": p["department"], "E5": "实施单位", "F5": p["implementer"],
                "A6": "项目资金（万元）", "B7": "总额", "D7": f"{b['planned']:,.2f}", "E7": f"{b['spent']:,.2f}",
                "F7": str(b["weight"]), "G7": f"{b['rate'] * 100:.2f}%", "H7": f"{b['score']:.2f}",
                "B12": p["annual_goal"], "A13": "绩效指标", "B13": "一级指标", "I13": "偏差原因分析及改进措施",
                "A24": "总分", "B24": f"{data['total']:.2f}"}
    for i, s in enumerate(b["sources"], start=8):
        expected |= {f"B{i}": f"其中：{s['name']}", f"D{i}": f"{s['planned']:,.2f}", f"E{i}": f"{s['spent']:,.2f}"}
    for i, r in enumerate(data["indicators"], start=14):
        expected |= {f"D{i}": r["name"], f"E{i}": r["target_text"], f"F{i}": r["actual_text"],
                     f"G{i}": str(r["weight"]), f"H{i}": f"{r['score']:.2f}", f"I{i}": r["deviation_text"]}
    expected |= {"B14": "效益", "C14": "社会效益", "C17": "经济效益",
                 "B18": "产出", "C18": "产出质量", "C19": "产出数量"}
    assert {k: cell.get(k) for k in expected} == expected
    assert (cell["B18"], cell["D21"], cell["H21"], cell["G4"]) == ("产出", "汇聚数据量", "12.00", "一级□  二级□")
    assert cell["B22"].startswith("个别指标设置存在偏离：运行监测服务不少于500个，实际完成700个")
    assert cell["B23"] == "合理设置绩效指标值，建议下年：运行监测服务不少于700个；汇聚数据量不少于11亿条。"
    assert len(grid) == 24


def test_the_workbook_merges_cells_as_the_seed_does(seed_year):
    from openpyxl import load_workbook
    ws = load_workbook(seed_year[4] / "evaluation.xlsx").active
    assert {str(r) for r in ws.merged_cells.ranges} >= {
        "A1:I1", "A6:A10", "A11:A12", "B11:E11", "F11:I11", "A13:A21", "B14:B17", "B18:B21", "C14:C16",
        "C19:C21", "B22:I22", "B23:I23", "B24:I24"}


def test_the_html_report_draws_its_charts_in_chromium(seed_year, tmp_path):
    dom = render(seed_year[4] / "evaluation.html", tmp_path)
    charts = ("volume", "topics", "domains-monitoring_indicators", "domains-warning_indicators", "quality")
    drawn = {cid: len(re.findall(r"<svg", part.split('class="chart"', 1)[1].split("</script>", 1)[0]))
             for cid, part in ((c, dom.split(f'id="{c}"', 1)[1]) for c in charts)}
    assert drawn == dict.fromkeys(charts, 1)
    assert "<path" in dom and "未测量" not in dom
    assert "运行监测服务" in dom and "总分 100.00（满分 100）" in dom


def test_the_markdown_summary_carries_the_table(seed_year):
    text = (seed_year[4] / "evaluation.md").read_text(encoding="utf-8")
    assert ("| 效益 | 经济效益 | 运行监测服务 | 不少于500个 | 700个 | 12 | 12.00 | "
            "目标设置偏低；建议下年目标不少于700个 |") in text
    assert "**总分 100.00（满分 100）**" in text and "- `ledger.batches` v0" in text


def test_pinned_versions_read_the_same_table_after_the_lake_moved_on(seed_year, spark):
    lake, _, tallied, data, _ = seed_year
    from tests.spark.evaluation_lake import AT, REPORTS
    spark.createDataFrame([("late-report", "monthly", "2021-12", None, "补充月报", "reports/late.pdf", "pdf", AT)],
                          REPORTS).write.format("delta").mode("append").save(lake.table("gold.report_register"))
    sources = Path(lake.root).parent / "sources"
    latest = evaluate(spark, lake, sources)[1]
    assert latest["read"]["gold.report_register"] == 1 and latest["indicators"][0]["actual"] == 37
    again_tallied, again = evaluate(spark, lake, sources, pinned=tallied["read"])
    assert again["read"] == data["read"]
    assert again == data


def test_suizhi_evaluate_with_pinned_versions_writes_the_same_table(seed_year, spark, tmp_path, monkeypatch):
    """Runs after the lake moved on (the test above appended a report): --pin still reads the old versions,
    and its audit row says so."""
    from suizhi.cli import main
    from suizhi.governance.audit import read_audit
    from tests.conftest import make_home
    lake, _, _, _, out = seed_year
    home = make_home(tmp_path)
    (home / "dags").symlink_to(REPO / "dags")  # conf/standards.yaml points to it; make_home copied expectations/
    (home / "lake").symlink_to(lake.root)
    (home / "var").mkdir()
    (home / "var" / "sources").symlink_to(Path(lake.root).parent / "sources")  # the simulation's manifest too
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    monkeypatch.delenv("SUIZHI_ENV", raising=False)
    assert main(["evaluate", "--year", "2021", "--pin", str(out / "evaluation.json")]) == 0
    assert (home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8") == (
        out / "evaluation.json").read_text(encoding="utf-8")
    assert main(["evaluate", "--year", "2021", "--lang", "en"]) == 0
    moved_on = json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    assert moved_on["read"]["gold.report_register"] == 1 and moved_on["indicators"][0]["actual_text"] == "37 docs"
    runs = read_audit(spark, lake).where("action = 'evaluation'").orderBy("recorded_at").collect()
    assert [(json.loads(r.reads)["gold.report_register"], json.loads(r.details)["figures"]["analysis_reports"])
            for r in runs] == [(0, {"gold.report_register": 0}), (1, {"gold.report_register": 1})]
