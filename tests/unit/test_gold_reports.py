"""Operation reports planned from small facts: the kinds a year's plan calls for, and what a theme report says."""
from __future__ import annotations

from datetime import datetime

import pytest

from suizhi.errors import ConfigError
from suizhi.gold.declarations import Indicator, Warning
from suizhi.gold.report_plan import ReportPlan, load_report_plan, plan_reports
from suizhi.gold.reports import Facts, write_reports
from suizhi.gold.theme_reports import episodes

LOW_PRESSURE = Warning(direction="below", thresholds={"蓝": 0.25, "黄": 0.2, "橙": 0.15, "红": 0.1})
INDICATORS = [
    Indicator("hv_visits_all", "全市门急诊人次", "monitoring", "医疗卫生", "hospital_visit", "count(*)", None, "人次",
              (), (), None, "monitoring_health"),
    Indicator("hv_fee_avg_all", "全市次均医疗费用", "monitoring", "医疗卫生", "hospital_visit", "avg(fee_amount)", None,
              "元", (), (), None, "monitoring_health"),
    Indicator("gas_min.440106", "天河区燃气管网最低压力", "warning", "燃气管理", "gas_pressure_reading",
              "min(pressure_mpa)", None, "兆帕", (("district", "district_code"),), ("440106",), LOW_PRESSURE,
              "warning_gas"),
    Indicator("hl_tickets_all", "全市12345工单量", "monitoring", "民生服务", "hotline_ticket", "count(*)", None, "件",
              (), (), None, "monitoring_livelihood"),
]
MONTHS = [f"2021-{m:02d}" for m in range(1, 13)]
PRESSURE = [0.3, 0.3, 0.18, 0.08, 0.3, 0.31, 0.32, 0.3, 0.3, 0.3, 0.3, 0.12]
AT = datetime(2022, 1, 1)


def facts() -> Facts:
    values = [("hv_visits_all", p, "", float(100 + i)) for i, p in enumerate(MONTHS)]
    values += [("hv_fee_avg_all", p, "", 250.5) for p in MONTHS[:6]]
    values += [("gas_min.440106", p, "district=440106", v) for p, v in zip(MONTHS, PRESSURE)]
    alerts = [("gas_min.440106", "2021-03", "district=440106", "黄", "raised", 0.18, 0.2, AT),
              ("gas_min.440106", "2021-04", "district=440106", "红", "escalated", 0.08, 0.1, AT),
              ("gas_min.440106", "2021-06", "district=440106", "红", "cleared", 0.31, 0.1, AT),
              ("gas_min.440106", "2021-12", "district=440106", "橙", "raised", 0.12, 0.15, AT)]
    ledger = [{"dataset": d, "period": p, "rows_landed": 12, "inserted": 10, "duplicates": 1, "superseded": 0,
               "quarantined": 1} for d in ("hospital_visit", "gas_pressure_reading") for p in MONTHS]
    held = {d: list(MONTHS) for d in ("hospital_visit", "gas_pressure_reading")} | {"hotline_ticket": []}
    return Facts({i.id: i for i in INDICATORS}, values, alerts, [], ledger, {}, {}, held=held)


THEMES = [{"id": "health", "name": "医疗卫生", "domains": ["医疗卫生"]},
          {"id": "gas", "name": "燃气管理", "domains": ["燃气管理"]},
          {"id": "livelihood", "name": "民生服务", "domains": ["民生服务"]},
          {"id": "clinics", "name": "诊疗", "datasets": ["hospital_visit"]}]


def plan(**given) -> ReportPlan:
    return ReportPlan.model_validate({"version": 1, "themes": THEMES} | given)


def test_a_plan_from_june_publishes_the_seeds_periodic_reports_and_each_theme_with_data():
    reports = plan_reports(facts(), {}, plan(start="2021-06"))
    kinds = [r.kind for r in reports]
    assert {k: kinds.count(k) for k in kinds} == {"monthly": 7, "quarterly": 3, "annual": 1, "theme": 3}
    assert [r.period for r in reports if r.kind != "theme"] == [
        *MONTHS[5:], "2021-Q2", "2021-Q3", "2021-Q4", "2021"]
    # 民生服务's dataset (hotline_ticket) holds nothing in the year: no report of it.
    assert [(r.report_id, r.title) for r in reports if r.kind == "theme"] == [
        ("theme-health-2021", "医疗卫生主题 2021 年运营分析报告"),
        ("theme-gas-2021", "燃气管理主题 2021 年运营分析报告"),
        ("theme-clinics-2021", "诊疗主题 2021 年运营分析报告")]
    quarter = "\n".join(next(r for r in reports if r.period == "2021-Q2").md)
    assert "汇聚 24 条记录，隔离 2 条（8.33%）。" in quarter  # June alone: two datasets of 12 rows


