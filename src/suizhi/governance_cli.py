"""`suizhi lineage`, `suizhi retention` and `suizhi governance report|views`.

Commands, like the rest of `suizhi.cli`: they take the settings and catalog from the runtime,
so they sit above it, not in the governance package the runtime imports."""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def _target(text: str) -> tuple[str, str | None]:
    """`reports/2021/evaluation.json#records_aggregated` -> ('report:2021/evaluation.json', figure)."""
    name, _, figure = text.partition("#")
    if name.startswith("reports/"):
        name = "report:" + name.removeprefix("reports/")
    return name, figure or None


def _figure(settings, report: str, figure: str) -> str:
    data = json.loads((Path(settings.reports_root) / report.removeprefix("report:")).read_text(encoding="utf-8"))
    found = next((i for i in data.get("indicators", []) if i.get("tally") == figure), None)
    if not found:
        return f"{figure}: not in {report}"
    if found["actual"] is None:
        return f"{figure}: not measured ({found.get('detail', {}).get('reason', '')})"
    return f"{figure} = {found['actual']} {found.get('unit', '')}".strip()


def lineage(args) -> int:
    """Print the tree from a table or a report's figure down to its systems. Exit 0 when it reaches
    a source system, or only declarations in conf/ (the standards are counted from a register)."""
    from suizhi.governance.lineage import read_events, trace_tree, upstream
    from suizhi.runtime import current_catalog, current_settings
    settings = current_settings()
    target, figure = _target(args.table)
    events = read_events(settings.home)
    if figure:
        print(_figure(settings, target, figure))
        if f"{target}#{figure}" in upstream(events):
            target = f"{target}#{figure}"
        else:  # an evaluation from before its figures were traced one by one
            print(f"(no lineage event names the figure {figure}: the tree of the whole report follows)")
    found = trace_tree(events, target)
    print("\n".join(found.lines))
    catalog = current_catalog(settings)
    print(f"\n{len(found.systems)} source system(s):")
    for s in found.systems:
        system = catalog.systems.get(s)
        print(f"  {s}  {system.name if system else ''}  {system.department if system else ''}")
    if found.declarations:
        print(f"declared in: {', '.join(found.declarations)}")
    if not found.systems and found.declarations:
        print(f"no source system: {figure or target} is counted from {', '.join(found.declarations)}, "
              "a register the operator keeps under conf/, not data a departmental system sends")
    return 0 if found.systems or found.declarations else 1


def retention(args) -> int:
    from suizhi.governance.policy import load_policy
    from suizhi.governance.retention import purge_bronze
    from suizhi.lake import Lake
    from suizhi.runtime import current_catalog, current_settings, spark_session
    s = current_settings()
    purged = purge_bronze(spark_session(s), Lake(s.lake_root), current_catalog(s), load_policy(s.home),
                          s.sources_root)
    for system, p in purged.items():  # per system, and the readings and batches kept apart at ingest
        print(f"{p.get('table', f'bronze.{system}')}: purged {p['rows']} rows of {len(p['batches'])} batch(es)"
              + (f" of {system}" if "table" in p else "")
              + (f"; deleted {len(p['files'])} delivered file(s) from its landing folder" if "files" in p else ""))
    print(f"{len(purged)} system(s) or kept-apart table(s) purged; recorded in audit.runs")
    return 0


def governance(args) -> int:
    from suizhi.governance.audit import read_audit
    from suizhi.governance.inventory import write_inventory
    from suizhi.governance.policy import load_policy
    from suizhi.governance.roles import create_role_views, load_roles
    from suizhi.lake import Lake
    from suizhi.runtime import current_catalog, current_settings, spark_session
    s = current_settings()
    spark, lake = spark_session(s), Lake(s.lake_root)
    if args.action == "views":
        for role, views in create_role_views(spark, lake, load_roles(s.home)).items():
            print(f"{role}: {', '.join(views)}")
        return 0
    rows = read_audit(spark, lake).where("action = 'silver'").select("protections").collect()
    for path in write_inventory(Path(s.reports_root) / "governance", current_catalog(s), load_policy(s.home), rows):
        print(path)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lineage", help="where a table's or a report figure's rows came from, down to systems")
    p.add_argument("table", help="silver.<dataset>, gold.<table>, bronze.<dataset>, or "
                                 "reports/<year>/evaluation.json#<tally>")
    p.set_defaults(func=lineage)
    p = sub.add_parser("retention", help="purge expired bronze batches (conf/governance.yaml) and VACUUM")
    p.set_defaults(func=retention)
    p = sub.add_parser("governance", help="the governance inventory report, or the role views")
    p.add_argument("action", choices=["report", "views"])
    p.set_defaults(func=governance)
