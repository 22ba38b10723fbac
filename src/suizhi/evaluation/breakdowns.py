"""What each 实际完成指标值 of evaluation.html is made of: one section per row of the 自评表.

The row's value links to its section (#drill-<tally>) and the section links back to the row
(#row-<tally>). A section shows the items counted with the figures of evaluation.json: the
volume by department, system and month; the indicators by domain, with their ids and names;
the reports by kind, each linking its own page; the support sessions by level with each
event; the topics with their rows and report; the venue's inspections and outages; the
standards with the files implementing them. A row not measured says why.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import quote

from suizhi.evaluation.scoring import grouped, plain, quantity
from suizhi.reporting import Markup, bar_chart, link, table

COUNT_KEYS = ["rows_read", "rows_landed", "inserted", "duplicates", "superseded", "quarantined"]
LABELS = {
    "zh": dict(
        lang="zh", back="↑ 返回自评表", counts="口径：{text}",
        counts_headers=["源端读取", "汇聚条数", "去重后条数", "完全重复", "旧版本", "隔离"],
        department="部门", system="系统", dataset="数据集", month="月份", by_department="按部门",
        by_system="按系统", by_month="按月份", volume_chart="各部门月度汇聚数据量", rows="条",
        landed="实际汇聚 {landed} 条（{departments} 个部门、{systems} 个系统），去重后 {unique} 条。",
        sampled="数据源为模拟数据，按申报量的 {at} 生成（比例 {fraction}）：{landed} 条 ÷ {fraction} ≈ {value}。",
        domain="领域", indicators="指标数", indicator_id="指标编号", indicator_name="指标名称",
        domain_chart="各领域指标数量", kind="类型", reports="份数", period="期间", report="报告", report_id="编号",
        kinds={"theme": "主题运营分析报告", "topic": "专题运营分析报告", "annual": "年报", "quarterly": "季报",
               "monthly": "月报"},
        level="级别", sessions="次数", when="时间", event="活动", record_id="记录编号",
        uptime="自 {start} 起运行 {minutes} 分钟，影响场地的故障 {down} 分钟："
               "({minutes} − {down}) ÷ {minutes} = {value}%。",
        inspection="巡检", inspections="次数", minutes="时长（分钟）", outage="事由", no_outage="无影响场地的故障。",
        topic="专题", topic_rows="专题数据行数", topic_report="专题报告", topic_chart="专题覆盖（专题数据行数）",
        ledger_topics="专题覆盖（按台账，gold 未运行）", not_counted="未计入：{items}。",
        standard="标准规范", issued="发布年份", implemented_by="实施文件", present="仓库中存在", yes="是", no="否",
        none="—", implemented="{n} 份在本仓库中有实施文件。", named="{name}（{n}）", heading="{name}：{value}",
        sep="、"),
    "en": dict(
        lang="en", back="↑ Back to the table", counts="Counted as: {text}", counts_headers=[
            "Read at source", "Aggregated", "Unique", "Duplicates", "Superseded", "Quarantined"],
        department="Department", system="System", dataset="Dataset", month="Month", by_department="By department",
        by_system="By system", by_month="By month", volume_chart="Monthly records aggregated by department",
        rows="records",
        landed="{landed} records aggregated ({departments} departments, {systems} systems), {unique} unique.",
        sampled="The sources are a simulation at {at} of the declared volume (fraction {fraction}): "
                "{landed} ÷ {fraction} ≈ {value}.",
        domain="Domain", indicators="Indicators", indicator_id="Indicator id", indicator_name="Name",
        domain_chart="Indicators by domain", kind="Kind", reports="Reports", period="Period", report="Report",
        report_id="Id", kinds={"theme": "theme", "topic": "topic", "annual": "annual", "quarterly": "quarterly",
                               "monthly": "monthly"},
        level="Level", sessions="Sessions", when="When", event="Event", record_id="Record",
        uptime="Operating {minutes} minutes from {start}, {down} of them lost to outages affecting the venue: "
               "({minutes} − {down}) ÷ {minutes} = {value}%.",
        inspection="Inspection", inspections="Count", minutes="Minutes", outage="Cause",
        no_outage="No outage affected the venue.", topic="Topic", topic_rows="Topic rows", topic_report="Report",
        topic_chart="Topic coverage (topic rows)", ledger_topics="Topic coverage (from the ledger; gold not run)",
        not_counted="Not counted: {items}.", standard="Standard", issued="Issued", implemented_by="Implemented by",
        present="In the repo", yes="yes", no="no", none="—", implemented="{n} are implemented in this repo.",
        named="{name} ({n})", heading="{name}: {value}", sep="; "),
}


def row_anchor(tally: str) -> str:
    """The id of a row's 实际完成指标值 link, which its breakdown links back to."""
    return f"row-{tally}"


