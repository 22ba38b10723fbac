"""The 项目支出绩效自评表 as an Excel workbook, in the seed's layout (columns A–I, merged cells).

Rows: title, year, unit; 项目名称/主管部门; the 项目资金 block (merged label over its rows);
绩效目标 (goal and achievement); the 绩效指标 grid (一级 and 二级 merged over their rows);
存在问题, 改进措施 and 总分. Every value is taken from evaluation.json's data.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from suizhi.evaluation.render import narrative

HEAD = {
    "zh": dict(title="项目支出绩效自评表", year="（{year}年度）", money="单位：万元", project="项目名称",
               level="项目级次", levels="一级□  二级□", department="主管部门", implementer="实施单位",
               funds="项目资金（万元）", planned_col="年度预算数", planned="年度支出预算数", spent="预算完成数",
               weight="分值", rate="预算完成率", score="得分", all_funds="总额", source="其中：{name}",
               goals="绩效目标情况（概述）", goal="年度预期绩效目标", achieved="目标实际完成情况",
               indicators="绩效指标", level1="一级指标", level2="二级指标", name="三级指标", target="年度指标值",
               actual="实际完成指标值", ind_weight="分值（权重）", ind_score="自评得分",
               deviation="偏差原因分析及改进措施", problems="存在问题", fixes="改进措施", total="总分",
               not_measured="未测量"),
    "en": dict(title="Project expenditure performance self-evaluation", year="(year {year})",
               money="amounts in 10,000 yuan", project="Project", level="Project level", levels="level 1 □  level 2 □",
               department="Supervising department", implementer="Implementing unit",
               funds="Project funds (10,000 yuan)", planned_col="Annual budget", planned="Budgeted spending",
               spent="Spent", weight="Weight", rate="Execution rate", score="Score", all_funds="Total",
               source="of which: {name}", goals="Performance goals (summary)", goal="Annual performance goal",
               achieved="What was achieved", indicators="Performance indicators", level1="Level 1",
               level2="Level 2", name="Indicator", target="Annual target", actual="Actual", ind_weight="Weight",
               ind_score="Score", deviation="Deviation analysis and remedy", problems="Problems",
               fixes="Remedies", total="Total score", not_measured="not measured"),
}
MONEY, PERCENT, POINTS, WEIGHT = "#,##0.00", "0.00%", "0.00", "0"
FUNDS_ROW = 6       # the 项目资金 header row
WIDTHS = {"A": 14, "B": 10, "C": 12, "D": 20, "E": 22, "F": 22, "G": 10, "H": 10, "I": 48}
THIN = Side(style="thin")


def _put(ws, cell: str, value, fmt: str | None = None, merge: str | None = None, bold: bool = False):
    ws[cell] = value
    if fmt:
        ws[cell].number_format = fmt
    if merge:
        ws.merge_cells(f"{cell}:{merge}")
    ws[cell].alignment = Alignment(wrap_text=True, vertical="center")
    if bold:
        ws[cell].font = Font(bold=True)


def _funds(ws, data: dict, h: dict) -> int:
    b, r = data["budget"], FUNDS_ROW
    for col, key in (("B", "planned_col"), ("D", "planned"), ("E", "spent"), ("F", "weight"), ("G", "rate"),
                     ("H", "score")):
        _put(ws, f"{col}{r}", h[key], merge="C6" if col == "B" else "I6" if col == "H" else None, bold=True)
    lines = [(h["all_funds"], b["planned"], b["spent"])] + [
        (h["source"].format(name=s["name"]), s["planned"], s["spent"]) for s in b["sources"]]
    for i, (name, planned, spent) in enumerate(lines, start=r + 1):
        _put(ws, f"B{i}", name, merge=f"C{i}")
        _put(ws, f"D{i}", planned, MONEY)
        _put(ws, f"E{i}", spent, MONEY)
    _put(ws, f"F{r + 1}", b["weight"], WEIGHT)
    _put(ws, f"G{r + 1}", b["rate"], PERCENT)
    _put(ws, f"H{r + 1}", b["score"], POINTS, merge=f"I{r + 1}")
    last = r + len(lines)
    _put(ws, f"A{r}", h["funds"], merge=f"A{last}", bold=True)
    return last + 1


def _merge_runs(ws, col: str, first: int, keys: list, labels: list[str]) -> None:
    """Merge each run of equal keys down the column, as the seed merges 一级 and 二级指标."""
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            _put(ws, f"{col}{first + start}", labels[start], merge=f"{col}{first + i - 1}" if i - 1 > start else None)
            start = i


def _indicators(ws, data: dict, h: dict, r: int) -> int:
    for col, key in zip("BCDEFGHI", ("level1", "level2", "name", "target", "actual", "ind_weight", "ind_score",
                                     "deviation")):
        _put(ws, f"{col}{r}", h[key], bold=True)
    rows = data["indicators"]
    first = r + 1
    _merge_runs(ws, "B", first, [x["level1"] for x in rows], [x["level1"] for x in rows])
    _merge_runs(ws, "C", first, [(x["level1"], x["level2"]) for x in rows], [x["level2"] for x in rows])
    for i, x in enumerate(rows, start=first):
        _put(ws, f"D{i}", x["name"])
        _put(ws, f"E{i}", x["target_text"])
        _put(ws, f"F{i}", x["actual_text"])
        _put(ws, f"G{i}", x["weight"], WEIGHT)
        _put(ws, f"H{i}", x["score"] if x["score"] is not None else h["not_measured"], POINTS)
        _put(ws, f"I{i}", x["deviation_text"])
    last = first + len(rows) - 1
    _put(ws, f"A{r}", h["indicators"], merge=f"A{last}", bold=True)
    return last + 1


def build_workbook(data: dict) -> Workbook:
    """The workbook of one evaluation.json; labels in data['lang']."""
    h = HEAD[data.get("lang", "zh")]
    text = narrative(data, data.get("lang", "zh"))
    wb = Workbook()
    ws = wb.active
    ws.title = str(data["year"])
    _put(ws, "A1", h["title"], merge="I1", bold=True)
    _put(ws, "A2", h["year"].format(year=data["year"]), merge="I2")
    _put(ws, "A3", h["money"], merge="I3")
    p = data["project"]
    _put(ws, "A4", h["project"], bold=True)
    _put(ws, "B4", p["name"], merge="E4")
    _put(ws, "F4", h["level"], bold=True)
    _put(ws, "G4", h["levels"], merge="I4")
    _put(ws, "A5", h["department"], bold=True)
    _put(ws, "B5", p["department"], merge="D5")
    _put(ws, "E5", h["implementer"], bold=True)
    _put(ws, "F5", p["implementer"], merge="I5")
    r = _funds(ws, data, h)
    _put(ws, f"A{r}", h["goals"], merge=f"A{r + 1}", bold=True)
    _put(ws, f"B{r}", h["goal"], merge=f"E{r}", bold=True)
    _put(ws, f"F{r}", h["achieved"], merge=f"I{r}", bold=True)
    _put(ws, f"B{r + 1}", p["annual_goal"], merge=f"E{r + 1}")
    _put(ws, f"F{r + 1}", text["achieved"], merge=f"I{r + 1}")
    r = _indicators(ws, data, h, r + 2)
    for key in ("problems", "fixes"):
        _put(ws, f"A{r}", h[key], bold=True)
        _put(ws, f"B{r}", text[key], merge=f"I{r}")
        r += 1
    _put(ws, f"A{r}", h["total"], bold=True)
    _put(ws, f"B{r}", data["total"], POINTS, merge=f"I{r}")
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4, max_row=r, max_col=9):
        for cell in row:
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    return wb


def write_workbook(data: dict, path: Path) -> Path:
    build_workbook(data).save(path)
    return Path(path)
