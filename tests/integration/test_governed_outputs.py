"""Everything the pipeline produces, searched for the simulator's personal data and the key.

The mini catalog runs a quarter through the real Airflow DAGs (ingest, silver,
gold), then the evaluation and the governance report, in a process of its own whose
whole output is kept as the task log `var/log/dag_runs.log`, with Airflow's file logs
under `var/log/airflow` and its OpenLineage provider writing task events beside the
stages' events. Then every Delta table but bronze (every string cell, nested values as
JSON), every other file under the lake but bronze's (Parquet value by value, the rest byte
by byte: logs and statistics of the tables, staging, checkpoints), every file under
reports/ (workbooks cell by cell), the lineage events, the logs and Airflow's metadata
database (XComs, rendered fields, its log table) are searched. Last, retention purges the
quarter and the landing archives and the whole lake, bronze too, are searched again.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from suizhi.catalog import load_catalog
from suizhi.governance.lineage import AIRFLOW_EVENTS, EVENTS, airflow_provider_env, read_events, trace
from suizhi.governance.policy import load_policy
from suizhi.governance.retention import purge_bronze
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate
from tests.clear_text import Needles, file_cells, read_drops, sqlite_cells, table_cells
from tests.conftest import MINI, REPO, make_home

pytestmark = pytest.mark.integration
# The livelihood theme alone: the hotline is the catalog's one source of indicators.
LIVELIHOOD_PLAN = "version: 1\nthemes:\n  - {id: livelihood, name: 民生服务, domains: [民生服务]}\n"
SYSTEMS = ["wjw_covid_test_baiyun", "wjw_covid_test_tianhe", "zsj_hotline_12345"]
PERIODS = ["2021-01", "2021-02", "2021-03"]  # a whole quarter: its quarterly report too
# A script file, not `python -c`: pyspark takes a __main__ without a file for its doctests and exits.
RUN = """import sys
from suizhi.cli import main
from suizhi.demo import evaluate, run_months
run_months(2021, [1, 2, 3])
evaluate(2021)
sys.exit(main(["governance", "report"]))
"""


@pytest.fixture(scope="module")
def produced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outputs")
    home = make_home(tmp, MINI)
    (tmp / "run_pipeline.py").write_text(RUN, encoding="utf-8")
    # Gold's declarations are written against the full contracts, which the mini catalog trims.
    for dataset in ("hotline_ticket", "covid_test"):
        shutil.copy(REPO / "schemas" / f"{dataset}.yaml", home / "schemas")
        shutil.copy(REPO / "expectations" / f"{dataset}.yaml", home / "expectations")
    shutil.copytree(REPO / "conf" / "indicators", home / "conf" / "indicators")
    (home / "conf" / "reports.yaml").write_text(LIVELIHOOD_PLAN, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        (home / "conf" / "topics").mkdir()
        catalog = current_catalog()
        for topic in catalog.topics:
            shutil.copy(REPO / "conf" / "topics" / f"{topic}.yaml", home / "conf" / "topics")
        sources = Path(current_settings().sources_root)
        manifest = simulate(catalog, 2021, 0.1, 11, sources)
        drops = read_drops(sources, SYSTEMS, PERIODS)  # before landing archives them
        needles = Needles.from_sources(drops, catalog.contracts, {s: catalog.systems[s].dataset for s in SYSTEMS})
        log = home / "var" / "log" / "dag_runs.log"
        log.parent.mkdir(parents=True)
        env = {**os.environ, "SUIZHI_HOME": str(home), "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
               "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "var" / "log" / "airflow"),
               **airflow_provider_env(home)}
        started = time.monotonic()
        with log.open("wb") as out:
            done = subprocess.run([sys.executable, str(tmp / "run_pipeline.py")], cwd=home, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, check=False)
        print(f"DAG runs: {time.monotonic() - started:.0f} s")
        assert done.returncode == 0, log.read_text(encoding="utf-8", errors="replace")[-4000:]
        yield home, manifest, needles


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _airflow_db() -> Path:
    from airflow.configuration import conf
    url = conf.get("database", "sql_alchemy_conn")
    assert url.startswith("sqlite:///"), url
    return Path(url.removeprefix("sqlite:///"))


def _tables(lake: Path) -> dict[str, Path]:
    return {".".join(p.parent.relative_to(lake).parts): p.parent for p in sorted(lake.rglob("_delta_log"))}


def test_no_identifier_from_the_sources_is_in_clear_text_anywhere(spark, produced):
    home, manifest, needles = produced
    planted = sum(manifest["systems"][SYSTEMS[2]]["months"][p]["identifiers_in_text"] for p in PERIODS)
    assert planted > 0 and {k: needles.count(k) for k in ("citizen_id", "phone", "name")} == {
        "citizen_id": 169, "phone": 291, "name": 286}
    tables = {n: p for n, p in _tables(home / "lake").items() if not n.startswith("bronze.")}
    assert sorted(tables) == [
        "audit.runs", "gold.alerts", "gold.district_values", "gold.indicator_values", "gold.indicators",
        "gold.report_register", "gold.topic_activity", "gold.topic_epidemic_control", "gold.topic_hotline",
        "gold.vital_sign_items",
        "ledger.batches", "quality.results", "quality.scores", "quarantine.covid_test", "quarantine.hotline_ticket",
        "silver.covid_test", "silver.hotline_ticket"]
    found = []
    cells = 0
    for name, path in tables.items():
        table = table_cells(spark, path, name)
        cells += len(table)
        found += needles.find(table)
    reports = _files(home / "reports")
    made = [str(p.relative_to(home)) for p in reports if "assets" not in p.parts and "static" not in p.parts
            and "validations" not in p.parts]
    assert made == [f"reports/{f}" for f in (
        "2021/evaluation.csv", "2021/evaluation.html", "2021/evaluation.json", "2021/evaluation.md",
        "2021/evaluation.xlsx", "2021/operations/monthly/2021-01.html", "2021/operations/monthly/2021-01.md",
        "2021/operations/monthly/2021-02.html", "2021/operations/monthly/2021-02.md",
        "2021/operations/monthly/2021-03.html", "2021/operations/monthly/2021-03.md",
        "2021/operations/quarterly/2021-Q1.html", "2021/operations/quarterly/2021-Q1.md",
        "2021/operations/theme/livelihood.html", "2021/operations/theme/livelihood.md",
        "2021/operations/topic/epidemic_control.html", "2021/operations/topic/epidemic_control.md",
        "2021/operations/topic/hotline.html", "2021/operations/topic/hotline.md", "2021/tally.json",
        "2021/volumes.csv", "governance/index.html", "governance/inventory.xlsx",
        "quality/gx/expectations/covid_test.html", "quality/gx/expectations/hotline_ticket.html",
        "quality/gx/index.html", "quality/scorecard.html",
        "quality/scorecard.xlsx")]
    # Besides: the charts' script with its licence per folder (4 x 3), GX's Data Docs page of the
    # run's validation of each dataset (2) and its static fonts, images and styles (20).
    assert len(reports) == len(made) + 12 + 2 + 20
    lineage, logs = _files(home / "var" / "lineage"), _files(home / "var" / "log")
    assert [p.name for p in lineage] == ["airflow.jsonl", "events.jsonl"]
    assert [p.relative_to(home / "var" / "log").as_posix() for p in logs] == ["dag_runs.log"]
    assert "[DAG TEST] end task task_id=land" in logs[0].read_text(encoding="utf-8")
    for path in reports + lineage + logs:
        found += needles.find(file_cells(path, home))
    # Every other file of the lake: the tables' data files one by one (removed ones too), their
    # logs with the column statistics, checkpoints, and what staging still holds (nothing).
    lake = home / "lake"
    outside = [p for p in _files(lake) if not p.is_relative_to(lake / "bronze")]
    assert sorted({p.relative_to(lake).parts[0] for p in outside}) == ["audit", "gold", "ledger", "quality",
                                                                       "quarantine", "silver"]
    assert sorted(p.name for p in (lake / "staging").iterdir()) == SYSTEMS  # each batch was staged, then deleted
    for path in outside:
        found += needles.find(file_cells(path, home))
    # Airflow's metadata database: the extract tasks' XComs (each names its batch's files) and the rest.
    airflow = sqlite_cells(_airflow_db())
    assert {f"{s}_{p}" for s in SYSTEMS for p in PERIODS} <= {
        name.split(".")[0] for _, text in airflow for name in re.findall(r"[a-z0-9_]+_2021-0[1-3]\.\w+", text)}
    found += needles.find(airflow)
    print(f"scanned {len(tables)} tables ({cells} string cells), {len(outside)} other lake files, "
          f"{len(reports)} report files, {len(lineage)} lineage files, {len(logs)} log and {len(airflow)} "
          f"cells of Airflow's database for {len(needles.category)} identifiers")
    assert found == [], "identifiers in clear text:\n" + "\n".join(f"{w}: {v}" for w, v in found[:50])


def test_the_key_is_in_no_table_report_lineage_event_or_log(produced):
    home, _, _ = produced
    key = os.environ["SUIZHI_PSEUDONYM_KEY"].encode()
    tables = _tables(home / "lake")
    datasets = {load_catalog(home).systems[s].dataset for s in SYSTEMS}
    assert len(tables) == 17 + len(datasets)  # bronze too: one table per dataset
    areas = {area: _files(home / area) for area in ("lake", "reports", "var/lineage", "var/log")}
    assert all(any(p.is_relative_to(t) for p in areas["lake"]) for t in tables.values())
    # dag.test() runs tasks in this process, so their log is its output: no file under var/log/airflow.
    # Every table's log and data files are searched; their number follows Spark's partitioning, not the test.
    assert all(sum(p.is_relative_to(t) and p.suffix == ".parquet" for p in areas["lake"]) > 0 for t in tables.values())
    assert {a: len(f) for a, f in areas.items() if a != "lake"} == {"reports": 62, "var/lineage": 2, "var/log": 1}
    print(f"{sum(map(len, areas.values()))} files searched for the key, {len(areas['lake'])} of them in the lake")
    assert [str(p) for files in areas.values() for p in files if key in p.read_bytes()] == []


def _rebuilt(event: dict):
    """The event through the OpenLineage client's schema-generated model (its validators run)."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    return RunEvent(eventType=RunState(event["eventType"]), eventTime=event["eventTime"],
                    run=Run(runId=event["run"]["runId"]), job=Job(event["job"]["namespace"], event["job"]["name"]),
                    inputs=[InputDataset(d["namespace"], d["name"]) for d in event["inputs"]],
                    outputs=[OutputDataset(d["namespace"], d["name"]) for d in event["outputs"]],
                    producer=event["producer"])


