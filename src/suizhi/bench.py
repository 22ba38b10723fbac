"""`suizhi bench`: what each stage costs, month by month (extract, land, silver, quality,
gold, reports, evaluation): seconds, rows, Delta commits, Spark jobs and the peak memory of
the Spark driver JVM and of Python; how the last month compares with the first; and the
share of silver's time spent on validation (the suites, Great Expectations' verdicts and Data Docs).

Validation's share compares silver with the suites against silver without them (the
contract alone) on a second lake, month by month: both lakes land the month, then both
silvers run, taking turns to go first, so neither is always measured on a colder JVM or
in a quieter minute of a shared machine.

The stages run as the DAG tasks run them (same functions, one SparkSession) but without
Airflow around them, on a lake of their own under var/bench/, so the figures measure
the pipeline and not the scheduler. Printed, not asserted: a yardstick for later work.
"""
from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from suizhi.bronze import land
from suizhi.connectors.extract import extract_batch
from suizhi.connectors.staging import stage_deferred
from suizhi.evaluation.publish import publish
from suizhi.evaluation.tally import tally
from suizhi.gold import build as gold_build
from suizhi.gold.build import build_gold
from suizhi.gold.declarations import load_indicators
from suizhi.gold.engine import compute_indicators
from suizhi.governance.policy import ensure_local_key
from suizhi.lake import Lake
from suizhi.quality.checks import RuleValidation
from suizhi.quality.scorecard import write_scorecard
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import COUNTS, build_silver
from suizhi.simulate.iot import deliver
from suizhi.simulate.serve_api import serving_api
from suizhi.simulate.writer import simulate
from suizhi.spark import get_spark
from suizhi.stage_profile import Profile, jvm_peak_mib, python_peak_mib


@contextmanager
def _timing(module, name: str, took: list[float]):
    """Time every call of `module.name` while the block runs (the part of a stage it is)."""
    original = getattr(module, name)

    def timed(*args, **kwargs):
        started = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            took.append(time.monotonic() - started)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def run_bench(year: int, scale: float, seed: int, months: int = 3) -> int:
    base = current_settings()
    ensure_local_key(base.home)  # silver pseudonymises, as in the demo
    root = Path(base.home) / "var" / "bench" / f"scale-{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    settings = base.model_copy(update={"lake": str(root / "lake"), "sources": str(root / "sources"),
                                       "reports": str(root / "reports")})
    catalog = current_catalog(base)
    started = time.monotonic()
    manifest = simulate(catalog, year, scale, seed, Path(settings.sources_root))
    simulated = time.monotonic() - started
    spark, lake = get_spark(settings, "suizhi-bench"), Lake(settings.lake_root)
    profile = Profile(spark, settings.lake_root)
    print(f"bench: {len(catalog.systems)} systems, scale {scale:g}, seed {seed}, months 1-{months} of {year}; "
          f"simulated {manifest['totals']['rows']:,} rows for the year in {simulated:.1f} s", flush=True)
    totals = {"silver": 0.0, "without": 0.0, "gx": 0.0, "docs": 0.0}
    bare, bare_lake = dataclasses.replace(catalog, suites={}), Lake(str(root / "lake-bare"))
    with serving_api(Path(settings.sources_root)):  # the departmental APIs, on loopback
        for month in range(1, months + 1):
            period = f"{year}-{month:02d}"
            deliver(Path(settings.sources_root), period)  # the IoT devices' files of the month arrive
            with profile.stage("extract", period) as cost:
                batches = [extract_batch(s, catalog.contracts[s.dataset], period, settings.sources_root, lake)
                           for s in catalog.systems.values()]
                batches = stage_deferred(spark, lake, catalog, settings.sources_root, batches,
                                         settings.parallel_commits)
                cost.rows = sum(b.rows_read for b in batches)
            with profile.stage("land", period) as cost:
                landed = land(spark, lake, catalog, batches, settings.parallel_commits)
                cost.rows = sum(r["rows_landed"] for r in landed)
            rows = cost.rows
            _land_month(spark, settings, bare, bare_lake, period)  # the same month, for silver without suites
            took = {}
            validation = RuleValidation()  # Great Expectations' verdicts on silver's rule counts
            for kind in (("with", "without") if month % 2 else ("without", "with")):
                if kind == "with":
                    with profile.stage("silver", period) as cost:
                        counted = build_silver(spark, lake, catalog, settings.parallel_commits, validation)
                        cost.rows = sum(sum(c[k] for k in COUNTS) for c in counted.values())
                    took[kind] = cost.seconds
                else:
                    bare_started = time.monotonic()
                    build_silver(spark, bare_lake, bare, settings.parallel_commits)
                    took[kind] = time.monotonic() - bare_started
            judged = validation.seconds
            with profile.stage("quality", period) as cost:  # Data Docs and the scorecard, as the DAG does
                validation.write_docs(Path(settings.reports_root) / "quality" / "gx")
                totals["docs"] += validation.seconds - judged
                totals["gx"] += validation.seconds
                write_scorecard(spark, lake, catalog, Path(settings.reports_root) / "quality")
                cost.rows = rows
            reports: list[float] = []
            with profile.stage("gold", period) as cost, _timing(gold_build, "write_reports", reports):
                build_gold(spark, lake, catalog, base.home, settings.reports_root)
                cost.rows = rows
            profile.split(cost, "reports", sum(reports))
            totals["silver"] += took["with"]
            totals["without"] += took["without"]
    with profile.stage("evaluation", str(year)) as cost, contextlib.redirect_stdout(io.StringIO()):
        tallied = tally(spark, lake, catalog, year, None, base.home, settings.sources_root)
        publish(settings, tallied)
        cost.rows = tallied["totals"]["rows_landed"]
    print(profile.table())
    for stage in ("silver", "gold"):
        if (line := profile.growth(stage)) is not None:
            print(line)
    bench_indicators(spark, lake, catalog, base.home, f"{year}-{months:02d}")
    print(f"peak memory: Spark driver JVM {jvm_peak_mib():,.0f} MiB, Python {python_peak_mib():,.0f} MiB "
          f"(spark.driver.memory {settings.spark.conf.get('spark.driver.memory', 'default')})")
    print(validation_line(totals["silver"], totals["without"], totals["gx"], totals["docs"], os.getloadavg()[0]))
    return 0


