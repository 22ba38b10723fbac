"""Conservation is checked when the pipeline runs: a batch whose rows do not add up fails
landing or silver, naming it, and a year whose ledger does not balance is not scored."""
from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.delta_log import latest_version
from suizhi.errors import ConservationError
from suizhi.evaluation.tally import tally
from suizhi.ledger import read_ledger
from suizhi.silver import build_silver

pytestmark = pytest.mark.spark
HOTLINE, TIANHE = "zsj_hotline_12345", "wjw_covid_test_tianhe"


def test_a_batch_short_of_its_source_count_fails_the_landing_and_stays_out_of_the_ledger(spark, mini_january):
    lake, catalog, batches, manifest = mini_january
    rows = manifest["systems"][HOTLINE]["months"]["2021-01"]["rows"]
    hotline = next(b for b in batches if b.system == HOTLINE)
    # The connector counted the source's rows but hands one fewer to bronze: its staged file lost the last record.
    staged = pq.read_table(hotline.staged)
    assert (hotline.rows_read, staged.num_rows) == (rows, rows)
    pq.write_table(staged.slice(0, rows - 1), hotline.staged)
    expected = (f"landing: the ledger does not balance: system {HOTLINE}, batch {HOTLINE}/2021-01: {rows:,} rows "
                f"read at source but {rows - 1:,} landed in bronze, 0 re-sent and 0 kept apart (left out of "
                "ledger.batches")
    with pytest.raises(ConservationError, match=re.escape(expected)) as raised:
        land(spark, lake, catalog, batches)
    assert str(raised.value).count("system ") == 1  # the covid systems balance and are not named
    others = sorted(b.batch_id for b in batches if b.system != HOTLINE)
    assert sorted(r.batch_id for r in read_ledger(spark, lake).collect()) == others
    # A rerun lands nothing twice and refuses the batch again; the ledger is as it was.
    bronze = lake.table("bronze.hotline_ticket")
    version = latest_version(spark, bronze)
    with pytest.raises(ConservationError, match=re.escape(expected)):
        land(spark, lake, catalog, batches)
    assert latest_version(spark, bronze) == version
    assert sorted(r.batch_id for r in read_ledger(spark, lake).collect()) == others


@pytest.fixture
def landed(spark, mini_january):
    """The mini catalog's January, landed in bronze and not yet counted by silver."""
    lake, catalog, batches, manifest = mini_january
    land(spark, lake, catalog, batches)
    return lake, catalog, manifest["systems"]


def test_a_batch_that_lost_a_row_before_silver_fails_the_run_by_name(spark, landed):
    lake, catalog, truth = landed
    rows = truth[HOTLINE]["months"]["2021-01"]["rows"]
    # A bronze row is lost after landing (a delete by hand, a bad restore): silver reads one row fewer.
    bronze = DeltaTable.forPath(spark, lake.table("bronze.hotline_ticket"))
    lost = bronze.toDF().where(F.col("_source_system") == HOTLINE).orderBy("_source_line").first()
    bronze.delete((F.col("_source_system") == HOTLINE) & (F.col("_source_line") == lost._source_line))
    expected = (f"silver: the ledger does not balance: system {HOTLINE}, batch {HOTLINE}/2021-01: {rows:,} rows "
                f"landed in bronze but silver accounted for {rows - 1:,} (")
    with pytest.raises(ConservationError, match=re.escape(expected)) as raised:
        build_silver(spark, lake, catalog)
    assert str(raised.value).count("system ") == 1  # the covid systems balance and are not named
    # The ledger keeps what happened, so the imbalance stays visible to every reader.
    row = read_ledger(spark, lake).where(F.col("system") == HOTLINE).first()
    assert (row.rows_landed, row.inserted + row.duplicates + row.superseded + row.quarantined) == (rows, rows - 1)
    # The evaluation refuses to score the year.
    with pytest.raises(ConservationError, match=re.escape(f"the evaluation of 2021: the ledger does not balance: "
                                                          f"system {HOTLINE}, batch {HOTLINE}/2021-01: {rows:,}")):
        tally(spark, lake, catalog, 2021)


def test_a_balanced_month_is_tallied_and_refused_once_a_ledger_row_is_tampered_with(spark, landed):
    lake, catalog, truth = landed
    build_silver(spark, lake, catalog)
    ledger = read_ledger(spark, lake)
    volume = sum(truth[s]["months"]["2021-01"]["rows"] for s in catalog.systems)
    assert ledger.agg(F.sum("rows_landed")).first()[0] == volume
    assert tally(spark, lake, catalog, 2021)["measures"]["records_aggregated"]["value"] == volume
    # A ledger row edited by hand (or restored from another state): one more row read at source than landed.
    rows = truth[TIANHE]["months"]["2021-01"]["rows"]
    DeltaTable.forPath(spark, lake.ledger).update(F.col("batch_id") == f"{TIANHE}/2021-01",
                                                  {"rows_read": F.col("rows_read") + 1})
    with pytest.raises(ConservationError, match=re.escape(
            f"the evaluation of 2021: the ledger does not balance: system {TIANHE}, batch {TIANHE}/2021-01: "
            f"{rows + 1:,} rows read at source but {rows:,} landed in bronze")) as raised:
        tally(spark, lake, catalog, 2021)
    assert str(raised.value).count("system ") == 1
