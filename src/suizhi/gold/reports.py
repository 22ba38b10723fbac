"""Operation analysis reports, in HTML and Markdown: monthly, quarterly, annual, one per
topic (专题) and one per theme of the report plan (主题, suizhi.gold.theme_reports);
suizhi.gold.report_plan decides which the periods held call for.

A period report covers volume (records landed and kept, by dataset), quality (duplicates,
superseded versions, quarantined records), indicator coverage and trends, and the alerts
of its months. Charts are ECharts options embedded in the page (suizhi.reporting), so a
report opens from disk with no network. Every report is registered in gold.report_register.
"""
from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from suizhi.reporting import bar_chart, install_assets, line_chart, page, table

KIND_NAMES = {"monthly": "月报", "quarterly": "季报", "annual": "年报", "topic": "专题运营分析报告",
              "theme": "主题运营分析报告"}


@dataclass
class Facts:
    """What the reports read, collected once from the lake per gold run (small tables)."""

    indicators: dict            # indicator_id -> Indicator
    values: list[tuple]         # (indicator_id, period, dimension, value)
    alerts: list[tuple]         # gold.alerts rows
    activity: list[tuple]       # (topic_id, topic_name, period, rows)
    ledger: list[dict]          # dataset, period, rows_landed, inserted, duplicates, superseded, quarantined
    topic_sources: dict         # topic_id -> [dataset]
    categories: dict            # topic_id -> [(category, rows, handled)]
    district: list[tuple] = field(default_factory=list)  # gold.district_values: (item_id, period, value)
    held: dict = field(default_factory=dict)     # dataset -> [period] it holds in silver


@dataclass
class Report:
    report_id: str
    kind: str
    period: str
    title: str
    topic_id: str | None = None
    subject: str | None = None          # the file name of a topic or domain report; the period's otherwise
    html: list[str] = field(default_factory=list)
    md: list[str] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.html.append(f"<h2>{html.escape(text)}</h2>")
        self.md.append(f"\n## {text}\n")

    def text(self, text: str) -> None:
        self.html.append(f'<p class="note">{html.escape(text)}</p>')
        self.md.append(f"{text}\n")

    def table(self, headers: list[str], rows: list[list]) -> None:
        self.html.append(table(headers, rows))
        self.md.append(markdown_table(headers, rows))

    def chart(self, kind: str, title: str, categories: list[str], series: dict[str, list], unit: str = "") -> None:
        draw = bar_chart if kind == "bar" else line_chart
        self.html.append(draw(f"chart{len(self.html)}", title, categories, series, unit))
        self.md.append(f"*{title}*\n")
        self.md.append(markdown_table(["", *series], [[c, *(s[i] for s in series.values())]
                                                      for i, c in enumerate(categories)]))


def markdown_table(headers: list[str], rows: list[list]) -> str:
    def cell(v):
        if isinstance(v, float):
            return f"{v:,.2f}"
        return str(v if v is not None else "").replace("|", "\\|")
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join([*lines, *("| " + " | ".join(cell(v) for v in r) + " |" for r in rows)]) + "\n"


def volume_section(report: Report, facts: Facts, months: list[str], datasets: list[str] | None = None) -> None:
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for r in facts.ledger:
        if r["period"] in months and (datasets is None or r["dataset"] in datasets):
            for k in ("rows_landed", "inserted", "duplicates", "superseded", "quarantined"):
                totals[r["dataset"]][k] += r[k] or 0
    report.heading("数据汇聚与质量")
    rows = [[d, t["rows_landed"], t["inserted"], t["duplicates"], t["superseded"], t["quarantined"]]
            for d, t in sorted(totals.items())]
    landed = sum(t["rows_landed"] for t in totals.values())
    bad = sum(t["quarantined"] for t in totals.values())
    report.text(f"汇聚 {landed:,} 条记录，隔离 {bad:,} 条（{bad / landed:.2%}）。" if landed else "本期无数据汇聚。")
    report.chart("bar", "各数据集汇聚量", [r[0] for r in rows], {"汇聚": [r[1] for r in rows],
                                                                "入库": [r[2] for r in rows]}, "条")
    report.table(["数据集", "汇聚", "入库（新增）", "重复", "被新版本替代", "隔离"], rows)


def _topics(report: Report, facts: Facts, months: list[str]) -> None:
    report.heading("专题运行")
    names = {t: n for t, n, _, _ in facts.activity}
    rows_by = defaultdict(int)
    for topic_id, _, period, rows in facts.activity:
        if period in months:
            rows_by[topic_id] += rows
    topics = sorted(names)
    report.chart("bar", "各专题数据量", [names[t] for t in topics], {"记录数": [rows_by[t] for t in topics]}, "条")
    report.table(["专题", "记录数"], [[names[t], rows_by[t]] for t in topics])


