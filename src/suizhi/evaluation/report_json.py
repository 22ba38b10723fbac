"""The evaluation as data: evaluation.json (fields in evaluation.schema.json) and evaluation.csv.

The CSV carries a BOM so Excel opens the Chinese correctly.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from suizhi.evaluation.render import LABELS, _deviation_cell
from suizhi.evaluation.scoring import Evaluation, measured_phrase, target_phrase

SCHEMA = Path(__file__).with_name("evaluation.schema.json")


def _num(v: float | None) -> float | int | None:
    """Whole numbers as int (30, not 30.0) so the JSON reads like the table."""
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v


def to_json(evaluation: Evaluation, lang: str = "zh", tallied: dict | None = None) -> dict:
    """The evaluation as plain data with stable keys; evaluation.schema.json documents each field.

    The *_text fields are the cells of the 自评表 as the workbook shows them. With the tally,
    `read` holds the Delta version of every table read and `drilldown` the figures behind
    each count (volumes by department, system and month; quality by dimension).
    """
    ev, b = evaluation, evaluation.budget
    data = {
        "year": ev.year, "lang": lang,
        "project": {"name": ev.project.name, "department": ev.project.department,
                    "implementer": ev.project.implementer, "annual_goal": ev.annual_goal},
        "budget": {"unit": b.unit, "planned": b.planned, "spent": b.spent, "weight": _num(b.weight),
                   "rate": b.rate, "score": b.score,
                   "sources": [{"name": n, "planned": p, "spent": s} for n, p, s in b.sources]},
        "indicators": [{
            "level1": r.level1, "level2": r.level2, "name": r.name, "tally": r.tally,
            "operator": r.operator, "target": _num(r.target), "unit": r.unit,
            "actual": _num(r.actual), "met": r.met,
            "weight": _num(r.weight), "score": r.score, "deviation_kind": r.deviation_kind,
            "deviation": r.deviation, "proposed_target": _num(r.proposed_target),
            "target_text": target_phrase(r.operator, r.target, r.unit, lang),
            "actual_text": (measured_phrase(r.actual, r.unit, r.detail, lang) if r.actual is not None
                            else LABELS[lang]["not_measured"]),
            "deviation_text": _deviation_cell(r, lang),
            "detail": r.detail,
        } for r in ev.indicators],
        "total": ev.total,
        "measured_weight": _num(ev.measured_weight),
        "not_measured": list(ev.not_measured),
    }
    if tallied is not None:
        data["read"] = tallied["read"]
        if "summary" in tallied:
            data["summary"] = tallied["summary"]
        data["drilldown"] = {"totals": tallied["totals"], "volumes": tallied["volumes"],
                             "quality": tallied["quality"]}
    return data


CSV_FIELDS = ["row", "level1", "level2", "name", "tally", "operator", "target", "unit",
              "actual", "met", "weight", "score", "deviation", "proposed_target"]


def _csv_rows(data: dict) -> list[dict]:
    rows = [{"row": "indicator", **{k: r[k] for k in CSV_FIELDS[1:]}} for r in data["indicators"]]
    b = data["budget"]
    rows.append({"row": "budget", "name": "预算执行率", "target": b["planned"], "unit": b["unit"],
                 "actual": b["spent"], "weight": b["weight"],
                 "score": b["score"], "deviation": f"预算执行率 {b['rate'] * 100:.2f}%"})
    missing = "、".join(data["not_measured"])
    rows.append({"row": "total", "name": "总分", "weight": data["measured_weight"],
                 "score": data["total"], "deviation": f"未测量：{missing}" if missing else ""})
    return rows


def write_reports(evaluation: Evaluation, out_dir: Path, lang: str = "zh", tallied: dict | None = None) -> list[Path]:
    """Write evaluation.json (UTF-8) and evaluation.csv (UTF-8 with BOM) into out_dir; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = to_json(evaluation, lang, tallied)
    json_path, csv_path = out_dir / "evaluation.json", out_dir / "evaluation.csv"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in _csv_rows(data):
            writer.writerow({k: _csv_cell(row.get(k)) for k in CSV_FIELDS})
    return [json_path, csv_path]


def _csv_cell(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return v
