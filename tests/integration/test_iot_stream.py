"""An IoT system of kind iot_stream through the real DAGs: readings delivered as many small
files, streamed into bronze with a watermark, the ledger equal to the simulator's ground
truth (re-sent readings dropped, late ones kept apart, a broken line rejected by name),
the silent devices named, and a rerun or a replayed micro-batch landing nothing twice."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from delta.tables import DeltaTable

from suizhi.connectors import Batch
from suizhi.connectors.iot_stream import ACTIVITY, ARCHIVE, READINGS, REJECTED, STREAM_BATCHES, land_stream
from suizhi.demo import run_months
from suizhi.governance.policy import load_policy
from suizhi.governance.retention import purge_bronze
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings, extract_system
from suizhi.simulate.iot import GATEWAY
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest
from tests.conftest import MINI, make_home
from tests.iot_home import IOT_SYSTEM, add_iot_system

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("iot"), MINI)
    add_iot_system(home)
    for other in (home / "conf" / "systems").glob("wjw_covid_test_*.yaml"):
        other.unlink()  # the hotline's file drop stays as the IoT system's neighbour in the ledger
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        sources = Path(current_settings().sources_root)
        manifest = simulate(current_catalog(), 2021, 0.1, 4, sources)
        # A gateway garbles a line of a February file, and a device on new firmware adds a field
        # the contract refuses: the stream must reject both, by file and line.
        broken = sorted((sources / GATEWAY / IOT_SYSTEM / "2021-02").rglob("*.jsonl"))[0]
        text = broken.read_text(encoding="utf-8")
        drifted = json.loads(text.splitlines()[0]) | {"firmware": "v2.1"}
        broken.write_text(text + '{"sensor_id": "GP000003", "observed_at\n' + json.dumps(drifted) + "\n",
                          encoding="utf-8")
        month = manifest["systems"][IOT_SYSTEM]["months"]["2021-02"]
        month.update(received=month["received"] + 2, ingest_rejected=month["ingest_rejected"] + 2)
        run_months(2021, [1, 2])
        yield home, manifest | {"broken": (broken.name, len(text.splitlines()) + 1)}


@pytest.fixture
def here(city, monkeypatch):
    home, manifest = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    return Lake(current_settings().lake_root), manifest


def _ledger(spark, lake) -> list[dict]:
    rows = read_ledger(spark, lake).drop("landed_at", "silvered_at").collect()
    return sorted((r.asDict() for r in rows), key=lambda r: r["batch_id"])


def _table(spark, lake, name):
    return spark.read.format("delta").load(lake.table(name))


def test_the_ledger_equals_the_ground_truth_with_the_streams_own_figures(spark, here):
    lake, manifest = here
    rows = _ledger(spark, lake)
    assert against_manifest(rows, manifest, {"2021-01", "2021-02"}) == []
    assert [r.system for r in conservation(read_ledger(spark, lake)).collect() if not r.holds] == []
    iot = {r["period"]: (r["rows_read"], r["rows_landed"], r["ingest_duplicates"], r["ingest_rejected"],
                         r["inserted"], r["duplicates"], r["superseded"], r["quarantined"])
           for r in rows if r["system"] == IOT_SYSTEM}
    # read = landed + re-sent + kept apart; landed = inserted + quarantined
    assert iot == {"2021-01": (57, 56, 1, 0, 54, 0, 0, 2), "2021-02": (53, 48, 2, 3, 48, 0, 0, 0)}
    others = [r for r in rows if r["system"] != IOT_SYSTEM]
    assert others and all(r["ingest_duplicates"] is None and r["ingest_rejected"] is None for r in others)
    assert _table(spark, lake, "bronze.gas_pressure_reading").where(f"_source_system = '{IOT_SYSTEM}'").count() \
        == 56 + 48
    assert _table(spark, lake, "silver.gas_pressure_reading").count() == 54 + 48


def test_late_and_broken_readings_are_kept_apart_with_their_reason(spark, here):
    lake, manifest = here
    rejected = {r.reason: r for r in _table(spark, lake, REJECTED).collect()}
    late = rejected.pop("late beyond watermark: observed_at before 2021-01-29 16:52:39 "
                        "(newest reading 2021-01-31 16:52:39 less 2 days)")
    assert (late.period, late.device, late.reading_time, late._source_file, late._source_line) == (
        "2021-02", "GP000008", "2021-01-14 05:42:27", "cgj_gas_pipeline_iot_20210205_0.jsonl", 1)
    name, line = manifest["broken"]
    broken = rejected.pop("malformed JSON line: not a JSON object")
    assert (broken.period, broken._source_file, broken._source_line) == ("2021-02", name, line)
    assert broken.record == '{"sensor_id": "GP000003", "observed_at'
    drifted = rejected.pop("unexpected columns: firmware (schemas/gas_pressure_reading.yaml new_columns: refuse)")
    assert ((drifted._source_file, drifted._source_line, json.loads(drifted.record)["firmware"])
            == (name, line + 1, "v2.1"))
    assert rejected == {}
    batches = sorted((r.period, r.stream_batch, r.files, r.watermark)
                     for r in _table(spark, lake, STREAM_BATCHES).collect())
    assert batches == [("2021-01", 0, 33, None), ("2021-02", 1, 37, "2021-01-29 16:52:39")]


def test_the_silent_devices_of_each_month_are_named(spark, here):
    lake, manifest = here
    activity = {r.period: {"registered": r.registered, "reported": r.reported, "silent": list(r.silent_devices)}
                for r in _table(spark, lake, ACTIVITY).collect()}
    truth = manifest["systems"][IOT_SYSTEM]["months"]
    assert activity == {p: truth[p]["devices"] for p in ("2021-01", "2021-02")}
    assert activity["2021-02"] == {"registered": 12, "reported": 11, "silent": ["GP000012"]}
    landings = [json.loads(r.details) for r in _table(spark, lake, "audit.runs").collect()
                if r.action == "land" and "devices" in json.loads(r.details)]
    assert sorted(d["devices"][IOT_SYSTEM]["silent"][0] for d in landings) == ["GP000002", "GP000012"]


def test_streamed_files_are_archived_once_the_next_micro_batch_starts_with_their_sha256(spark, here):
    """January's files moved to _archive when February's micro-batch started; February's
    wait in the landing folder for the next run; the bronze commits name every file's hash."""
    lake, manifest = here
    folder = Path(current_settings().sources_root) / IOT_SYSTEM
    archived = {p.name: p for p in (folder / ARCHIVE).rglob("*.jsonl")}
    waiting = {p.name for p in (folder / READINGS).rglob("*.jsonl")}
    truth = manifest["systems"][IOT_SYSTEM]["months"]
    assert (len(archived), len(waiting)) == (truth["2021-01"]["files"], truth["2021-02"]["files"]) == (33, 37)
    hashes = {}
    for commit in DeltaTable.forPath(spark, lake.table("bronze.gas_pressure_reading")).history().collect():
        meta = json.loads(commit.userMetadata or "{}")
        if meta.get("batch_id", "").startswith(f"{IOT_SYSTEM}/"):
            hashes.update(meta.get("source", {}).get("sha256", {}))
    assert set(hashes) == set(archived) | waiting
    assert {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in archived.items()} == {
        n: hashes[n] for n in archived}

