"""Score a tally against conf/evaluation/<year>.yaml and write what evaluators read."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.render import render_table, write_reports
from suizhi.evaluation.scoring import Evaluation, Measure, score
from suizhi.settings import Settings


def evaluate_tally(settings: Settings, tallied: dict) -> Evaluation:
    config = load_evaluation(settings.home / "conf" / "evaluation" / f"{tallied['year']}.yaml")
    measures = {name: Measure(**m) for name, m in tallied["measures"].items()}
    return score(config, measures, volume_scale=settings.evaluation.volume_scale)


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


def publish(settings: Settings, tallied: dict) -> Path:
    """Write reports/<year>/ (evaluation.json and .csv, tally.json, volumes.csv); print the table."""
    evaluation = evaluate_tally(settings, tallied)
    out = Path(settings.reports_root) / str(tallied["year"])
    out.mkdir(parents=True, exist_ok=True)
    write_reports(evaluation, out)
    (out / "tally.json").write_text(json.dumps(tallied, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_volumes(tallied, out)
    print(render_table(evaluation))
    return out
