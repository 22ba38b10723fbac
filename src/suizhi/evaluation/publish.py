"""Score a tally against conf/evaluation/<year>.yaml and write what evaluators read.

reports/<year>/: evaluation.json (+ .csv), evaluation.xlsx (the seed's layout),
evaluation.html (charts), evaluation.md, tally.json and volumes.csv.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from suizhi.errors import EvaluationError
from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.excel import write_workbook
from suizhi.evaluation.html_report import write_html
from suizhi.evaluation.markdown import write_markdown
from suizhi.evaluation.render import render_table
from suizhi.evaluation.report_json import write_reports
from suizhi.evaluation.scoring import Evaluation, Measure, score
from suizhi.settings import Settings


def evaluate_tally(settings: Settings, tallied: dict) -> Evaluation:
    config = load_evaluation(settings.home / "conf" / "evaluation" / f"{tallied['year']}.yaml")
    measures = {name: Measure(**m) for name, m in tallied["measures"].items()}
    return score(config, measures)


def pinned_versions(path: Path | str) -> dict[str, int]:
    """The table versions an earlier evaluation.json read, to read them again."""
    try:
        read = json.loads(Path(path).read_text(encoding="utf-8"))["read"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvaluationError(f"{path}: no table versions to pin ('read' of an evaluation.json): {exc}") from None
    return {str(k): int(v) for k, v in read.items()}


def _write_volumes(tallied: dict, out: Path) -> Path:
    path = out / "volumes.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["department", "system", "dataset", "rows_read", "rows_landed", "inserted",
                         "duplicates", "superseded", "quarantined"])
        for r in tallied["volumes"]["by_system"]:
            writer.writerow([r["department"], r["system"], r["dataset"], r["rows_read"], r["rows_landed"],
                             r["inserted"], r["duplicates"], r["superseded"], r["quarantined"]])
    return path


def publish(settings: Settings, tallied: dict, lang: str = "zh") -> Path:
    """Write reports/<year>/ and print the table; returns the folder."""
    evaluation = evaluate_tally(settings, tallied)
    out = Path(settings.reports_root) / str(tallied["year"])
    out.mkdir(parents=True, exist_ok=True)
    json_path, _ = write_reports(evaluation, out, lang, tallied)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    write_workbook(data, out / "evaluation.xlsx")
    write_html(data, out)
    write_markdown(data, out)
    (out / "tally.json").write_text(json.dumps(tallied, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_volumes(tallied, out)
    print(render_table(evaluation, lang))
    return out