def drill_anchor(tally: str, part: int | None = None) -> str:
    """The id of a row's breakdown, or of one part of it (a domain, a kind of report)."""
    return f"drill-{tally}" if part is None else f"drill-{tally}-{part}"


def actual_link(row: dict) -> Markup:
    """The 实际完成指标值 cell: the value as a link to its breakdown."""
    return link(f"#{drill_anchor(row['tally'])}", row["actual_text"], anchor_id=row_anchor(row["tally"]))


def report_href(path: str) -> str:
    """A report's page as evaluation.html links it: gold.report_register's path is relative to the
    reports root, one level above reports/<year>/."""
    return "../" + quote(path)


def _p(text: str, cls: str = "") -> str:
    return f'<p class="{cls}">{html.escape(text)}</p>' if cls else f"<p>{html.escape(text)}</p>"


def _h4(text: str) -> str:
    return f"<h4>{html.escape(text)}</h4>"


def _counts(r: dict) -> list:
    return [r.get(k) for k in COUNT_KEYS]


def _volume(row: dict, data: dict, t: dict) -> list[str]:
    d, volumes = row["detail"], data["drilldown"]["volumes"]
    names = volumes.get("departments", {})
    out = [_p(t["landed"].format(landed=grouped(d["aggregated_records"]), unique=grouped(d["unique_records"]),
                                 departments=d["departments"], systems=d["systems"]))]
    sampling = d.get("sampling") or {}
    if sampling.get("simulated_at"):
        fraction = f"{sampling['fraction']:.12f}".rstrip("0")
        out.append(_p(t["sampled"].format(at=sampling["simulated_at"], fraction=fraction,
                                          landed=grouped(sampling["rows_landed"]),
                                          value=quantity(row["actual"], row["unit"], t["lang"]))))
    months = sorted({r["period"] for r in volumes["by_department_month"]})
    series: dict[str, list] = {}
    for r in volumes["by_department_month"]:
        series.setdefault(names.get(r["department"], r["department"]), [0] * len(months))[
            months.index(r["period"])] = r["rows_landed"]
    out += [_h4(t["by_department"]),
            table([t["department"], *t["counts_headers"]],
                  [[names.get(r["department"], r["department"]), *_counts(r)] for r in volumes["by_department"]]),
            bar_chart("volume", t["volume_chart"], months, series, t["rows"], stacked=True),
            _h4(t["by_system"]),
            table([t["department"], t["system"], t["dataset"], *t["counts_headers"]],
                  [[names.get(r["department"], r["department"]), r["system"], r["dataset"], *_counts(r)]
                   for r in sorted(volumes["by_system"], key=lambda r: (r["department"], r["system"]))]),
            _h4(t["by_month"]),
            table([t["month"], *t["counts_headers"]], [[r["period"], *_counts(r)] for r in volumes["by_month"]])]
    return out


def _indicators(row: dict, data: dict, t: dict) -> list[str]:
    d, tally = row["detail"], row["tally"]
    domains = list(d["by_domain"])
    names = d.get("names", {})
    out = [table([t["domain"], t["indicators"]],
                 [[link(f"#{drill_anchor(tally, i)}", domain), d["by_domain"][domain]]
                  for i, domain in enumerate(domains)]),
           bar_chart(f"domains-{tally}", t["domain_chart"], domains,
                     {row["name"]: [d["by_domain"][x] for x in domains]})]
    for i, domain in enumerate(domains):
        ids = d["indicators"][domain]
        summary = html.escape(t["named"].format(name=domain, n=len(ids)))
        out.append(f'<details id="{drill_anchor(tally, i)}"><summary>{summary}</summary>\n'
                   + table([t["indicator_id"], t["indicator_name"]], [[x, names.get(x, "")] for x in ids])
                   + "\n</details>")
    return out


def _reports(row: dict, data: dict, t: dict) -> list[str]:
    d, tally = row["detail"], row["tally"]
    kinds = list(d["by_kind"])
    out = [table([t["kind"], t["reports"]], [[link(f"#{drill_anchor(tally, i)}", t["kinds"].get(k, k)),
                                              d["by_kind"][k]] for i, k in enumerate(kinds)])]
    for i, kind in enumerate(kinds):
        mine = [r for r in d["reports"] if r["kind"] == kind]
        out.append(f'<div id="{drill_anchor(tally, i)}">'
                   + _h4(t["named"].format(name=t["kinds"].get(kind, kind), n=len(mine)))
                   + table([t["period"], t["report"], t["report_id"]],
                           [[r["period"], link(report_href(r["path"]), r["title"]) if r.get("path") else r["title"],
                             r["report_id"]] for r in mine]) + "</div>")
    return out


