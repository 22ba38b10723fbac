"""Gold and the evaluation audited and traced: each of the eight figures back to its systems.

The mini catalog with gold's declarations and the operator's own system (zsj_operations)
lands June, when the operator's calendar starts, through the stage functions the DAG tasks
call (runtime.*): silver, gold twice (the second finds silver unchanged and writes
nothing), then the tally and the report. The expected tables and systems are derived from
the catalog, the gold declarations and the lake, not typed in.
"""
from __future__ import annotations

import getpass
import json
import shutil
from pathlib import Path

import pytest
import yaml

from suizhi.cli import main
from suizhi.delta_log import latest_version
from suizhi.evaluation.config import load_evaluation
from suizhi.gold.declarations import load_dimensions, load_indicators
from suizhi.gold.topics import load_topics
from suizhi.governance.audit import read_audit
from suizhi.governance.lineage import read_events, trace_tree
from suizhi.lake import Lake
from suizhi.runtime import (
    build_gold_tables,
    build_silver_tables,
    current_catalog,
    current_settings,
    extract_system,
    land_batches,
    report_year,
    tally_year,
)
from suizhi.simulate.writer import simulate
from tests.conftest import MINI, REPO, make_home

pytestmark = pytest.mark.spark
REPORT = "report:2021/evaluation.json"
# What each figure is counted from (suizhi.evaluation.tally and lake_measures): the evaluation's definition.
COUNTED_FROM = {
    "records_aggregated": ["ledger.batches"],
    "monitoring_indicators": ["gold.indicator_values", "gold.indicators"],
    "warning_indicators": ["gold.indicator_values", "gold.indicators"],
    "analysis_reports": ["gold.report_register"],
    "topics_processed": ["gold.report_register", "gold.topic_activity"],
    "major_event_support": ["silver.operation_record"],
    "venue_uptime": ["silver.operation_record"],
    "standards": ["conf/standards.yaml"],
}


@pytest.fixture(scope="module")
def traced(spark, tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("traced"), MINI)
    # Gold's declarations are written against the full contracts, which the mini catalog trims.
    for dataset in ("hotline_ticket", "covid_test", "operation_record"):
        shutil.copy(REPO / "schemas" / f"{dataset}.yaml", home / "schemas")
        shutil.copy(REPO / "expectations" / f"{dataset}.yaml", home / "expectations")
    shutil.copytree(REPO / "conf" / "indicators", home / "conf" / "indicators")
    shutil.copy(REPO / "conf" / "standards.yaml", home / "conf")
    system = yaml.safe_load((REPO / "conf" / "systems" / "zsj_operations.yaml").read_text(encoding="utf-8"))
    system["topics"] = []  # the mini catalog has no event_support topic
    (home / "conf" / "systems" / "zsj_operations.yaml").write_text(yaml.safe_dump(system, allow_unicode=True),
                                                                    encoding="utf-8")
    (home / "conf" / "topics").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        settings, catalog = current_settings(), current_catalog()
        for topic in catalog.topics:
            shutil.copy(REPO / "conf" / "topics" / f"{topic}.yaml", home / "conf" / "topics")
        simulate(catalog, 2021, 0.1, 3, Path(settings.sources_root))
        land_batches([extract_system(s, "2021-06") for s in sorted(catalog.systems)])
        build_silver_tables()
        built = build_gold_tables()
        assert build_gold_tables() == {"skipped": True}
        report_year(tally_year(2021))
        yield home, Lake(settings.lake_root), catalog, built


def _gold_tables(lake: Lake) -> list[str]:
    return sorted(f"gold.{p.parent.name}" for p in (Path(lake.root) / "gold").glob("*/_delta_log"))


def _versions(spark, lake: Lake, tables) -> dict[str, int | None]:
    return {t: latest_version(spark, lake.table(t)) for t in tables}


def _audit(spark, lake: Lake, action: str) -> list[dict]:
    rows = read_audit(spark, lake).where(f"action = '{action}'").orderBy("recorded_at").collect()
    return [{"status": r.status, "started_by": r.started_by, "reads": json.loads(r.reads),
             "writes": json.loads(r.writes), "details": json.loads(r.details)} for r in rows]