def _versions() -> dict[str, int]:
    lake = Path(current_settings().lake_root)
    return {str(log.parent.relative_to(lake)): len(list(log.glob("*.json"))) for log in lake.rglob("_delta_log")}


def test_rerunning_a_month_lands_nothing_twice(spark, here):
    lake, _ = here
    before, versions = _ledger(spark, lake), _versions()
    run_months(2021, [2])
    after = _versions()
    assert after.pop("audit/runs") == versions.pop("audit/runs") + 4  # ingest, silver, retention and gold
    assert (_ledger(spark, lake), after) == (before, versions)


def test_a_micro_batch_replayed_after_a_crash_lands_nothing_twice(spark, here):
    """The checkpoint loses February's commit, as when the job dies after the writes and
    before Spark records the micro-batch: the replay finds its writes done and adds nothing."""
    lake, _ = here
    for name in ("1", ".1.crc"):  # the commit and the local file system's checksum of it
        (Path(lake.checkpoint(IOT_SYSTEM)) / "commits" / name).unlink(missing_ok=True)
    versions = _versions()
    batch = Batch(**extract_system(IOT_SYSTEM, "2021-02"))
    row = land_stream(spark, lake, current_catalog(), batch)
    assert (row["rows_read"], row["rows_landed"], row["ingest_duplicates"], row["ingest_rejected"]) == (53, 48, 2, 3)
    assert _versions() == versions
    assert (Path(lake.checkpoint(IOT_SYSTEM)) / "commits" / "1").exists()


def test_retention_purges_the_readings_kept_apart_with_their_batch(spark, here):
    """Kept-apart readings are raw lines (a caller, an address): they go when their batch's
    bronze rows go, the audit names the table, and the ledger still counts them."""
    lake, manifest = here
    policy = load_policy(current_settings().home)
    policy = policy.model_copy(update={"retention": policy.retention.model_copy(update={
        "bronze": policy.retention.bronze.model_copy(update={"vacuum_hours": 0})})})
    ledger = _ledger(spark, lake)
    later = datetime.now(UTC) + timedelta(days=policy.retention.bronze.days + 1)
    purged = purge_bronze(spark, lake, current_catalog(), policy, current_settings().sources_root, now=later)
    truth = manifest["systems"][IOT_SYSTEM]["months"]
    assert {k: (p["batches"], p["rows"]) for k, p in purged.items() if k != "zsj_hotline_12345"} == {
        IOT_SYSTEM: ([f"{IOT_SYSTEM}/2021-01", f"{IOT_SYSTEM}/2021-02"], 56 + 48),
        "_rejected_readings": ([f"{IOT_SYSTEM}/2021-02"], truth["2021-02"]["ingest_rejected"])}
    assert truth["2021-02"]["ingest_rejected"] == 3 and _table(spark, lake, REJECTED).count() == 0
    # January's reading files, archived when February's micro-batch started, go with the batch;
    # February's wait in the landing folder until the next run's micro-batch archives them.
    folder = Path(current_settings().sources_root) / IOT_SYSTEM
    assert len(purged[IOT_SYSTEM]["files"]) == truth["2021-01"]["files"] == 33
    assert list((folder / ARCHIVE).rglob("*.jsonl")) == []
    assert purge_bronze(spark, lake, current_catalog(), policy, current_settings().sources_root, now=later) == {}
    record = [r for r in _table(spark, lake, "audit.runs").orderBy("recorded_at").collect()
              if r.action == "retention"][-2]
    assert json.loads(record.writes)[REJECTED] == [None, purged["_rejected_readings"]["version"]]
    assert _ledger(spark, lake) == ledger