def _support(row: dict, data: dict, t: dict) -> list[str]:
    d = row["detail"]
    return [table([t["level"], t["sessions"]], [[level, n] for level, n in d["by_level"].items()]),
            table([t["when"], t["level"], t["event"], t["record_id"]],
                  [[e["started_at"], e["level"], e["title"], e["record_id"]] for e in d["events"]])]


def _uptime(row: dict, data: dict, t: dict) -> list[str]:
    d = row["detail"]
    out = [_p(t["uptime"].format(start=d["operating_from"], minutes=grouped(d["operating_minutes"]),
                                 down=grouped(d["outage_minutes"]), value=plain(row["actual"]))),
           table([t["inspection"], t["inspections"]], [[k, n] for k, n in d["inspections"].items()])]
    if not d["outages"]:
        return out + [_p(t["no_outage"])]
    return out + [table([t["when"], t["minutes"], t["outage"], t["record_id"]],
                        [[o["started_at"], o["duration_minutes"], o["title"], o["record_id"]] for o in d["outages"]])]


def _topics(row: dict, data: dict, t: dict) -> list[str]:
    d = row["detail"]
    reports = d.get("reports", {})

    def report(name: str):
        r = reports.get(name)
        return link(report_href(r["path"]), r["title"]) if r and r.get("path") else (r or {}).get("title", "")
    out = [table([t["topic"], t["topic_rows"], t["topic_report"]],
                 [[name, d["rows"][name], report(name)] for name in d["topics"]]),
           bar_chart("topics", t["topic_chart"], d["topics"], {t["rows"]: [d["rows"][n] for n in d["topics"]]},
                     t["rows"])]
    if d.get("causes"):
        out.append(_p(t["not_counted"].format(items=t["sep"].join(d["causes"]))))
    return out


def _standards(row: dict, data: dict, t: dict) -> list[str]:
    d = row["detail"]
    missing = set(d.get("implementation_missing", []))

    def present(s: dict) -> str:
        return t["none"] if not s["implemented_by"] else t["no"] if s["implemented_by"] in missing else t["yes"]
    return [table([t["standard"], t["issued"], t["implemented_by"], t["present"]],
                  [[s["name"], str(s["issued"]), s["implemented_by"] or t["none"], present(s)]
                   for s in d["standards"]]),
            _p(t["implemented"].format(n=d["implemented_in_repo"]))]


def _unmeasured_topics(row: dict, data: dict, t: dict) -> list[str]:
    """Before gold has run, the topics' volume as the ledger counts it, so the page still shows them."""
    by_topic = data["drilldown"]["volumes"]["by_topic"]
    return [bar_chart("topics", t["ledger_topics"], [r["name"] for r in by_topic],
                      {t["rows"]: [r["inserted"] for r in by_topic]}, t["rows"])]


BREAKDOWNS: dict[str, Callable[[dict, dict, dict], list[str]]] = {
    "records_aggregated": _volume, "monitoring_indicators": _indicators, "warning_indicators": _indicators,
    "analysis_reports": _reports, "major_event_support": _support, "venue_uptime": _uptime,
    "topics_processed": _topics, "standards": _standards,
}
UNMEASURED: dict[str, Callable[[dict, dict, dict], list[str]]] = {"topics_processed": _unmeasured_topics}


def breakdown(row: dict, data: dict, lang: str = "zh") -> str:
    """The section of one row: its definition, what it counted (or why it is not measured) and a link back."""
    t, tally, d = LABELS[lang], row["tally"], row["detail"]
    parts = [f"<h3>{html.escape(t['heading'].format(name=row['name'], value=row['actual_text']))}</h3>"]
    if row["actual"] is None:
        parts.append(_p(d.get("reason", t["none"]), "note unmeasured"))
        parts += UNMEASURED.get(tally, lambda *_: [])(row, data, t)
    else:
        if d.get("counts"):
            parts.append(_p(t["counts"].format(text=d["counts"]), "note"))
        parts += BREAKDOWNS.get(tally, lambda *_: [])(row, data, t)
    parts.append(f'<p class="back"><a href="#{row_anchor(tally)}">{html.escape(t["back"])}</a></p>')
    return f'<section id="{drill_anchor(tally)}" class="drill">\n' + "\n".join(parts) + "\n</section>"
