"""Conservation is checked when the pipeline runs: a batch whose rows do not add up fails
silver, naming it, and a year whose ledger does not balance is not scored."""
from __future__ import annotations

import re

import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.errors import ConservationError
from suizhi.evaluation.tally import tally
from suizhi.ledger import read_ledger
from suizhi.silver import build_silver

pytestmark = pytest.mark.spark
HOTLINE = "zsj_hotline_12345"


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


def test_a_balanced_month_passes_silver_and_the_tally_reads_its_volume(spark, landed):
    lake, catalog, truth = landed
    build_silver(spark, lake, catalog)
    ledger = read_ledger(spark, lake)
    volume = sum(truth[s]["months"]["2021-01"]["rows"] for s in catalog.systems)
    assert ledger.agg(F.sum("rows_landed")).first()[0] == volume
    assert tally(spark, lake, catalog, 2021)["measures"]["records_aggregated"]["value"] == volume
