"""`suizhi bench --day`: one day of the city at the seed's volume, through bronze, silver and gold.

2021's hub took 1.1 billion records, about 3 million a day. The day is drawn by the
simulator's own record generator, spread over the catalog's systems in proportion to their
`records_per_year`, with the usual exact copies, re-versions, broken rows and defects, and
staged as the connectors stage a batch (one Parquet file of raw strings per system). It
lands as one interval (2021-01) of every system, so every stage runs its real code on a
day's volume: bronze appends, silver's conform, rules, dedup, protection and MERGE, the
quality publication, gold.

Extraction is not part of it: reading a day from 115 departmental servers is the
connectors' work, measured by `suizhi bench` on the simulated sources. IoT systems' readings
are staged like the other kinds here, so the stream's own parsing is not timed either.

The anchor runs the same silver work in DuckDB on the same staged files (see
`suizhi.bench_anchor`) and the ratio of the two is printed. The staged day is kept under
var/bench/ and reused by the next run with the same figures; the lake is rebuilt each run.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from suizhi.bronze import land
from suizhi.catalog import Catalog
from suizhi.connectors.base import EXTRA, SOURCE_FILE, SOURCE_LINE, Batch, as_text, raw_schema
from suizhi.gold.build import build_gold
from suizhi.governance.policy import ensure_local_key
from suizhi.lake import Lake, batch_id
from suizhi.ledger import conservation, read_ledger
from suizhi.quality.checks import RuleValidation
from suizhi.quality.scorecard import write_scorecard
from suizhi.quality.suite import build_order
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import COUNTS, build_silver
from suizhi.simulate.plan import plan_interval
from suizhi.simulate.records import draw
from suizhi.simulate.references import Registry, refer
from suizhi.spark import get_spark
from suizhi.stage_profile import Profile, jvm_peak_mib, python_peak_mib

DAY_RECORDS = 3_000_000     # 1.1 billion records in 2021, over 365 days
PERIOD_MONTH = 1            # the interval the day lands as


def day_shares(catalog: Catalog, total: int) -> dict[str, int]:
    """New records per system: `total` split by `records_per_year`, largest remainders first."""
    weights = {s: catalog.systems[s].records_per_year for s in sorted(catalog.systems)}
    whole = sum(weights.values())
    exact = {s: total * w / whole for s, w in weights.items()}
    shares = {s: int(v) for s, v in exact.items()}
    for s in sorted(exact, key=lambda s: (shares[s] - exact[s], s))[:total - sum(shares.values())]:
        shares[s] += 1
    return shares


def _draw_system(job: tuple) -> tuple[str, int, dict[str, list[str]]]:
    """Stage one system's day; returns its id, its rows and the values other datasets may reference."""
    system_id, size, year, seed, path, registries, wanted = job
    catalog = current_catalog()
    system = catalog.systems[system_id]
    contract = catalog.contracts[system.dataset]
    plan = plan_interval(random.Random(f"{seed}:{system_id}:day"), size, PERIOD_MONTH)
    columns = [c.name for c in contract.columns]
    values: dict[str, list] = {c: [] for c in columns}
    offered: dict[str, set[str]] = {c: set() for c in wanted}
    for row in plan.rows:
        record, counters = draw(seed, year, system_id, contract, row)
        for reg in registries:
            refer(seed, system_id, row, record, counters, reg)
        if not row.invalid and counters["defect"] is None:
            for c in wanted:
                if record[c] is not None:
                    offered[c].add(str(record[c]))
        for c in columns:
            values[c].append(as_text(record[c]))
    n = len(plan.rows)
    table = pa.table({**{c: pa.array(values[c], pa.string()) for c in columns},
                      SOURCE_FILE: pa.array([f"bench-day/{system_id}"] * n, pa.string()),
                      SOURCE_LINE: pa.array(range(1, n + 1), pa.int64()),
                      EXTRA: pa.nulls(n, pa.string())}, schema=raw_schema(contract))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path + ".tmp")
    os.replace(path + ".tmp", path)
    return system_id, n, {c: sorted(v) for c, v in offered.items()}


def stage_day(catalog: Catalog, year: int, seed: int, total: int, folder: Path, workers: int = 2) -> dict:
    """Draw and stage the day, the datasets others reference first; returns rows per system.

    Kept in `folder` with a marker of what it holds, and reused when the marker matches."""
    marker = folder / "_day.json"
    wanted = {"year": year, "seed": seed, "records": total}
    if marker.exists() and (held := json.loads(marker.read_text()))["day"] == wanted:
        return held["rows"]
    shutil.rmtree(folder, ignore_errors=True)
    shares = day_shares(catalog, total)
    rules = {d: [e for e in (catalog.suites[d].expectations if d in catalog.suites else []) if e.references]
             for d in catalog.contracts}
    offers = {d: sorted({e.references.column for r in rules.values() for e in r if e.references.dataset == d})
              for d in catalog.contracts}
    pools: dict[tuple[str, str], set[str]] = {}
    rows: dict[str, int] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for wave in build_order(catalog.suites, sorted(catalog.contracts)):
            registries = {d: [Registry(e, (tuple(sorted(pools.get((e.references.dataset, e.references.column), ()))),)
                                       * 12, frozenset(pools.get((e.references.dataset, e.references.column), ())))
                              for e in rules[d]] for d in wave}
            jobs = [(s, shares[s], year, seed, str(folder / f"{s}.parquet"), registries[d], offers[d])
                    for d in wave for s in sorted(x.id for x in catalog.systems_of(d))]
            # The biggest first, so the last worker is not left alone with a big one.
            for system_id, n, offered in pool.map(_draw_system, sorted(jobs, key=lambda j: -j[1])):
                rows[system_id] = n
                for column, found in offered.items():
                    pools.setdefault((catalog.systems[system_id].dataset, column), set()).update(found)
    marker.write_text(json.dumps({"day": wanted, "rows": rows}, indent=1))
    return rows