def test_airflow_task_events_land_beside_the_stages_events(produced):
    home, _, _ = produced
    stages, tasks = (read_events(home, f) for f in (EVENTS, AIRFLOW_EVENTS))
    # Per month: ingest 3 mapped extracts and land, silver build and purge, gold build, each
    # START and COMPLETE, and each DAG run's COMPLETE; then the evaluation's two tasks and its run.
    assert len(tasks) == len(PERIODS) * (2 * (3 + 1 + 2 + 1) + 3) + 2 * 2 + 1
    assert sorted({(e["job"]["name"], e["eventType"]) for e in tasks}) == sorted(
        [(f"suizhi_{d}", "COMPLETE") for d in ("evaluation", "gold", "ingest", "silver")]
        + [(f"suizhi_{t}", s) for t in ("evaluation.report", "evaluation.tally", "gold.build", "ingest.extract",
                                        "ingest.land", "silver.build", "silver.purge_expired_bronze")
           for s in ("START", "COMPLETE")])
    for event in stages + tasks:
        assert event["schemaURL"].startswith("https://openlineage.io/spec/2-0-")
        assert event["job"]["namespace"] == "suizhi"
        assert _rebuilt(event).eventType.value == event["eventType"]
    # Each stage's run hangs under the Airflow task that ran it, its children under the stage.
    task_runs = {(e["job"]["name"], e["run"]["runId"]) for e in tasks}
    stage_runs = {(e["job"]["name"], e["run"]["runId"]) for e in stages}
    parents = {(e["job"]["name"], (p := e["run"]["facets"]["parent"])["job"]["name"], p["run"]["runId"])
               for e in stages}
    assert {job for job, parent, run in parents if (parent, run) in task_runs} == {
        "suizhi.land", "suizhi.silver", "suizhi.gold", "suizhi.evaluation"}
    assert all((parent, run) in task_runs | stage_runs for _, parent, run in parents)
    _, systems = trace(stages, "report:2021/evaluation.json")
    assert systems == SYSTEMS