def _declared(home: Path, catalog) -> tuple[set[str], set[str], set[str]]:
    """The datasets of this catalog that gold's indicators, its topics and its district figures draw on."""
    indicators = {i.source for i in load_indicators(home)}
    topics = {s.dataset for t in load_topics(home, catalog, check_sources=False).values() for s in t.sources}
    district = load_dimensions(home)["district"].column
    located = {d for d in catalog.datasets() if district in {c.name for c in catalog.contracts[d].columns}}
    return indicators & set(catalog.datasets()), topics & set(catalog.datasets()), located


def test_gold_writes_an_audit_row_per_run_with_what_it_read_and_wrote(spark, traced):
    home, lake, catalog, built = traced
    gold = _gold_tables(lake)
    topics = [t for t in gold if t.startswith("gold.topic_") and t != "gold.topic_activity"]
    assert topics == sorted(f"gold.topic_{t}" for t in catalog.topics)  # each topic's sources have rows
    drawn = set.union(*_declared(home, catalog))
    assert "operation_record" not in drawn  # the operator's records feed no gold table: gold does not read them
    read = _versions(spark, lake, [*(f"silver.{d}" for d in sorted(drawn)), "ledger.batches"])

    def rows(table: str) -> list:
        return spark.read.format("delta").load(lake.table(table)).collect()

    done = {"periods": ["2021-06"], "values": len(rows("gold.indicator_values")), "alerts": len(rows("gold.alerts")),
            "topic_rows": sum(r["rows"] for r in rows("gold.topic_activity")),
            "reports": len(rows("gold.report_register")), "items": len(rows("gold.vital_sign_items"))}
    assert built == done
    cli = f"cli:{getpass.getuser()}"
    # Every gold table is new, one commit each; the rerun reads the same versions and writes nothing.
    assert _audit(spark, lake, "gold") == [
        {"status": "success", "started_by": cli, "reads": read, "writes": dict.fromkeys(gold, [None, 0]),
         "details": done},
        {"status": "success", "started_by": cli, "reads": read, "writes": {}, "details": {"skipped": True}}]


def test_the_evaluation_audits_each_figures_tables_at_the_versions_the_tally_read(spark, traced):
    _, lake, _, _ = traced
    # Besides the figures' tables: quality by dimension, and the vital-sign items 目标实际完成情况 states.
    tables = sorted({t for ts in COUNTED_FROM.values() for t in ts if not t.startswith("conf/")}
                    | {"quality.scores", "gold.vital_sign_items"})
    read = _versions(spark, lake, tables)
    figures = {f: {t: read.get(t) for t in ts} for f, ts in COUNTED_FROM.items()}
    assert _audit(spark, lake, "evaluation") == [
        {"status": "success", "started_by": f"cli:{getpass.getuser()}", "reads": read, "writes": {},
         "details": {"read": read, "figures": figures}}]


def _systems(catalog, datasets) -> list[str]:
    return sorted(s.id for s in catalog.systems.values() if s.dataset in set(datasets))


def _nodes(lines: list[str]) -> set[str]:
    """The datasets of a printed tree."""
    return {line.strip().removesuffix(" (see above)") for line in lines if not line.strip().startswith("<- ")}


