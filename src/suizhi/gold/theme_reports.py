"""Theme operation analysis reports (主题运营分析报告): one per theme of the report plan and year.

A theme (conf/reports.yaml) names indicator domains of conf/indicators/ (医疗卫生, 燃气管理, …)
and datasets; its report shows its indicators' trends, its alerts from raising to clearing,
each dataset's monthly volume, and the volume and quality of its datasets.
"""
from __future__ import annotations

from collections import defaultdict

from suizhi.gold.declarations import LEVELS
from suizhi.gold.reports import Report, volume_section

KINDS = {"monitoring": "运行监测", "warning": "预警"}


def theme_datasets(facts, domains: list[str], extra: list[str]) -> list[str]:
    """The datasets a theme covers: those its domains' indicators are computed from, then its own."""
    found = [i.source for i in facts.indicators.values() if i.domain in domains] + list(extra)
    return list(dict.fromkeys(found))


def _trends(report, facts, chosen: list, months: list[str]) -> None:
    by_id = {ind.id: ind for ind in chosen}
    series: dict[str, dict[str, float]] = defaultdict(dict)
    for indicator_id, period, dimension, value in facts.values:
        if indicator_id in by_id and period in months and dimension == by_id[indicator_id].dimension:
            series[indicator_id][period] = value
    kinds = sorted({KINDS[i.kind] for i in chosen})
    sources = sorted({i.source for i in chosen})
    report.heading("指标走势")
    report.text(f"本主题共 {len(chosen)} 个{'、'.join(kinds)}指标，{len(series)} 个本年有值，"
                f"计算自 {len(sources)} 个数据集：{'、'.join(sources)}。")
    # The headline: the city-wide indicators first, then the rest as declared, in one unit.
    ordered = [i for i in chosen if not i.by] + [i for i in chosen if i.by]
    ordered = [i for i in ordered if i.id in series] or ordered
    unit = ordered[0].unit
    shown = [i for i in ordered if i.unit == unit][:8]
    report.chart("line", f"主要指标走势（{unit}）", months,
                 {i.name: [series[i.id].get(p) for p in months] for i in shown}, unit)
    rows = []
    for ind in chosen:
        held = series.get(ind.id, {})
        latest = max(held) if held else None
        rows.append([ind.name, ind.unit, len(held), latest or "", held[latest] if latest else None,
                     min(held.values()) if held else None, max(held.values()) if held else None])
    report.table(["指标", "单位", "有值月数", "最新期间", "最新值", "最小值", "最大值"], rows)


def episodes(alerts: list[tuple], ids: set[str], months: list[str]) -> list[dict]:
    """Each alert of the indicators from raising to clearing (or still open at the end of the months)."""
    out: list[dict] = []
    open_: dict[tuple, dict] = {}
    events = sorted((a for a in alerts if a[0] in ids and a[1] in months), key=lambda a: (a[1], a[0], a[2]))
    for indicator_id, period, dimension, level, event, *_ in events:
        key = (indicator_id, dimension)
        if event == "raised":
            open_[key] = {"indicator_id": indicator_id, "dimension": dimension, "raised": period,
                          "first_level": level, "top_level": level, "cleared": None}
            out.append(open_[key])
        elif key in open_:
            if event == "escalated" and LEVELS.index(level) > LEVELS.index(open_[key]["top_level"]):
                open_[key]["top_level"] = level
            if event == "cleared":
                open_.pop(key)["cleared"] = period
    return out


def _handling(report, facts, chosen: list, months: list[str]) -> None:
    report.heading("预警与处置")
    if not any(i.warning for i in chosen):
        report.text("本主题为运行监测指标，不设预警阈值；出现异常由相关预警主题发布。")
        return
    names = {i.id: i.name for i in chosen}
    found = episodes(facts.alerts, set(names), months)
    if not found:
        report.text("本年未触发预警。")
        return
    cleared = sum(1 for e in found if e["cleared"])
    calm = "/".join(str(n) for n in sorted({i.warning.clear_after for i in chosen if i.warning}))
    report.text(f"发布预警 {len(found)} 次，其中升级 {sum(e['top_level'] != e['first_level'] for e in found)} 次；"
                f"已解除 {cleared} 次，处置中 {len(found) - cleared} 次。"
                f"预警在连续 {calm} 期越过蓝色阈值回差带、回到安全一侧后解除。")
    report.chart("bar", "各级预警发布数", list(LEVELS),
                 {"发布": [sum(e["first_level"] == lv for e in found) for lv in LEVELS],
                  "最高": [sum(e["top_level"] == lv for e in found) for lv in LEVELS]}, "次")
    report.table(["指标", "范围", "发布期间", "发布级别", "最高级别", "解除期间", "状态"],
                 [[names[e["indicator_id"]], e["dimension"] or "全市", e["raised"], e["first_level"], e["top_level"],
                   e["cleared"] or "", "已解除" if e["cleared"] else "处置中"] for e in found])


def _monthly_volume(report, facts, datasets: list[str], months: list[str]) -> None:
    rows: dict[str, dict[str, int]] = defaultdict(dict)
    for r in facts.ledger:
        if r["dataset"] in datasets and r["period"] in months:
            rows[r["dataset"]][r["period"]] = rows[r["dataset"]].get(r["period"], 0) + (r["rows_landed"] or 0)
    report.heading("数据汇聚走势")
    report.chart("line", "各数据集每月汇聚量", months,
                 {d: [rows[d].get(p, 0) for p in months] for d in datasets if d in rows}, "条")


def theme_report(facts, theme, datasets: list[str], year: str, months: list[str]):
    """The theme's report for the year over the months held."""
    chosen = [i for i in facts.indicators.values() if i.domain in theme.domains]
    report = Report(f"theme-{theme.id}-{year}", "theme", year, f"{theme.name}主题 {year} 年运营分析报告",
                    subject=theme.id)
    if chosen:
        _trends(report, facts, chosen, months)
        _handling(report, facts, chosen, months)
    else:
        report.text(f"本主题不设指标，监测所辖 {len(datasets)} 个数据集的汇聚量与质量：{'、'.join(datasets)}。")
    _monthly_volume(report, facts, datasets, months)
    volume_section(report, facts, months, datasets)
    return report
