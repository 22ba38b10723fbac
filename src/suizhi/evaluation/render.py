"""Render a scored Evaluation as the 项目支出绩效自评表 in plain text for a terminal.

The text table pads by display width, so Chinese cells line up. The labels here (zh, en)
are shared by the JSON, Excel, HTML and Markdown renderings.
"""
from __future__ import annotations

import re
import unicodedata

from suizhi.evaluation.scoring import (
    Evaluation,
    IndicatorScore,
    cn_count,
    describe_deviation,
    grouped,
    measured_phrase,
    plain,
    target_phrase,
)

LABELS = {
    "zh": dict(
        title="项目支出绩效自评表", year="（{year}年度）", money="单位：万元", project="项目名称",
        department="主管部门", implementer="实施单位", funds="项目资金（万元）", all_funds="总额",
        source="其中：{name}", planned="年度预算数", spent="实际支出", weight="分值",
        rate="预算执行率", score="得分", goal="年度预期绩效目标", level1="一级指标",
        level2="二级指标", name="三级指标", target="年度指标值", actual="实际完成指标值",
        ind_weight="分值（权重）", ind_score="自评得分", deviation="偏差原因分析及改进措施",
        not_measured="未测量", proposal="建议下年目标{target}",
        total="总分：{total}（已测量部分满分 {measured}，共 {full}）",
        missing="未测量指标（不计分，满分中不含）：{names}",
    ),
    "en": dict(
        title="Project expenditure performance self-evaluation", year="(year {year})",
        money="amounts in 10,000 yuan", project="Project", department="Supervising department",
        implementer="Implementing unit", funds="Project funds (10,000 yuan)", all_funds="Total",
        source="of which: {name}", planned="Annual budget", spent="Actual spending", weight="Weight",
        rate="Execution rate", score="Score", goal="Annual performance goal", level1="Level 1",
        level2="Level 2", name="Indicator", target="Annual target", actual="Actual",
        ind_weight="Weight", ind_score="Score", deviation="Deviation analysis and remedy",
        not_measured="not measured", proposal="propose next year: {target}",
        total="Total: {total} (out of {measured} measured points of {full})",
        missing="Not measured (no score, excluded from the measured points): {names}",
    ),
}
COLUMN_LIMITS = [8, 10, 20, 26, 26, 12, 12, 40]
_TOKEN = re.compile(r"[\x21-\x7e]+ ?| |.", re.S)


def display_width(text: str) -> int:
    """Terminal columns text takes: wide and full-width (CJK) characters count two."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _pad(text: str, width: int, align: str) -> str:
    gap = " " * (width - display_width(text))
    return gap + text if align == ">" else text + gap


def _wrap(text: str, limit: int) -> list[str]:
    """Break text into lines of at most limit columns, keeping ASCII words whole where they fit."""
    lines, cur = [], ""
    for paragraph in text.split("\n"):
        for token in _TOKEN.findall(paragraph):
            pieces = [token] if display_width(token) <= limit else list(token)
            for piece in pieces:
                if cur and display_width(cur + piece.rstrip()) > limit:
                    lines.append(cur.rstrip())
                    cur = piece.lstrip()
                else:
                    cur += piece
        lines.append(cur.rstrip())
        cur = ""
    return lines


def _grid(rows: list[list[str]], limits: list[int], align: str = "", header: bool = True) -> list[str]:
    """A bordered grid; cells wrap at their column's limit, align holds '<' or '>' per column."""
    align = align.ljust(len(limits), "<")
    cells = [[_wrap(c, lim) for c, lim in zip(row, limits)] for row in rows]
    widths = [max(display_width(line) for row in cells for line in row[i]) for i in range(len(limits))]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [rule]
    for n, row in enumerate(cells):
        for k in range(max(len(c) for c in row)):
            parts = [_pad(c[k] if k < len(c) else "", w, a) for c, w, a in zip(row, widths, align)]
            out.append("| " + " | ".join(parts) + " |")
        if header and n == 0:
            out.append(rule)
    out.append(rule)
    return out


def _deviation_cell(row: IndicatorScore, lang: str) -> str:
    text = describe_deviation(row, lang)
    if row.deviation_kind == "not_measured" and row.detail.get("reason"):
        text += f"（{row.detail['reason']}）" if lang == "zh" else f" ({row.detail['reason']})"
    if row.proposed_target is not None:
        proposal = target_phrase(row.operator, row.proposed_target, row.unit, lang=lang)
        text += ("；" if lang == "zh" else "; ") + LABELS[lang]["proposal"].format(target=proposal)
    return text


def _indicator_rows(ev: Evaluation, lang: str) -> list[list[str]]:
    t = LABELS[lang]
    rows = [[t["level1"], t["level2"], t["name"], t["target"], t["actual"], t["ind_weight"],
             t["ind_score"], t["deviation"]]]
    last = ("", "")
    for r in ev.indicators:
        measured = r.actual is not None
        rows.append([
            r.level1 if r.level1 != last[0] else "",
            r.level2 if (r.level1, r.level2) != last else "",
            r.name,
            target_phrase(r.operator, r.target, r.unit, lang),
            measured_phrase(r.actual, r.unit, r.detail, lang) if measured else t["not_measured"],
            plain(r.weight),
            f"{r.score:.2f}" if r.score is not None else t["not_measured"],
            _deviation_cell(r, lang),
        ])
        last = (r.level1, r.level2)
    return rows