def test_every_figure_traces_through_gold_and_silver_to_its_systems(traced):
    home, _, catalog, _ = traced
    events = read_events(home)
    tallies = sorted(i.tally for i in load_evaluation(home / "conf" / "evaluation" / "2021.yaml").indicators)
    assert sorted(COUNTED_FROM) == tallies
    landed = sorted(catalog.systems)  # the ledger, which every report's volumes read, holds them all
    indicators, drawn_by_topics, located = _declared(home, catalog)
    topics = sorted(catalog.topics)
    expected = {
        "records_aggregated": landed,
        "monitoring_indicators": _systems(catalog, indicators),
        "warning_indicators": _systems(catalog, indicators),
        "analysis_reports": landed,
        "topics_processed": sorted(set(landed) | set(_systems(catalog, drawn_by_topics))),
        "major_event_support": _systems(catalog, {"operation_record"}),
        "venue_uptime": _systems(catalog, {"operation_record"}),
        "standards": [],
    }
    assert expected["monitoring_indicators"] == ["zsj_hotline_12345"]  # the only indicator source held
    found = {t: trace_tree(events, f"{REPORT}#{t}") for t in tallies}
    assert {t: f.systems for t, f in found.items()} == expected
    # The first step down from each figure is the tables it was counted from.
    assert {t: [line.strip().removesuffix(" (see above)") for line in f.lines
                if line.startswith("    ") and not line.startswith("     ")] for t, f in found.items()} == COUNTED_FROM
    gold_topics = {f"gold.topic_{t}" for t in topics}
    through = {
        "monitoring_indicators": {"gold.indicator_values", "silver.hotline_ticket", "bronze.hotline_ticket"},
        # The reports draw on every gold table, and on the ledger for their volumes (so on every bronze table).
        "analysis_reports": {"gold.report_register", "gold.indicator_values", "gold.district_values", "gold.alerts",
                             "gold.topic_activity", *gold_topics, "ledger.batches",
                             *(f"silver.{d}" for d in indicators | drawn_by_topics | located),
                             *(f"bronze.{d}" for d in catalog.datasets())},
        "topics_processed": {"gold.topic_activity", *gold_topics, "silver.covid_test", "silver.hotline_ticket"},
        "venue_uptime": {"silver.operation_record", "bronze.operation_record", "source:zsj_operations"},
    }
    assert {t: nodes <= _nodes(found[t].lines) for t, nodes in through.items()} == dict.fromkeys(through, True)
    # The indicators' and topics' declarations are reached too; the standards reach only their register.
    assert {t: f.declarations for t, f in found.items()} == {
        **{t: [] for t in ("records_aggregated", "major_event_support", "venue_uptime")},
        "monitoring_indicators": ["conf/indicators"], "warning_indicators": ["conf/indicators"],
        "analysis_reports": ["conf/indicators", *sorted(f"conf/topics/{t}.yaml" for t in topics)],
        "topics_processed": ["conf/indicators", *sorted(f"conf/topics/{t}.yaml" for t in topics)],
        "standards": ["conf/standards.yaml"]}


def test_gold_tables_are_each_written_by_their_own_job_under_the_gold_run(traced):
    home, lake, _, _ = traced
    events = [e for e in read_events(home) if e["job"]["name"].startswith("suizhi.gold")]
    runs = {e["run"]["runId"] for e in events if e["job"]["name"] == "suizhi.gold"}
    children = {e["job"]["name"] for e in events if e["job"]["name"] != "suizhi.gold"}
    assert len(runs) == 2 and children == {f"suizhi.{t}" for t in _gold_tables(lake)}
    assert {e["run"]["facets"]["parent"]["run"]["runId"] for e in events if e["job"]["name"] in children} == runs
    written = {(e["job"]["name"], o["name"]) for e in events if e["eventType"] == "COMPLETE" for o in e["outputs"]}
    assert written == {(f"suizhi.{t}", t) for t in _gold_tables(lake)}


def test_suizhi_lineage_prints_each_figures_tree_and_says_the_standards_have_no_system(traced, capsys, monkeypatch):
    home, _, catalog, _ = traced
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    evaluation = json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    actual = {i["tally"]: i["actual"] for i in evaluation["indicators"]}
    printed = {}
    for tally in COUNTED_FROM:
        assert main(["lineage", f"reports/2021/evaluation.json#{tally}"]) == 0, tally
        printed[tally] = capsys.readouterr().out.splitlines()
    assert {t: lines[0].split(" = ")[0] for t, lines in printed.items()} == {t: t for t in COUNTED_FROM}
    assert {t: lines[0].split(" = ")[1].split()[0] for t, lines in printed.items()} == {
        t: str(v) for t, v in actual.items()}
    assert {t: lines[1] for t, lines in printed.items()} == {t: f"{REPORT}#{t}" for t in COUNTED_FROM}
    ops = catalog.systems["zsj_operations"]
    assert printed["venue_uptime"][-2:] == ["1 source system(s):", f"  zsj_operations  {ops.name}  {ops.department}"]
    assert printed["standards"][-3:] == [
        "0 source system(s):", "declared in: conf/standards.yaml",
        "no source system: standards is counted from conf/standards.yaml, a register the operator keeps under "
        "conf/, not data a departmental system sends"]
