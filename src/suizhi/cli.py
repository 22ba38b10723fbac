"""`suizhi`: check the catalog, simulate a year, run the demo, show the ledger, evaluate, bench."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from suizhi.errors import SuizhiError


def _catalog_check(args) -> int:
    from suizhi.catalog import check_catalog
    from suizhi.settings import project_home
    root = Path(args.root) if args.root else project_home()
    problems = check_catalog(root)
    if not problems:
        from suizhi.governance.policy import check_policy
        problems = check_policy(root)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)" if problems else "catalog OK")
    return 1 if problems else 0


def _simulate(args) -> int:
    from suizhi.runtime import current_catalog, current_settings
    from suizhi.simulate.writer import simulate
    settings = current_settings()
    out = Path(args.out or settings.sources_root)
    manifest = simulate(current_catalog(settings), args.year, args.scale, args.seed, out)
    print(f"simulated {len(manifest['systems'])} systems into {out}: {json.dumps(manifest['totals'])}")
    return 0


def _ledger(args) -> int:
    from suizhi.lake import Lake
    from suizhi.ledger import conservation, read_ledger
    from suizhi.runtime import current_settings, spark_session
    from suizhi.verify import conservation_table
    s = current_settings()
    rows = [r.asDict() for r in conservation(read_ledger(spark_session(s), Lake(s.lake_root))).collect()]
    print(conservation_table(rows))
    return 0 if all(r["holds"] for r in rows) else 1


def _evaluate(args) -> int:
    from suizhi.evaluation.publish import pinned_versions
    from suizhi.runtime import report_year, tally_year
    pinned = pinned_versions(args.pin) if args.pin else None
    print(report_year(tally_year(args.year, pinned), args.lang))
    return 0


def _quarantine_list(args) -> int:
    from suizhi.lake import Lake
    from suizhi.quality.quarantine import list_quarantine, quarantine_table
    from suizhi.runtime import current_catalog, current_settings, spark_session
    s = current_settings()
    rows = list_quarantine(spark_session(s), Lake(s.lake_root), current_catalog(s), args.dataset, args.system,
                           args.limit)
    print(quarantine_table(rows))
    return 0


def _quarantine_replay(args) -> int:
    from suizhi.lake import Lake
    from suizhi.quality.replay import read_corrections, replay
    from suizhi.runtime import current_catalog, current_settings, spark_session
    s = current_settings()
    outcome = replay(spark_session(s), Lake(s.lake_root), current_catalog(s), args.dataset,
                     read_corrections(Path(args.file)))
    print(f"replayed into silver.{args.dataset}: {json.dumps(outcome)}")
    return 0


def _demo(args) -> int:
    import os

    from suizhi.governance.lineage import airflow_provider_env
    from suizhi.settings import project_home
    # Airflow's OpenLineage provider reads its transport once, when Airflow loads: set it first.
    os.environ.update(airflow_provider_env(project_home()))
    from suizhi.demo_cli import demo_log, logging_to, run_demo
    log = demo_log(project_home())
    print(f"suizhi demo {args.year} at scale {args.scale:g}, seed {args.seed}: Airflow's and Spark's logs go to {log}",
          flush=True)
    try:
        with logging_to(log) as terminal:
            return run_demo(args.year, args.scale, args.seed, out=terminal)
    except SuizhiError:
        print(f"the demo stopped; the task logs are in {log}", file=sys.stderr)
        raise


def _bench(args) -> int:
    if args.day:
        from suizhi.bench_day import run_day
        return run_day(args.year, args.seed, args.records, anchor=not args.no_anchor)
    from suizhi.bench import run_bench
    return run_bench(args.year, args.scale, args.seed, args.months)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="suizhi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cat = sub.add_parser("catalog", help="the catalog of systems and contracts")
    cat_sub = cat.add_subparsers(dest="action", required=True)
    check = cat_sub.add_parser("check", help="report every problem with its file and field")
    check.add_argument("--root", help="project folder holding conf/ and schemas/")
    check.set_defaults(func=_catalog_check)
    for name, func, text in (("simulate", _simulate, "write a simulated year of source data"),
                             ("demo", _demo, "simulate a year, run the DAGs, print the evaluation"),
                             ("bench", _bench, "print ingest and silver throughput")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--year", type=int, default=2021)
        p.add_argument("--scale", type=float, default=1.0)
        p.add_argument("--seed", type=int, default=2021)
        if name == "bench":
            p.add_argument("--months", type=int, default=3, help="months of the year to run (from January)")
            p.add_argument("--day", action="store_true",
                           help="instead: one day of the city at the seed's volume through bronze, silver and gold")
            p.add_argument("--records", type=int, default=3_000_000, help="new records in the --day (default 3M)")
            p.add_argument("--no-anchor", action="store_true", help="--day without the DuckDB anchor")
        if name == "simulate":
            p.add_argument("--out", help="folder for the drops (default: the environment's sources)")
        p.set_defaults(func=func)
    led = sub.add_parser("ledger", help="the per-system conservation check")
    led.set_defaults(func=_ledger)
    quarantine = sub.add_parser("quarantine", help="rows silver quarantined, with rule and masked value")
    q_sub = quarantine.add_subparsers(dest="action", required=True)
    q_list = q_sub.add_parser("list", help="newest quarantined rows")
    q_list.add_argument("--dataset")
    q_list.add_argument("--system")
    q_list.add_argument("--limit", type=int, default=50)
    q_list.set_defaults(func=_quarantine_list)
    q_replay = q_sub.add_parser("replay", help="run corrected records (JSON lines of id and record) into silver")
    q_replay.add_argument("--dataset", required=True)
    q_replay.add_argument("--file", required=True, help="JSON lines: {\"id\": <quarantine id>, \"record\": {...}}")
    q_replay.set_defaults(func=_quarantine_replay)
    ev = sub.add_parser("evaluate", help="tally a year and write reports/<year>/")
    ev.add_argument("--year", type=int, default=None)
    ev.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels of the reports (default Chinese)")
    ev.add_argument("--pin", metavar="EVALUATION_JSON",
                    help="read the table versions recorded in an earlier evaluation.json")
    ev.set_defaults(func=_evaluate)
    from suizhi.governance_cli import add_commands
    add_commands(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SuizhiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