def grouped_money(v: float) -> str:
    """An amount in 万元 with two decimals: 1,952.61."""
    return f"{v:,.2f}"


def render_table(evaluation: Evaluation, lang: str = "zh") -> str:
    """The 自评表 as plain text: header, budget block, goal, indicator grid and 总分."""
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {sorted(LABELS)}, got {lang!r}")
    t, ev, b = LABELS[lang], evaluation, evaluation.budget
    out = [t["title"], t["year"].format(year=ev.year), t["money"], ""]
    out += _grid([[t["project"], ev.project.name], [t["department"], ev.project.department],
                  [t["implementer"], ev.project.implementer]], [20, 70], header=False)
    funds = [[t["funds"], t["planned"], t["spent"], t["weight"], t["rate"], t["score"]],
             [t["all_funds"], grouped_money(b.planned), grouped_money(b.spent), plain(b.weight),
              f"{b.rate * 100:.2f}%", f"{b.score:.2f}"]]
    funds += [[t["source"].format(name=name), grouped_money(p), grouped_money(s), "", "", ""]
              for name, p, s in b.sources]
    out += _grid(funds, [32, 12, 12, 6, 12, 8], align="<>>>>>")
    out += _grid([[t["goal"]], [ev.annual_goal]], [88])
    out += _grid(_indicator_rows(ev, lang), COLUMN_LIMITS, align="<<<<<>><")
    full = b.weight + sum(r.weight for r in ev.indicators)
    out.append(t["total"].format(total=f"{ev.total:.2f}", measured=plain(ev.measured_weight), full=plain(full)))
    if ev.not_measured:
        names = [f"{r.name}（{plain(r.weight)}）" if lang == "zh" else f"{r.name} ({plain(r.weight)})"
                 for r in ev.indicators if r.tally in ev.not_measured]
        out.append(t["missing"].format(names=("、" if lang == "zh" else ", ").join(names)))
    return "\n".join(out) + "\n"


NARRATIVE = {
    "zh": dict(sep="；", achieved="{name}{actual}",
               summary="截止{year}年12月31日，对接{departments}个市直部门共{systems}个业务系统，接入物联网感知设备终端"
                       "{devices}个，累计归集城市运行数据{records}条，形成城市体征数据项{items}个。",
               deviated="{name}{target}，实际完成{actual}",
               problems_low="个别指标设置存在偏离：{items}。", problems_short="未达标指标：{items}。",
               none="无", fix_low="合理设置绩效指标值，建议下年：{items}。", proposal="{name}{target}",
               fix_short="针对未达标指标补齐缺口：{items}。", unmeasured="未测量：{items}。"),
    "en": dict(sep="; ", achieved="{name}: {actual}",
               summary="By 31 December {year}: {systems} business systems of {departments} municipal departments "
                       "connected, {devices} IoT devices, {records} city records aggregated to date and {items} "
                       "vital-sign data items. ",
               deviated="{name}: target {target}, achieved {actual}",
               problems_low="Targets set too low: {items}.", problems_short="Targets missed: {items}.",
               none="none", fix_low="Set next year's targets from this year's data: {items}.",
               proposal="{name} {target}", fix_short="Close the gaps of: {items}.",
               unmeasured="Not measured: {items}."),
}


def narrative(data: dict, lang: str = "zh") -> dict[str, str]:
    """目标实际完成情况, 存在问题 and 改进措施 written from evaluation.json's rows (not by hand)."""
    n = NARRATIVE[lang]
    rows = data["indicators"]
    achieved = n["sep"].join(n["achieved"].format(name=r["name"], actual=r["actual_text"]) for r in rows)
    if data.get("summary"):
        s, count = data["summary"], (cn_count if lang == "zh" else grouped)
        achieved = n["summary"].format(
            year=data["year"], departments=s["departments"], systems=s["systems"], devices=count(s["devices"]),
            records=count(s["records_to_date"]), items=grouped(s["vital_sign_items"] or 0)) + achieved
    low = [r for r in rows if r["deviation_kind"] == "target_low"]
    short = [r for r in rows if r["deviation_kind"] == "shortfall"]
    missing = [r for r in rows if r["deviation_kind"] == "not_measured"]
    problems, fixes = [], []
    if low:
        problems.append(n["problems_low"].format(items=n["sep"].join(
            n["deviated"].format(name=r["name"], target=r["target_text"], actual=r["actual_text"]) for r in low)))
        fixes.append(n["fix_low"].format(items=n["sep"].join(n["proposal"].format(
            name=r["name"], target=target_phrase(r["operator"], r["proposed_target"], r["unit"], lang=lang))
            for r in low)))
    if short:
        problems.append(n["problems_short"].format(items=n["sep"].join(
            f"{r['name']}（{r['deviation_text']}）" if lang == "zh" else f"{r['name']} ({r['deviation_text']})"
            for r in short)))
        fixes.append(n["fix_short"].format(items=n["sep"].join(r["name"] for r in short)))
    if missing:
        problems.append(n["unmeasured"].format(items=n["sep"].join(r["name"] for r in missing)))
    return {"achieved": achieved, "problems": "".join(problems) or n["none"], "fixes": "".join(fixes) or n["none"]}
