"""reports/<year>/evaluation.html: the 自评表, its deviation analysis and four charts (ECharts, offline).

Charts: monthly volume by department, topic coverage, indicators by domain, quality by
dimension. A chart whose figures are not measured is replaced by a note saying why.
"""
from __future__ import annotations

import html
from pathlib import Path

from suizhi.evaluation.render import narrative
from suizhi.reporting import bar_chart, install_assets, page, table

TEXT = {
    "zh": dict(title="{year}年度项目支出绩效自评", table="绩效自评表", headers=["一级指标", "二级指标", "三级指标",
               "年度指标值", "实际完成指标值", "分值（权重）", "自评得分", "偏差原因分析及改进措施"],
               budget="预算执行率 {rate}（年度预算数 {planned} 万元，实际支出 {spent} 万元），得分 {score}",
               total="总分 {total}（满分 {measured}）", achieved="目标实际完成情况", problems="存在问题",
               fixes="改进措施", charts="明细", volume="各部门月度汇聚数据量", rows="条",
               topics="专题覆盖（专题数据行数）", domains="各领域指标数量", monitoring="运行监测指标",
               warning="预警指标", quality="数据质量（按 GB/T 36344 维度）", score="得分",
               ledger_topics="专题覆盖（按台账，gold 未运行）", read="读取的表版本", not_measured="未测量",
               by_department="各部门汇聚数据量", department_headers=["部门", "汇聚条数", "去重后条数"],
               events="重大活动保障明细", event_headers=["时间", "级别", "活动"], reports="运营分析报告（按类型）",
               report_headers=["类型", "份数"], kinds={"theme": "主题运营分析报告", "topic": "专题运营分析报告",
                                                     "annual": "年报", "quarterly": "季报", "monthly": "月报"}),
    "en": dict(title="Performance self-evaluation {year}", table="Self-evaluation table", headers=["Level 1",
               "Level 2", "Indicator", "Annual target", "Actual", "Weight", "Score", "Deviation analysis"],
               budget="Budget execution {rate} (budget {planned}, spent {spent}, 10,000 yuan), score {score}",
               total="Total {total} (out of {measured})", achieved="Achieved", problems="Problems",
               fixes="Remedies", charts="Drill-downs", volume="Monthly records aggregated by department",
               rows="records", topics="Topic coverage (topic rows)", domains="Indicators by domain",
               monitoring="monitoring", warning="warning", quality="Data quality by GB/T 36344 dimension",
               score="score", ledger_topics="Topic coverage (from the ledger; gold not run)",
               read="Table versions read", not_measured="not measured", by_department="Records by department",
               department_headers=["Department", "Aggregated", "Unique"], events="Major-event support sessions",
               event_headers=["When", "Level", "Event"], reports="Analysis reports by kind",
               report_headers=["Kind", "Reports"], kinds={"theme": "theme", "topic": "topic",
                                                          "annual": "annual", "quarterly": "quarterly",
                                                          "monthly": "monthly"}),
}


def budget_line(data: dict, t: dict) -> str:
    b = data["budget"]
    return t["budget"].format(rate=f"{b['rate'] * 100:.2f}%", planned=f"{b['planned']:,.2f}",
                              spent=f"{b['spent']:,.2f}", score=f"{b['score']:.2f}")


def total_line(data: dict, t: dict) -> str:
    return t["total"].format(total=f"{data['total']:.2f}", measured=data["measured_weight"])


def _note(text: str) -> str:
    return f'<p class="note unmeasured">{html.escape(text)}</p>'


def _volume_chart(data: dict, t: dict) -> str:
    rows = data["drilldown"]["volumes"]["by_department_month"]
    names = data["drilldown"]["volumes"].get("departments", {})
    months = sorted({r["period"] for r in rows})
    series: dict[str, list] = {}
    for r in rows:
        name = names.get(r["department"], r["department"])
        series.setdefault(name, [0] * len(months))[months.index(r["period"])] = r["rows_landed"]
    return bar_chart("volume", t["volume"], months, series, t["rows"], stacked=True)


