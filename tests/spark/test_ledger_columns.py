"""A ledger written before streamed systems existed gains their two columns in place."""
from __future__ import annotations

from datetime import datetime

import pytest
from pyspark.sql import types as T

from suizhi.lake import Lake
from suizhi.ledger import SCHEMA, STREAM, conservation, read_ledger

pytestmark = pytest.mark.spark


def test_an_older_ledger_gains_the_stream_columns_and_still_balances(spark, tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    older = T.StructType([f for f in SCHEMA.fields if f.name not in STREAM])
    at = datetime(2021, 2, 1, 9)
    row = ("zsj_hotline_12345/2021-01", "zsj_hotline_12345", "hotline_ticket", "zsj", "2021-01", 10, 10, at,
           7, 1, 1, 1, at)
    spark.createDataFrame([row], older).write.format("delta").save(lake.ledger)
    ledger = read_ledger(spark, lake)
    assert ledger.columns == [f.name for f in SCHEMA.fields]
    assert [(r.ingest_duplicates, r.ingest_rejected) for r in ledger.collect()] == [(None, None)]
    assert [r.holds for r in conservation(ledger).collect()] == [True]
