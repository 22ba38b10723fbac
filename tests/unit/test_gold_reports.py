"""Operation reports planned from small facts: the kinds a year calls for, and what a domain report says."""
from __future__ import annotations

from datetime import datetime

from suizhi.gold.declarations import Indicator, Warning
from suizhi.gold.domain_reports import episodes
from suizhi.gold.report_plan import plan_reports
from suizhi.gold.reports import Facts, write_reports

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
    return Facts({i.id: i for i in INDICATORS}, values, alerts, [], ledger, {}, {})


def test_a_full_year_has_a_domain_report_per_domain_with_values():
    reports = plan_reports(facts(), {})
    kinds = [r.kind for r in reports]
    assert {k: kinds.count(k) for k in kinds} == {"monthly": 12, "quarterly": 4, "annual": 1, "domain": 2}
    # 民生服务 has no value in the year: no report of it.
    assert [(r.report_id, r.title) for r in reports if r.kind == "domain"] == [
        ("domain-monitoring_health-2021", "医疗卫生主题 2021 年运营分析报告"),
        ("domain-warning_gas-2021", "燃气管理主题 2021 年运营分析报告")]


def test_a_domain_report_shows_trends_alert_handling_and_its_datasets(tmp_path):
    reports = {r.report_id: r for r in plan_reports(facts(), {}) if r.kind == "domain"}
    health = "\n".join(reports["domain-monitoring_health-2021"].md)
    assert "本主题共 2 个运行监测指标，2 个本年有值，计算自 1 个数据集：hospital_visit。" in health
    assert "| 全市门急诊人次 | 人次 | 12 | 2021-12 | 111.00 | 100.00 | 111.00 |" in health
    assert "| 全市次均医疗费用 | 元 | 6 | 2021-06 | 250.50 | 250.50 | 250.50 |" in health
    assert "本主题为运行监测指标，不设预警阈值" in health
    assert "汇聚 144 条记录，隔离 12 条（8.33%）。" in health
    gas = "\n".join(reports["domain-warning_gas-2021"].md)
    assert ("发布预警 2 次，其中升级 1 次；已解除 1 次，处置中 1 次。"
            "预警在连续 2 期越过蓝色阈值回差带、回到安全一侧后解除。") in gas
    assert "| 天河区燃气管网最低压力 | district=440106 | 2021-03 | 黄 | 红 | 2021-06 | 已解除 |" in gas
    assert "| 天河区燃气管网最低压力 | district=440106 | 2021-12 | 橙 | 橙 |  | 处置中 |" in gas
    rows = write_reports(list(reports.values()), tmp_path, AT)
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in rows] == [
        ("domain-monitoring_health-2021", "domain", "2021", None, "2021/operations/domain/monitoring_health.html"),
        ("domain-warning_gas-2021", "domain", "2021", None, "2021/operations/domain/warning_gas.html")]
    page = (tmp_path / "2021/operations/domain/warning_gas.html").read_text(encoding="utf-8")
    assert page.count("echarts.init(") == 3  # trends, alerts by level, volume by dataset
    assert (tmp_path / "2021/operations/domain/warning_gas.md").exists()


def test_episodes_run_from_raising_to_clearing():
    found = episodes(facts().alerts, {"gas_min.440106"}, MONTHS[:6])
    assert found == [{"indicator_id": "gas_min.440106", "dimension": "district=440106", "raised": "2021-03",
                      "first_level": "黄", "top_level": "红", "cleared": "2021-06"}]