def _topic_chart(data: dict, t: dict, by_tally: dict) -> str:
    topics = by_tally.get("topics_processed", {})
    if topics.get("actual") is not None:
        counted = topics["detail"]["rows"]
        return bar_chart("topics", t["topics"], list(counted), {t["rows"]: list(counted.values())}, t["rows"])
    by_topic = data["drilldown"]["volumes"]["by_topic"]
    return (_note(topics.get("detail", {}).get("reason", t["not_measured"]))
            + bar_chart("topics", t["ledger_topics"], [r["name"] for r in by_topic],
                        {t["rows"]: [r["inserted"] for r in by_topic]}, t["rows"]))


def _domain_chart(t: dict, by_tally: dict) -> str:
    counted = {k: by_tally[k] for k in ("monitoring_indicators", "warning_indicators") if k in by_tally}
    if not counted or any(r["actual"] is None for r in counted.values()):
        return _note(next(iter(counted.values()))["detail"].get("reason", t["not_measured"]) if counted
                     else t["not_measured"])
    domains = sorted({d for r in counted.values() for d in r["detail"]["by_domain"]})
    series = {t["monitoring" if k.startswith("monitoring") else "warning"]:
              [r["detail"]["by_domain"].get(d, 0) for d in domains] for k, r in counted.items()}
    return bar_chart("domains", t["domains"], domains, series)


def _quality_chart(data: dict, t: dict) -> str:
    quality = data["drilldown"]["quality"]
    if quality["value"] is None:
        return _note(quality["detail"]["reason"])
    return bar_chart("quality", t["quality"], list(quality["value"]), {t["score"]: list(quality["value"].values())})


def _drilldown_tables(data: dict, t: dict, by_tally: dict) -> list[str]:
    """What the counts are made of: volume by department, the support sessions, the reports by kind."""
    volumes = data["drilldown"]["volumes"]
    names = volumes.get("departments", {})
    out = [f"<h3>{html.escape(t['by_department'])}</h3>",
           table(t["department_headers"], [[names.get(r["department"], r["department"]), r["rows_landed"],
                                            r["inserted"]] for r in volumes["by_department"]])]
    events = by_tally.get("major_event_support", {}).get("detail", {}).get("events")
    if events:
        out += [f"<h3>{html.escape(t['events'])}</h3>",
                table(t["event_headers"], [[e["started_at"], e["level"], e["title"]] for e in events])]
    kinds = by_tally.get("analysis_reports", {}).get("detail", {}).get("by_kind")
    if kinds:
        out += [f"<h3>{html.escape(t['reports'])}</h3>",
                table(t["report_headers"], [[t["kinds"].get(k, k), n] for k, n in kinds.items()])]
    return out


def render_html(data: dict) -> str:
    """The page for one evaluation.json carrying its drilldown."""
    lang = data.get("lang", "zh")
    t, text = TEXT[lang], narrative(data, lang)
    by_tally = {r["tally"]: r for r in data["indicators"]}
    rows = [[r["level1"], r["level2"], r["name"], r["target_text"], r["actual_text"], r["weight"],
             f"{r['score']:.2f}" if r["score"] is not None else t["not_measured"], r["deviation_text"]]
            for r in data["indicators"]]
    body = [f"<h2>{html.escape(t['table'])}</h2>", table(t["headers"], rows),
            f"<p>{html.escape(budget_line(data, t))}</p>",
            f"<p><strong>{html.escape(total_line(data, t))}</strong></p>"]
    for key in ("achieved", "problems", "fixes"):
        body += [f"<h2>{html.escape(t[key])}</h2>", f"<p>{html.escape(text[key])}</p>"]
    body += [f"<h2>{html.escape(t['charts'])}</h2>", _volume_chart(data, t), _topic_chart(data, t, by_tally),
             _domain_chart(t, by_tally), _quality_chart(data, t), *_drilldown_tables(data, t, by_tally),
             f"<h2>{html.escape(t['read'])}</h2>",
             table(["table", "version"], list(map(list, data.get("read", {}).items())))]
    return page(t["title"].format(year=data["year"]), "\n".join(body), lang="zh-CN" if lang == "zh" else "en")


def write_html(data: dict, out_dir: Path) -> Path:
    install_assets(out_dir)
    path = Path(out_dir) / "evaluation.html"
    path.write_text(render_html(data), encoding="utf-8")
    return path