def test_the_scan_finds_every_identifier_in_bronze(spark, produced):
    """The same search over the raw layer finds each identifier: the scan above is not blind."""
    home, _, needles = produced
    cells = [c for n, p in _tables(home / "lake").items() if n.startswith("bronze.") for c in table_cells(spark, p, n)]
    assert len(needles.find(cells)) == len(needles.category) == 746


def test_after_retention_no_raw_copy_of_the_quarter_remains(spark, produced, monkeypatch):
    """Runs last: it purges what the tests above read. Past the bronze retention, the
    quarter's rows leave bronze, the delivered files leave the landing archives (their
    records of name, sha-256 and rows stay), and no file of the lake holds an identifier."""
    home, manifest, needles = produced
    policy = load_policy(home)
    policy = policy.model_copy(update={"retention": policy.retention.model_copy(update={
        "bronze": policy.retention.bronze.model_copy(update={"vacuum_hours": 0})})})
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    sources = Path(current_settings().sources_root)
    later = datetime.now(UTC) + timedelta(days=policy.retention.bronze.days + 1)
    purged = purge_bronze(spark, Lake(str(home / "lake")), load_catalog(home), policy, str(sources), now=later)
    assert {s: (p["batches"], p["rows"], len(p["files"])) for s, p in purged.items()} == {
        s: ([f"{s}/{p}" for p in PERIODS], sum(manifest["systems"][s]["months"][p]["rows"] for p in PERIODS),
            len(PERIODS)) for s in SYSTEMS}
    archived = [p for s in SYSTEMS for p in _files(sources / s / "_archive")]
    assert sorted(p.name for p in archived) == sorted(f"{f}.json" for s in SYSTEMS for f in
                                                      (Path(name).name for name in purged[s]["files"]))
    found = []
    for path in archived + _files(home / "lake"):
        found += needles.find(file_cells(path, home))
    assert found == [], "identifiers in clear text after retention:\n" + "\n".join(f"{w}: {v}" for w, v in found[:50])