def _land_month(spark, settings, catalog, lake: Lake, period: str) -> None:
    """Extract and land one month of every system into `lake` (not timed)."""
    batches = [extract_batch(s, catalog.contracts[s.dataset], period, settings.sources_root, lake)
               for s in catalog.systems.values()]
    batches = stage_deferred(spark, lake, catalog, settings.sources_root, batches, settings.parallel_commits)
    land(spark, lake, catalog, batches, settings.parallel_commits)


def validation_line(with_suites: float, without: float, gx: float, docs: float, load: float) -> str:
    """The share of validation in silver's time with its Data Docs: the suites' extra time (their
    rules, and Great Expectations judging them inside silver) plus the Data Docs. `gx` is Great
    Expectations' part of it: its verdicts in silver with the suites, and `docs`."""
    total = with_suites + docs
    suites = with_suites - without
    return (f"validation: {(suites + docs) / total:.0%} of silver's {total:.1f} s (suites {suites:+.1f} s = "
            f"{suites / total:.0%}, Data Docs {docs:.1f} s; Great Expectations in all {gx:.1f} s = "
            f"{gx / total:.0%}); silver without suites {without:.1f} s, with them {with_suites:.1f} s; "
            f"load average {load:.1f}")


def bench_indicators(spark, lake: Lake, catalog, home: Path, period: str) -> None:
    """Time computing every declared indicator for one month, and count the Spark jobs it runs."""
    indicators = [i for i in load_indicators(home, catalog.contracts) if i.source in catalog.contracts]
    sc = spark.sparkContext
    group = f"bench-indicators-{period}"
    sc.setJobGroup(group, "compute every indicator for one month")
    started = time.monotonic()
    rows = compute_indicators(spark, lake, indicators, [period])
    took = time.monotonic() - started
    jobs = len(sc.statusTracker().getJobIdsForGroup(group))
    sc.setJobGroup("", "")
    print(f"indicators {period}: {len(indicators)} indicators over {len({i.source for i in indicators})} datasets, "
          f"{len(rows):,} values in {took:.1f} s, {jobs} Spark jobs")