def _batches(catalog: Catalog, staged: Path, rows: dict[str, int], period: str) -> list[Batch]:
    return [Batch(s, catalog.systems[s].dataset, catalog.systems[s].department, period, batch_id(s, period), n,
                  str(staged / f"{s}.parquet"),
                  # the readings of a stream are staged like a file here (see the module's docstring)
                  ("file_drop" if catalog.systems[s].connector.kind == "iot_stream"
                   else catalog.systems[s].connector.kind),
                  {"bench": "day", "staged": f"{s}.parquet"})
            for s, n in sorted(rows.items())]


def run_day(year: int, seed: int, total: int = DAY_RECORDS, anchor: bool = True) -> int:
    base = current_settings()
    ensure_local_key(base.home)
    root = Path(base.home) / "var" / "bench" / f"day-{total}-{seed}"
    staged = root / "staged"
    for folder in ("lake", "reports"):
        shutil.rmtree(root / folder, ignore_errors=True)
    settings = base.model_copy(update={"lake": str(root / "lake"), "sources": str(root / "sources"),
                                       "reports": str(root / "reports")})
    catalog = current_catalog(base)
    started = time.monotonic()
    rows = stage_day(catalog, year, seed, total, staged)
    print(f"bench day: {sum(rows.values()):,} rows staged for {len(rows)} systems ({total:,} new records, with the "
          f"day's copies, re-versions and broken rows) in {time.monotonic() - started:.1f} s, in {staged}", flush=True)
    period = f"{year}-{PERIOD_MONTH:02d}"
    spark, lake = get_spark(settings, "suizhi-bench-day"), Lake(settings.lake_root)
    profile = Profile(spark, settings.lake_root)
    began = time.monotonic()
    with profile.stage("land", period) as cost:
        landed = land(spark, lake, catalog, _batches(catalog, staged, rows, period), settings.parallel_commits)
        cost.rows = sum(r["rows_landed"] for r in landed)
    validation = RuleValidation()  # Great Expectations' verdicts on silver's rule counts
    with profile.stage("silver", period) as cost:
        counted = build_silver(spark, lake, catalog, settings.parallel_commits, validation)
        cost.rows = sum(sum(c[k] for k in COUNTS) for c in counted.values())
    silver_seconds, silver_rows = cost.seconds, cost.rows
    with profile.stage("quality", period) as cost:
        validation.write_docs(Path(settings.reports_root) / "quality" / "gx")
        write_scorecard(spark, lake, catalog, Path(settings.reports_root) / "quality")
        cost.rows = silver_rows
    with profile.stage("gold", period) as cost:
        build_gold(spark, lake, catalog, base.home, settings.reports_root)
        cost.rows = silver_rows
    wall = time.monotonic() - began
    print(profile.table())
    held = conservation(read_ledger(spark, lake)).collect()
    totals = {k: sum(c[k] for c in counted.values()) for k in COUNTS}
    print(f"day through gold: {wall:.1f} s wall (target 300 s); silver {silver_rows / silver_seconds:,.0f} rows/s "
          f"(target 200,000); {', '.join(f'{v:,} {k}' for k, v in totals.items())}; conservation holds for "
          f"{sum(r.holds for r in held)} of {len(held)} systems; load average {os.getloadavg()[0]:.1f}", flush=True)
    print(f"peak memory: Spark driver JVM {jvm_peak_mib():,.0f} MiB, Python {python_peak_mib():,.0f} MiB "
          f"(spark.driver.memory {settings.spark.conf.get('spark.driver.memory', 'default')})", flush=True)
    if anchor:
        from suizhi.bench_anchor import anchor_silver
        spark.stop()  # DuckDB gets the machine to itself, as Spark had it
        duck = anchor_silver(catalog, base.home, staged, rows, root / "anchor")
        print(f"anchor: DuckDB's silver of the same staged day took {duck['seconds']:.1f} s ({duck['kept']:,} kept, "
              f"{duck['duplicates']:,} exact copies, {duck['superseded']:,} superseded, {duck['quarantined']:,} "
              f"set apart by the contract); Spark's silver took {silver_seconds:.1f} s: "
              f"{silver_seconds / duck['seconds']:.1f}x (target 2.5x); load average {os.getloadavg()[0]:.1f}")
    return 0