def test_without_a_start_every_month_held_is_reported_and_a_quarter_waits_for_its_months():
    held = facts()
    held.ledger = [r for r in held.ledger if r["period"] <= "2021-08"]
    held.values = [v for v in held.values if v[1] <= "2021-08"]
    held.held = {d: [p for p in months if p <= "2021-08"] for d, months in held.held.items()}
    reports = plan_reports(held, {}, plan(periodic=["monthly", "quarterly"], themes=[]))
    assert [r.period for r in reports] == [*MONTHS[:8], "2021-Q1", "2021-Q2"]


def test_a_theme_report_shows_trends_alert_handling_and_its_datasets(tmp_path):
    reports = {r.report_id: r for r in plan_reports(facts(), {}, plan()) if r.kind == "theme"}
    health = "\n".join(reports["theme-health-2021"].md)
    assert "本主题共 2 个运行监测指标，2 个本年有值，计算自 1 个数据集：hospital_visit。" in health
    assert "| 全市门急诊人次 | 人次 | 12 | 2021-12 | 111.00 | 100.00 | 111.00 |" in health
    assert "| 全市次均医疗费用 | 元 | 6 | 2021-06 | 250.50 | 250.50 | 250.50 |" in health
    assert "本主题为运行监测指标，不设预警阈值" in health
    assert "汇聚 144 条记录，隔离 12 条（8.33%）。" in health
    gas = "\n".join(reports["theme-gas-2021"].md)
    assert ("发布预警 2 次，其中升级 1 次；已解除 1 次，处置中 1 次。"
            "预警在连续 2 期越过蓝色阈值回差带、回到安全一侧后解除。") in gas
    assert "| 天河区燃气管网最低压力 | district=440106 | 2021-03 | 黄 | 红 | 2021-06 | 已解除 |" in gas
    assert "| 天河区燃气管网最低压力 | district=440106 | 2021-12 | 橙 | 橙 |  | 处置中 |" in gas
    clinics = "\n".join(reports["theme-clinics-2021"].md)
    assert "本主题不设指标，监测所辖 1 个数据集的汇聚量与质量：hospital_visit。" in clinics
    assert "| 2021-12 | 12 |" in clinics  # the dataset's monthly volume
    rows = write_reports(list(reports.values()), tmp_path, AT)
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [
        ("theme-health-2021", "theme", "2021", None, "2021/operations/theme/health.html"),
        ("theme-gas-2021", "theme", "2021", None, "2021/operations/theme/gas.html"),
        ("theme-clinics-2021", "theme", "2021", None, "2021/operations/theme/clinics.html")]
    page = (tmp_path / "2021/operations/theme/gas.html").read_text(encoding="utf-8")
    assert page.count("echarts.init(") == 4  # trends, alerts by level, monthly volume, volume by dataset
    assert (tmp_path / "2021/operations/theme/gas.md").exists()


def test_a_plan_naming_an_unknown_domain_or_dataset_names_its_line(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "reports.yaml").write_text(
        "version: 1\nstart: 2021-06\nthemes:\n  - id: health\n    name: 医疗卫生\n    domains: [医疗]\n"
        "  - id: empty\n    name: 空\n  - id: water\n    name: 水务\n    datasets: [water_level_reading, rain]\n",
        encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_report_plan(tmp_path, {"医疗卫生"}, {"water_level_reading"})
    path = tmp_path / "conf" / "reports.yaml"
    assert err.value.problems == [
        f"{path}: line 7: field 'themes.1': Value error, a theme names at least one indicator domain or dataset"]
    (tmp_path / "conf" / "reports.yaml").write_text(
        "version: 1\nstart: 2021-06\nthemes:\n  - id: health\n    name: 医疗卫生\n    domains: [医疗]\n"
        "  - id: water\n    name: 水务\n    datasets: [water_level_reading, rain]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_report_plan(tmp_path, {"医疗卫生"}, {"water_level_reading"})
    assert err.value.problems == [
        f"{path}: line 6: field 'themes.0.domains.0': theme 'health': no domain '医疗' is declared",
        f"{path}: line 9: field 'themes.1.datasets.1': theme 'water': no dataset 'rain' is declared"]
    assert load_report_plan(tmp_path).themes[1].datasets == ["water_level_reading", "rain"]


def test_episodes_run_from_raising_to_clearing():
    found = episodes(facts().alerts, {"gas_min.440106"}, MONTHS[:6])
    assert found == [{"indicator_id": "gas_min.440106", "dimension": "district=440106", "raised": "2021-03",
                      "first_level": "黄", "top_level": "红", "cleared": "2021-06"}]
