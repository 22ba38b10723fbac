"""reports/<year>/evaluation.html: the 自评表, its deviation analysis and what each figure is made of.

Each 实际完成指标值 links to its breakdown further down the page (suizhi.evaluation.breakdowns:
tables, and the charts of monthly volume by department, topic coverage and indicators by
domain), which links back to its row; quality by dimension closes the page. Charts are
ECharts, offline; a figure not measured is replaced by a note saying why.
"""
from __future__ import annotations

import html
from pathlib import Path

from suizhi.evaluation.breakdowns import actual_link, breakdown
from suizhi.evaluation.render import narrative
from suizhi.reporting import bar_chart, install_assets, page, table

TEXT = {
    "zh": dict(title="{year}年度项目支出绩效自评", table="绩效自评表", headers=["一级指标", "二级指标", "三级指标",
               "年度指标值", "实际完成指标值", "分值（权重）", "自评得分", "偏差原因分析及改进措施"],
               budget="预算执行率 {rate}（年度预算数 {planned} 万元，实际支出 {spent} 万元），得分 {score}",
               total="总分 {total}（满分 {measured}）", achieved="目标实际完成情况", problems="存在问题",
               fixes="改进措施", charts="明细（点击实际完成指标值查看）", quality="数据质量（按 GB/T 36344 维度）",
               score="得分", read="读取的表版本", not_measured="未测量"),
    "en": dict(title="Performance self-evaluation {year}", table="Self-evaluation table", headers=["Level 1",
               "Level 2", "Indicator", "Annual target", "Actual", "Weight", "Score", "Deviation analysis"],
               budget="Budget execution {rate} (budget {planned}, spent {spent}, 10,000 yuan), score {score}",
               total="Total {total} (out of {measured})", achieved="Achieved", problems="Problems",
               fixes="Remedies", charts="Drill-downs (follow an actual value)",
               quality="Data quality by GB/T 36344 dimension", score="score", read="Table versions read",
               not_measured="not measured"),
}


def budget_line(data: dict, t: dict) -> str:
    b = data["budget"]
    return t["budget"].format(rate=f"{b['rate'] * 100:.2f}%", planned=f"{b['planned']:,.2f}",
                              spent=f"{b['spent']:,.2f}", score=f"{b['score']:.2f}")


def total_line(data: dict, t: dict) -> str:
    return t["total"].format(total=f"{data['total']:.2f}", measured=data["measured_weight"])


def _note(text: str) -> str:
    return f'<p class="note unmeasured">{html.escape(text)}</p>'


def _quality_chart(data: dict, t: dict) -> str:
    quality = data["drilldown"]["quality"]
    if quality["value"] is None:
        return _note(quality["detail"]["reason"])
    return bar_chart("quality", t["quality"], list(quality["value"]), {t["score"]: list(quality["value"].values())})


def render_html(data: dict) -> str:
    """The page for one evaluation.json carrying its drilldown: each actual value links to its breakdown."""
    lang = data.get("lang", "zh")
    t, text = TEXT[lang], narrative(data, lang)
    rows = [[r["level1"], r["level2"], r["name"], r["target_text"], actual_link(r), r["weight"],
             f"{r['score']:.2f}" if r["score"] is not None else t["not_measured"], r["deviation_text"]]
            for r in data["indicators"]]
    body = [f"<h2>{html.escape(t['table'])}</h2>", table(t["headers"], rows),
            f"<p>{html.escape(budget_line(data, t))}</p>",
            f"<p><strong>{html.escape(total_line(data, t))}</strong></p>"]
    for key in ("achieved", "problems", "fixes"):
        body += [f"<h2>{html.escape(t[key])}</h2>", f"<p>{html.escape(text[key])}</p>"]
    body += [f"<h2>{html.escape(t['charts'])}</h2>", *(breakdown(r, data, lang) for r in data["indicators"]),
             f"<h2>{html.escape(t['quality'])}</h2>", _quality_chart(data, t),
             f"<h2>{html.escape(t['read'])}</h2>",
             table(["table", "version"], list(map(list, data.get("read", {}).items())))]
    return page(t["title"].format(year=data["year"]), "\n".join(body), lang="zh-CN" if lang == "zh" else "en")


def write_html(data: dict, out_dir: Path) -> Path:
    install_assets(out_dir)
    path = Path(out_dir) / "evaluation.html"
    path.write_text(render_html(data), encoding="utf-8")
    return path
