"""Every connector kind through real DAG runs: a PostgreSQL table, the API server, CSV in
GBK and XLSX drops. The ledger equals the simulator's ground truth after faults, recovery,
reruns and a landing job killed mid-way."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from suizhi.bronze import land
from suizhi.connectors import Batch
from suizhi.connectors.base import DEFERRED
from suizhi.connectors.connections import CITY_API, DEPARTMENTAL_DB, env_name
from suizhi.connectors.staging import stage_deferred
from suizhi.delta_log import commit_metadata, latest_commit
from suizhi.demo import run_months
from suizhi.errors import RejectedFile, SourceError
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings, extract_system
from suizhi.simulate.serve_api import ApiServer, serving_api
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest
from tests.conftest import MINI, REPO, make_home

pytestmark = pytest.mark.integration
CONNECTORS = {
    "zsj_hotline_12345": {"kind": "jdbc", "conn_id": DEPARTMENTAL_DB, "table": "hotline_ticket_12345", "partitions": 3},
    "wjw_covid_test_baiyun": {"kind": "rest_api", "conn_id": CITY_API, "path": "/systems/{system}/records",
                              "page_size": 100, "backoff_seconds": 0.01, "retries": 2},
    "wjw_covid_test_tianhe": {"kind": "file_drop", "format": "xlsx"},
    "wjw_covid_test_haizhu": {"kind": "file_drop", "format": "csv", "encoding": "gbk"},
}


def _configure(home: Path) -> None:
    systems = home / "conf" / "systems"
    base = yaml.safe_load((systems / "wjw_covid_test_tianhe.yaml").read_text(encoding="utf-8"))
    base.update(id="wjw_covid_test_haizhu", name="海珠区核酸检测信息系统", records_per_year=2400)
    (systems / "wjw_covid_test_haizhu.yaml").write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    for system, connector in CONNECTORS.items():
        path = systems / f"{system}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["connector"] = connector
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _ledger(spark) -> list[dict]:
    rows = read_ledger(spark, Lake(current_settings().lake_root)).drop("landed_at", "silvered_at").collect()
    return sorted((r.asDict() for r in rows), key=lambda r: r["batch_id"])


def _landing(spark, system: str, period: str) -> dict:
    """What the newest bronze commit of the system's dataset says of the system's batch."""
    table = Lake(current_settings().lake_root).table(f"bronze.{current_catalog().systems[system].dataset}")
    return commit_metadata(latest_commit(spark, table))["batches"][f"{system}/{period}"]


def _balanced(spark, manifest, periods: set[str]) -> None:
    rows = _ledger(spark)
    assert len([r for r in rows if r["period"] in periods]) == len(CONNECTORS) * len(periods)
    assert against_manifest(rows, manifest, periods) == []
    assert [r.system for r in conservation(read_ledger(spark, Lake(current_settings().lake_root))).collect()
            if not r.holds] == []


@pytest.fixture(scope="module")
def city(tmp_path_factory, postgres):
    home = make_home(tmp_path_factory.mktemp("sources"), MINI)
    _configure(home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        mp.setenv(env_name(DEPARTMENTAL_DB), postgres)
        manifest = simulate(current_catalog(), 2021, 0.1, 4, Path(current_settings().sources_root))
        run_months(2021, [1, 2])
        yield home, manifest


@pytest.fixture
def here(city, monkeypatch, postgres):
    home, manifest = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    monkeypatch.setenv(env_name(DEPARTMENTAL_DB), postgres)
    return home, manifest


def test_each_kind_lands_exactly_its_ground_truth(spark, here):
    home, manifest = here
    _balanced(spark, manifest, {"2021-01", "2021-02"})
    jdbc = _landing(spark, "zsj_hotline_12345", "2021-02")
    assert jdbc["source"] == {"table": "hotline_ticket_12345", "watermark": "synced_at",
                              "from": "2021-02-01 00:00:00", "to": "2021-03-01 00:00:00"}
    drop = _landing(spark, "wjw_covid_test_haizhu", "2021-02")
    [record] = drop["source"]["files"]
    truth = manifest["systems"]["wjw_covid_test_haizhu"]["months"]["2021-02"]["rows"]
    assert (record["name"], record["rows"]) == ("wjw_covid_test_haizhu_2021-02.csv", truth)
    archived = home / "var" / "sources" / "wjw_covid_test_haizhu" / "_archive"
    assert json.loads((archived / "wjw_covid_test_haizhu_2021-02.csv.json").read_text())["sha256"] == record["sha256"]
    api = _landing(spark, "wjw_covid_test_baiyun", "2021-02")
    total = manifest["systems"]["wjw_covid_test_baiyun"]["months"]["2021-02"]["rows"]
    assert api["source"] == {"api": "/systems/wjw_covid_test_baiyun/records", "pages": -(-total // 100),
                             "total": total}


def _commits() -> dict[str, int]:
    lake = Path(current_settings().lake_root)
    return {str(log.parent.relative_to(lake)): len(list(log.glob("*.json"))) for log in lake.rglob("_delta_log")}


def test_rerunning_a_month_lands_nothing_twice(spark, here):
    """Only the audit moves: it records the ingest, silver, retention and gold runs, which found nothing new."""
    before, commits = _ledger(spark), _commits()
    run_months(2021, [2])
    after = _commits()
    assert after.pop("audit/runs") == commits.pop("audit/runs") + 4
    assert (_ledger(spark), after) == (before, commits)


def test_faulty_sources_are_named_and_the_rerun_balances(spark, here, monkeypatch):
    home, manifest = here
    server = ApiServer(Path(current_settings().sources_root)).start()
    monkeypatch.setenv(env_name(CITY_API), server.uri)
    try:
        server.faults(fail=3)
        with pytest.raises(SourceError, match=r"system wjw_covid_test_baiyun: page 1 of "
                                              r"/systems/wjw_covid_test_baiyun/records\?period=2021-03: "
                                              r"failed after 3 attempts: HTTP 503"):
            extract_system("wjw_covid_test_baiyun", "2021-03")
        drop = home / "var" / "sources" / "wjw_covid_test_haizhu" / "wjw_covid_test_haizhu_2021-03.csv"
        good = drop.read_bytes()
        lines = good.split(b"\n")
        drop.write_bytes(b"\n".join(lines[:5] + [lines[5] + b"\xff\xff"] + lines[6:]))
        with pytest.raises(RejectedFile, match=r"system wjw_covid_test_haizhu: file wjw_covid_test_haizhu_2021-03.csv "
                                               r"line 6: not valid gbk"):
            extract_system("wjw_covid_test_haizhu", "2021-03")
        drop.write_bytes(good)  # the department sends the file again
        run_months(2021, [3])   # the API has recovered
    finally:
        server.stop()
    _balanced(spark, manifest, {"2021-01", "2021-02", "2021-03"})


def test_a_landing_job_killed_mid_way_is_completed_once_by_the_rerun(spark, here, tmp_path):
    home, manifest = here
    lake = Path(current_settings().lake_root)
    with serving_api(Path(current_settings().sources_root)):
        batches = [extract_system(s, "2021-04") for s in sorted(CONNECTORS)]
    listing = tmp_path / "batches.json"
    listing.write_text(json.dumps(batches))
    # One commit at a time, so the kill lands between two datasets' commits however loaded the machine is.
    env_dir = home / "conf" / "env"
    serial = yaml.safe_load((env_dir / "local.yaml").read_text(encoding="utf-8")) | {"parallel_commits": 1}
    (env_dir / "serial.yaml").write_text(yaml.safe_dump(serial), encoding="utf-8")
    logs = lake / "bronze"
    before = {p: len(list(p.glob("*.json"))) for p in logs.glob("*/_delta_log")}
    job = subprocess.Popen([sys.executable, str(REPO / "jobs" / "land_bronze.py"), str(listing)],
                           env=os.environ | {"SUIZHI_ENV": "serial"}, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while all(len(list(p.glob("*.json"))) == n for p, n in before.items()):
            assert job.poll() is None, "the landing job ended before it was killed"
            assert time.monotonic() < deadline, "the landing job committed nothing in 10 minutes"
            time.sleep(0.005)
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # the job's own process group: its Python and Spark's JVM
        job.wait()
    committed = [p.parent.name for p, n in before.items() if len(list(p.glob("*.json"))) > n]
    datasets = {current_catalog().systems[s].dataset for s in CONNECTORS}
    assert committed and len(committed) < len(datasets)
    run_months(2021, [4])
    _balanced(spark, manifest, {"2021-01", "2021-02", "2021-04"})
    landed = {(r["system"], r["period"]) for r in _ledger(spark)}
    for system in CONNECTORS:
        bronze = (spark.read.format("delta").load(str(lake / "bronze" / current_catalog().systems[system].dataset))
                  .where(f"_source_system = '{system}'"))
        assert bronze.count() == sum(m["rows"] for p, m in manifest["systems"][system]["months"].items()
                                     if (system, p) in landed)


def test_a_run_killed_between_the_ledger_and_the_cleanup_loses_nothing(spark, here):
    """The landing job's last steps archive the drops and delete the staged copies. A job
    that died just before them left bronze and the ledger holding May, the drops unarchived
    and every staged copy in place; the rerun lands nothing twice, then cleans up."""
    home, manifest = here
    settings, catalog = current_settings(), current_catalog()
    lake = Lake(settings.lake_root)
    with serving_api(Path(settings.sources_root)):
        batches = [Batch(**extract_system(s, "2021-05")) for s in sorted(CONNECTORS)]
    staged = stage_deferred(spark, lake, catalog, settings.sources_root, batches)
    land(spark, lake, catalog, staged)  # the job's process dies here
    copies = [Path(b.staged.removeprefix(DEFERRED)) for b in staged]
    drops = [Path(settings.sources_root) / s / f"{s}_2021-05.{CONNECTORS[s]['format']}"
             for s in sorted(CONNECTORS) if CONNECTORS[s]["kind"] == "file_drop"]
    assert [p.exists() for p in copies + drops] == [True] * (len(CONNECTORS) + 2)
    run_months(2021, [5])
    _balanced(spark, manifest, {"2021-05"})
    assert [p.exists() for p in copies + drops] == [False] * (len(CONNECTORS) + 2)
    assert all((p.parent / "_archive" / p.name).exists() for p in drops)
    for system in CONNECTORS:  # bronze holds May once
        bronze = (spark.read.format("delta").load(lake.table(f"bronze.{catalog.systems[system].dataset}"))
                  .where(f"_source_system = '{system}' AND _period = '2021-05'"))
        assert bronze.count() == manifest["systems"][system]["months"]["2021-05"]["rows"]
