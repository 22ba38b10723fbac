"""A contract whose drift policy quarantines: a batch with an added or a missing column lands
whole in bronze._drifted_batches with its reason, none of it in the system's table, the
ledger still balances, and the run goes on for the other systems."""
from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from suizhi.bronze import _land_dataset, land
from suizhi.connectors.base import DRIFTED, as_text
from suizhi.connectors.extract import extract_batch
from suizhi.connectors.staging import archive_landed
from suizhi.delta_log import latest_version
from suizhi.governance.policy import load_policy
from suizhi.governance.retention import purge_bronze
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import build_silver
from suizhi.simulate.writer import simulate

pytestmark = pytest.mark.spark
BAIYUN, TIANHE, HOTLINE = "wjw_covid_test_baiyun", "wjw_covid_test_tianhe", "zsj_hotline_12345"
POLICY = "new_columns: quarantine, missing_columns: quarantine"


def _add_column(path: Path) -> None:
    """The department's export gains a column, 采样机构 (sampling_org), on every row."""
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([rows[0] + ["sampling_org"]] + [r + ["第一人民医院"] for r in rows[1:]])


def _drop_field(path: Path, line: int, field: str) -> dict:
    """One record of a JSON Lines drop arrives without a field; returns that record."""
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[line - 1])
    del record[field]
    lines[line - 1] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return record


@pytest.fixture
def drifted(spark, mini_home):
    settings = current_settings()
    contract = mini_home / "schemas" / "covid_test.yaml"
    contract.write_text(contract.read_text(encoding="utf-8") + "new_columns: quarantine\n"
                        "missing_columns: quarantine\n", encoding="utf-8")
    catalog = current_catalog()
    sources = Path(settings.sources_root)
    manifest = simulate(catalog, 2021, 0.1, 3, sources)
    [baiyun] = sorted((sources / BAIYUN).glob(f"{BAIYUN}_2021-01*.csv"))
    [tianhe] = sorted((sources / TIANHE).glob(f"{TIANHE}_2021-01*.jsonl"))
    _add_column(baiyun)
    changed = _drop_field(tianhe, 2, "result")
    lake = Lake(settings.lake_root)
    batches = [extract_batch(s, catalog.contracts[s.dataset], "2021-01", settings.sources_root, lake)
               for s in catalog.systems.values()]
    rows = land(spark, lake, catalog, batches)
    archive_landed(catalog, settings.sources_root, batches)
    months = {s: manifest["systems"][s]["months"]["2021-01"]["rows"] for s in (BAIYUN, TIANHE, HOTLINE)}
    return lake, catalog, batches, rows, months, (baiyun, tianhe, changed)


def test_a_drifted_batch_lands_whole_apart_with_its_reason(spark, drifted):
    lake, _, batches, rows, months, (baiyun, tianhe, changed) = drifted
    ledger = {r["system"]: (r["rows_read"], r["rows_landed"], r.get("ingest_rejected")) for r in rows}
    assert ledger == {BAIYUN: (months[BAIYUN], 0, months[BAIYUN]), TIANHE: (months[TIANHE], 0, months[TIANHE]),
                      HOTLINE: (months[HOTLINE], months[HOTLINE], None)}
    assert months[BAIYUN] > 0 and months[TIANHE] > 1
    held = spark.read.format("delta").load(lake.table(DRIFTED))
    reasons = {r.system: (r.reason, r.n) for r in held.groupBy("system", "reason").count()
               .withColumnRenamed("count", "n").collect()}
    assert reasons == {
        BAIYUN: (f"system {BAIYUN}: file {baiyun.name} header: columns differ from schemas/covid_test.yaml "
                 f"(missing [], unexpected ['sampling_org']; {POLICY})", months[BAIYUN]),
        TIANHE: (f"system {TIANHE}: file {tianhe.name} line 2: columns differ from schemas/covid_test.yaml "
                 f"(missing ['result'], unexpected []; {POLICY})", months[TIANHE])}
    # Every record is kept as it came: the added column in _extra, the record without its missing field.
    assert {r._extra for r in held.where(f"system = '{BAIYUN}'").collect()} == {'{"sampling_org": "第一人民医院"}'}
    kept = held.where(f"system = '{TIANHE}' AND _source_line = 2").first()
    assert json.loads(kept.record) == {k: as_text(v) for k, v in changed.items() if v is not None}  # raw text
    assert spark.read.format("delta").load(lake.table("bronze.covid_test")).where(
        f"_source_system = '{BAIYUN}'").count() == 0
    # The drop is archived like any landed file: it is never read again.
    assert (baiyun.parent / "_archive" / baiyun.name).exists() and not baiyun.exists()
    assert {b.system: b.source.get("drift_places") for b in batches} == {BAIYUN: 1, TIANHE: 1, HOTLINE: None}


def test_the_ledger_balances_and_a_rerun_writes_nothing_twice(spark, drifted):
    lake, catalog, batches, _, months, _ = drifted
    version = latest_version(spark, lake.table(DRIFTED))
    for system in (BAIYUN, TIANHE):  # as a run killed before its ledger write would redo it
        _land_dataset(spark, lake, catalog, "covid_test", [b for b in batches if b.system == system], set())
    assert latest_version(spark, lake.table(DRIFTED)) == version
    assert spark.read.format("delta").load(lake.table(DRIFTED)).count() == months[BAIYUN] + months[TIANHE]
    build_silver(spark, lake, catalog)
    held = {r.system: (r.rows_read, r.rows_landed, r.ingest_rejected, r.inserted, r.holds)
            for r in conservation(read_ledger(spark, lake)).collect()}
    assert {s: v[:4] for s, v in held.items() if s != HOTLINE} == {
        BAIYUN: (months[BAIYUN], 0, months[BAIYUN], 0), TIANHE: (months[TIANHE], 0, months[TIANHE], 0)}
    assert all(v[4] for v in held.values())


def test_retention_purges_a_drifted_batch_with_the_others(spark, drifted):
    """A drifted batch is raw records (names, ID numbers): retention takes it when its time comes."""
    lake, catalog, _, _, months, _ = drifted
    build_silver(spark, lake, catalog)  # only batches silver has counted expire
    policy = load_policy(current_settings().home)
    policy = policy.model_copy(update={"retention": policy.retention.model_copy(update={
        "bronze": policy.retention.bronze.model_copy(update={"vacuum_hours": 0})})})
    later = datetime.now(UTC) + timedelta(days=policy.retention.bronze.days + 1)
    purged = purge_bronze(spark, lake, catalog, policy, current_settings().sources_root, now=later)
    # The departments' files go too: a drifted batch's from its archive, though bronze held none of its rows.
    assert {k: (p["batches"], p["rows"], p.get("files")) for k, p in purged.items()} == {
        HOTLINE: ([f"{HOTLINE}/2021-01"], months[HOTLINE], [f"_archive/{HOTLINE}_2021-01.csv"]),
        BAIYUN: ([], 0, [f"_archive/{BAIYUN}_2021-01.csv"]), TIANHE: ([], 0, [f"_archive/{TIANHE}_2021-01.jsonl"]),
        "_drifted_batches": ([f"{BAIYUN}/2021-01", f"{TIANHE}/2021-01"], months[BAIYUN] + months[TIANHE], None)}
    assert spark.read.format("delta").load(lake.table(DRIFTED)).count() == 0
    assert purge_bronze(spark, lake, catalog, policy, current_settings().sources_root, now=later) == {}
