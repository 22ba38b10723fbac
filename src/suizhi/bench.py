"""`suizhi bench`: records per second for ingest (extract + land) and for silver, peak memory,
and the share of silver's time spent on validation (the suites and Great Expectations).

Validation's share compares silver with the suites against silver without them (the
contract alone) on a second lake, month by month: both lakes land the month, then both
silvers run, taking turns to go first, so neither is always measured on a colder JVM or
in a quieter minute of a shared machine.

The stages run as the DAG tasks run them (same functions, one SparkSession) but without
Airflow around them, on a lake of their own under var/bench/, so the figures measure
the pipeline and not the scheduler. Printed, not asserted: a yardstick for later work.
"""
from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import time
from pathlib import Path

from suizhi.bronze import land
from suizhi.connectors import extract_batch
from suizhi.connectors.staging import stage_deferred
from suizhi.gold.declarations import load_indicators
from suizhi.gold.engine import compute_indicators
from suizhi.governance.policy import ensure_local_key
from suizhi.lake import Lake
from suizhi.quality.checks import validate_with_gx
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import build_silver
from suizhi.simulate.iot import deliver
from suizhi.simulate.serve_api import serving_api
from suizhi.simulate.writer import simulate
from suizhi.spark import get_spark


def _jvm_peak_rss_mib() -> float:
    """Peak resident memory of this process's Spark driver JVM (VmHWM), in MiB."""
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
        if b"SparkSubmit" in cmdline and ppid == os.getpid():
            peak = max(peak, int(next((line.split()[1] for line in status.splitlines()
                                       if line.startswith("VmHWM:")), "0")))
    return peak / 1024


def run_bench(year: int, scale: float, seed: int, months: int = 3) -> int:
    base = current_settings()
    ensure_local_key(base.home)  # silver pseudonymises, as in the demo
    root = Path(base.home) / "var" / "bench" / f"scale-{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    settings = base.model_copy(update={"lake": str(root / "lake"), "sources": str(root / "sources")})
    catalog = current_catalog(base)
    started = time.monotonic()
    manifest = simulate(catalog, year, scale, seed, Path(settings.sources_root))
    simulated = time.monotonic() - started
    spark, lake = get_spark(settings, "suizhi-bench"), Lake(settings.lake_root)
    print(f"bench: {len(catalog.systems)} systems, scale {scale:g}, seed {seed}, months 1-{months} of {year}; "
          f"simulated {manifest['totals']['rows']:,} rows for the year in {simulated:.1f} s")
    print(f"{'month':<8} {'rows':>8} {'extract s':>10} {'land s':>8} {'silver s':>9} "
          f"{'ingest rows/s':>14} {'silver rows/s':>14}")
    totals = {"rows": 0, "extract": 0.0, "land": 0.0, "silver": 0.0, "without": 0.0, "gx": 0.0}
    bare, bare_lake = dataclasses.replace(catalog, suites={}), Lake(str(root / "lake-bare"))
    with serving_api(Path(settings.sources_root)):  # the departmental APIs, on loopback
        for month in range(1, months + 1):
            period = f"{year}-{month:02d}"
            deliver(Path(settings.sources_root), period)  # the IoT devices' files of the month arrive
            t0 = time.monotonic()
            batches = [extract_batch(s, catalog.contracts[s.dataset], period, settings.sources_root, lake)
                       for s in catalog.systems.values()]
            t1 = time.monotonic()
            batches = stage_deferred(spark, lake, catalog, settings.sources_root, batches, settings.parallel_commits)
            landed = land(spark, lake, catalog, batches, settings.parallel_commits)
            t2 = time.monotonic()
            _land_month(spark, settings, bare, bare_lake, period)  # the same month, for silver without suites
            took = {}
            for kind in (("with", "without") if month % 2 else ("without", "with")):
                started_silver = time.monotonic()
                if kind == "with":
                    counted = build_silver(spark, lake, catalog, settings.parallel_commits)
                else:
                    build_silver(spark, bare_lake, bare, settings.parallel_commits)
                took[kind] = time.monotonic() - started_silver
            t3 = time.monotonic()  # one GX validation per silver run, as the DAG does
            validate_with_gx(spark, lake, catalog, sorted(counted), root / "gx")
            totals["gx"] += time.monotonic() - t3
            rows = sum(r["rows_read"] for r in landed)  # streamed systems count theirs while landing
            for key, value in (("rows", rows), ("extract", t1 - t0), ("land", t2 - t1), ("silver", took["with"]),
                               ("without", took["without"])):
                totals[key] += value
            print(f"{period:<8} {rows:>8,} {t1 - t0:>10.1f} {t2 - t1:>8.1f} {took['with']:>9.1f} "
                  f"{rows / (t2 - t0):>14,.0f} {rows / took['with']:>14,.0f}", flush=True)
    ingest = totals["extract"] + totals["land"]
    print(f"{'all':<8} {totals['rows']:>8,} {totals['extract']:>10.1f} {totals['land']:>8.1f} "
          f"{totals['silver']:>9.1f} {totals['rows'] / ingest:>14,.0f} {totals['rows'] / totals['silver']:>14,.0f}")
    bench_indicators(spark, lake, catalog, base.home, f"{year}-{months:02d}")
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: Spark driver JVM {_jvm_peak_rss_mib():,.0f} MiB, Python {python_peak:,.0f} MiB "
          f"(spark.driver.memory {settings.spark.conf.get('spark.driver.memory', 'default')})")
    print(f"per batch: {len(batches)} batches a month; land {totals['land'] / months / len(batches):.2f} s "
          f"and silver {totals['silver'] / months / len(catalog.contracts):.2f} s per dataset, wall clock")
    print(validation_line(totals["silver"], totals["without"], totals["gx"], os.getloadavg()[0]))
    return 0


def _land_month(spark, settings, catalog, lake: Lake, period: str) -> None:
    """Extract and land one month of every system into `lake` (not timed)."""
    batches = [extract_batch(s, catalog.contracts[s.dataset], period, settings.sources_root, lake)
               for s in catalog.systems.values()]
    batches = stage_deferred(spark, lake, catalog, settings.sources_root, batches, settings.parallel_commits)
    land(spark, lake, catalog, batches, settings.parallel_commits)


def validation_line(with_suites: float, without: float, gx: float, load: float) -> str:
    """The share of validation in silver's time: the suites' extra time plus Great Expectations,
    over silver's time with both."""
    total = with_suites + gx
    suites = with_suites - without
    return (f"validation: {(suites + gx) / total:.0%} of silver's {total:.1f} s (suites {suites:+.1f} s = "
            f"{suites / total:.0%}, Great Expectations {gx:.1f} s = {gx / total:.0%}); silver without suites "
            f"{without:.1f} s, with them {with_suites:.1f} s; load average {load:.1f}")


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
