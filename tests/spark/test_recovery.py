"""A run killed after a commit but before the ledger is completed by the next run, counting nothing twice."""
from __future__ import annotations

import pytest
from delta.tables import DeltaTable

from suizhi.bronze import _land_dataset, land
from suizhi.delta_log import commit_metadata, latest_commit, latest_version
from suizhi.governance.grading import STATS_COLUMNS, grades_signature
from suizhi.ledger import read_ledger
from suizhi.silver import _build_dataset, build_silver

pytestmark = pytest.mark.spark


def _version(spark, path: str) -> int:
    return latest_version(spark, path)


def test_a_batch_committed_before_a_crash_is_not_landed_twice(spark, mini_january):
    lake, catalog, batches, manifest = mini_january
    hotline = next(b for b in batches if b.system == "zsj_hotline_12345")
    # The whole dataset (the hotline alone) committed to bronze; the ledger never heard of it.
    _land_dataset(spark, lake, catalog, hotline.dataset, [hotline], set())
    path = lake.table(f"bronze.{hotline.dataset}")
    before = _version(spark, path)
    rows = land(spark, lake, catalog, batches)
    assert _version(spark, path) == before
    expected = manifest["systems"]["zsj_hotline_12345"]["months"]["2021-01"]["rows"]
    assert {r["system"]: r["rows_landed"] for r in rows}["zsj_hotline_12345"] == expected
    assert spark.read.format("delta").load(path).count() == expected
    # The commit also carries the digest of the grades the table held when it landed.
    held = DeltaTable.forPath(spark, path).detail().first()["properties"]
    grades = grades_signature({k: v for k, v in held.items() if k.startswith("suizhi.") or k == STATS_COLUMNS})
    assert commit_metadata(latest_commit(spark, path)) == {
        "dataset": hotline.dataset, "grades": grades,
        "batches": {hotline.batch_id: {"system": hotline.system, "period": "2021-01", "rows_read": expected,
                                       "source": hotline.source}}}
    assert hotline.source["files"][0]["rows"] == expected


def test_silver_counts_committed_before_a_crash_reach_the_ledger_once(spark, mini_january):
    lake, catalog, batches, manifest = mini_january
    land(spark, lake, catalog, batches)
    pending = {"2021-01": [(b.system, b.batch_id) for b in batches if b.dataset == "covid_test"]}
    committed = _build_dataset(spark, lake, catalog, "covid_test", pending)  # MERGEd; ledger not written
    silver, quarantine = lake.table("silver.covid_test"), lake.table("quarantine.covid_test")
    versions = (latest_version(spark, silver), latest_version(spark, quarantine))
    counts = build_silver(spark, lake, catalog)
    assert (latest_version(spark, silver), latest_version(spark, quarantine)) == versions
    assert {b: counts[b] for b in committed} == committed
    ledger = {r.batch_id: r for r in read_ledger(spark, lake).collect()}
    for system in ("wjw_covid_test_tianhe", "wjw_covid_test_baiyun"):
        truth = manifest["systems"][system]["months"]["2021-01"]
        row = ledger[f"{system}/2021-01"]
        assert (row.inserted, row.duplicates, row.superseded, row.quarantined) == (
            truth["inserted"], truth["duplicates"], truth["superseded"], truth["quarantined"])
