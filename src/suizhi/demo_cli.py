"""`suizhi demo`: simulate, run every month through Airflow, print the evaluation and the ledger check.

While it runs it prints a line as each month's ingest, silver and gold runs end: the elapsed
time, the stage, its rows and its seconds. `suizhi demo` sends everything else (Airflow's
task logs, Spark's) to a log file whose path it prints first.
"""
from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pyspark.sql import functions as F

from suizhi.delta_log import latest_version
from suizhi.demo import check_lake_holds, evaluate, run_months
from suizhi.evaluation.publish import evaluate_tally
from suizhi.evaluation.render import render_table
from suizhi.evaluation.sampling import SAMPLING, fraction_text
from suizhi.governance.audit import read_audit
from suizhi.governance.inventory import write_inventory
from suizhi.governance.policy import ensure_local_key, load_policy
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings, spark_session
from suizhi.simulate.writer import MANIFEST, simulate
from suizhi.verify import against_manifest, conservation_table


@contextmanager
def logging_to(path: Path):
    """Send this process's standard output and error, the JVM's included, to `path`; yields
    a stream on the terminal they pointed at before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            terminal.close()


def demo_log(home: Path) -> Path:
    return Path(home) / "var" / "log" / f"demo-{datetime.now():%Y%m%d-%H%M%S}.log"


def _label(periods: list[str]) -> str:
    """2021-03, or 2021-01..03 for the months a silver or gold run caught up on."""
    return periods[0] if len(periods) == 1 else f"{periods[0]}..{periods[-1][5:]}"


def _progress(out: TextIO, started: float):
    """A line per stage as it ends: elapsed, months, stage, what it did to the lake, its seconds."""
    def said(periods: list[str], stage: str, seconds: float) -> None:
        settings = current_settings()
        lake, spark = Lake(settings.lake_root), spark_session(settings)
        months = read_ledger(spark, lake).where(F.col("period").isin(periods))
        if stage == "ingest":
            row = months.agg(F.count("*").alias("n"), F.sum("rows_landed").alias("rows")).first()
            what = f"{row['n']} batches, {row['rows'] or 0:,} rows landed in bronze"
        elif stage == "silver":
            row = months.agg(*[F.coalesce(F.sum(c), F.lit(0)).alias(c)
                               for c in ("inserted", "duplicates", "superseded", "quarantined")]).first()
            what = (f"{row['inserted']:,} kept, {row['duplicates']:,} duplicates, {row['superseded']:,} superseded, "
                    f"{row['quarantined']:,} quarantined")
        else:
            values = lake.table("gold.indicator_values")
            held = spark.read.format("delta").load(values).where(F.col("period").isin(periods)).count() \
                if latest_version(spark, values) is not None else 0
            what = f"{held:,} indicator values"
        elapsed = int(time.time() - started)
        print(f"[{elapsed // 60:>3}:{elapsed % 60:02d}] {_label(periods):<10} {stage:<7} {what} ({seconds:.0f} s)",
              file=out, flush=True)
    return said


def run_demo(year: int, scale: float, seed: int, months: list[int] | None = None, out: TextIO | None = None) -> int:
    """The demo; `out` is where it reports (standard output when not given, which also carries
    the evaluation table the evaluation DAG prints; given, the demo prints the table there)."""
    settings = current_settings()
    started = time.time()
    terminal = out or sys.stdout
    rerun = check_lake_holds(year, scale, seed)
    ensure_local_key(settings.home)
    sources = Path(settings.sources_root)
    if rerun and (sources / MANIFEST).exists():
        # The departments delivered this simulation's files once; the landed ones are archived,
        # and delivering them again would be a late drop for a month already landed.
        manifest = json.loads((sources / MANIFEST).read_text(encoding="utf-8"))
        said = "rerunning the simulation already delivered to"
    else:
        manifest = simulate(current_catalog(settings), year, scale, seed, sources)
        said = "simulated"
    totals = manifest["totals"]
    dropped = totals.get("ingest_duplicates", 0) + totals.get("ingest_rejected", 0)
    sampled = ""  # a manifest of an older simulator has no sampling; the evaluation names it
    if SAMPLING in manifest:
        sampled = f", {fraction_text(manifest[SAMPLING]['fraction'])} of the declared volume"
    print(f"{said} {sources}: {len(manifest['systems'])} systems, {totals['rows'] + dropped:,} rows at source"
          f"{sampled}, {totals['rows']:,} to land and {dropped:,} readings the streams drop as re-sent or kept apart",
          file=terminal, flush=True)
    months = months or list(range(1, 13))
    every = settings.demo.silver_every
    if every > 1:
        print(f"each month is ingested in its own interval; silver and gold catch up every {every} months "
              f"(demo.silver_every in conf/env/{settings.env}.yaml)", file=terminal, flush=True)
    run_months(year, months, _progress(terminal, started), every)
    evaluate(year)
    if out is not None:  # the evaluation DAG printed the table into the log
        tallied = json.loads((Path(settings.reports_root) / str(year) / "tally.json").read_text(encoding="utf-8"))
        print(render_table(evaluate_tally(settings, tallied)), file=out)
    spark = spark_session(settings)
    ledger = read_ledger(spark, Lake(settings.lake_root))
    rows = [r.asDict() for r in conservation(ledger).collect()]
    mismatches = against_manifest([r.asDict() for r in ledger.collect()], manifest,
                                  {f"{year}-{m:02d}" for m in months})
    # The 绩效自评表 has just been printed; the conservation check follows it.
    print(file=terminal)
    print("Conservation per system (DESIGN.md invariant 1): read = bronze + ingest- (readings a stream dropped as "
          "re-sent or kept apart) = silver + dup + superseded + quarantined", file=terminal)
    print(conservation_table(rows), file=terminal)
    print(file=terminal)
    if mismatches:
        print(f"{len(mismatches)} ledger count(s) differ from the simulator's ground truth:", file=terminal)
        print("\n".join(mismatches[:50]), file=terminal)
    else:
        print(f"every ledger count equals the simulator's ground truth ({len(ledger.collect())} batches)",
              file=terminal)
    audit = read_audit(spark, Lake(settings.lake_root)).where("action = 'silver'").select("protections").collect()
    write_inventory(Path(settings.reports_root) / "governance", current_catalog(settings),
                    load_policy(settings.home), audit)
    print(f"reports in {Path(settings.reports_root) / str(year)}, governance inventory in "
          f"{Path(settings.reports_root) / 'governance'}; {time.time() - started:.0f} s in all", file=terminal)
    return 0 if not mismatches and all(r["holds"] for r in rows) else 1