def _indicators(report: Report, facts: Facts, months: list[str], sources: list[str] | None = None) -> None:
    report.heading("指标监测")
    chosen = {i: ind for i, ind in facts.indicators.items() if sources is None or ind.source in sources}
    with_values = defaultdict(set)
    citywide = defaultdict(dict)
    for indicator_id, period, dimension, value in facts.values:
        if indicator_id in chosen and period in months:
            with_values[(chosen[indicator_id].kind, chosen[indicator_id].domain)].add(indicator_id)
            if dimension == "" and chosen[indicator_id].kind == "monitoring":
                citywide[indicator_id][period] = value
    declared = defaultdict(int)
    for ind in chosen.values():
        declared[(ind.kind, ind.domain)] += 1
    kinds = {"monitoring": "监测", "warning": "预警"}
    rows = [[kinds[k], d, n, len(with_values[(k, d)])] for (k, d), n in sorted(declared.items())]
    report.table(["类别", "领域", "指标数", "本期有值"], rows)
    if citywide:
        ordered = sorted(citywide)[:8]
        report.chart("line", "全市监测指标走势", months,
                     {chosen[i].name: [citywide[i].get(p) for p in months] for i in ordered})


def _alerts(report: Report, facts: Facts, months: list[str], sources: list[str] | None = None) -> None:
    report.heading("预警与处置")
    events = {"raised": "发布", "escalated": "升级", "cleared": "解除"}
    rows = [[a[1], facts.indicators[a[0]].name, a[2] or "全市", a[3], events[a[4]], a[5], a[6]]
            for a in facts.alerts if a[1] in months
            and (sources is None or facts.indicators[a[0]].source in sources)]
    if not rows:
        report.text("本期未触发预警。")
        return
    per_level = defaultdict(int)
    for r in rows:
        per_level[r[3]] += r[4] == "发布"
    report.chart("bar", "各级预警发布数", ["蓝", "黄", "橙", "红"],
                 {"发布": [per_level[lv] for lv in "蓝黄橙红"]}, "次")
    report.table(["期间", "指标", "范围", "级别", "事件", "值", "阈值"], sorted(rows))


def period_report(facts: Facts, kind: str, period: str, months: list[str]) -> Report:
    report = Report(f"{kind}-{period}", kind, period, f"穗智管城市运行 {period} {KIND_NAMES[kind]}")
    volume_section(report, facts, months)
    _topics(report, facts, months)
    _indicators(report, facts, months)
    _alerts(report, facts, months)
    return report


def topic_report(facts: Facts, topic_id: str, name: str, year: str, months: list[str]) -> Report:
    report = Report(f"topic-{topic_id}-{year}", "topic", year, f"{name}专题 {year} 年运营分析报告", topic_id,
                    subject=topic_id)
    sources = facts.topic_sources[topic_id]
    rows = {p: r for t, _, p, r in facts.activity if t == topic_id}
    report.heading("专题数据量")
    report.chart("line", f"{name}专题每月记录数", months, {"记录数": [rows.get(p, 0) for p in months]}, "条")
    categories = facts.categories.get(topic_id, [])
    report.chart("bar", f"{name}专题分类构成", [c for c, _, _ in categories],
                 {"记录数": [n for _, n, _ in categories]}, "条")
    report.table(["分类", "记录数", "已处置"], [list(c) for c in categories])
    volume_section(report, facts, months, sources)
    _indicators(report, facts, months, sources)
    _alerts(report, facts, months, sources)
    return report


def relative_path(report: Report) -> str:
    """Where the report's HTML sits under the reports root; the Markdown is beside it."""
    name = report.subject or report.period
    return f"{report.period[:4]}/operations/{report.kind}/{name}.html"


def write_reports(reports: list[Report], root: Path, produced_at: datetime) -> list[tuple]:
    """Write each report's HTML and Markdown; returns gold.report_register rows."""
    rows = []
    for report in reports:
        path = Path(root) / relative_path(report)
        path.parent.mkdir(parents=True, exist_ok=True)
        script = "../" + install_assets(path.parent.parent)
        path.write_text(page(report.title, "\n".join(report.html), script=script), encoding="utf-8")
        path.with_suffix(".md").write_text(f"# {report.title}\n" + "\n".join(report.md), encoding="utf-8")
        rows.append((report.report_id, report.kind, report.period, report.topic_id, report.title,
                     relative_path(report), "html,md", produced_at))
    return rows
