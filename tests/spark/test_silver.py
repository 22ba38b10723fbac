"""Silver gives every bronze row exactly one disposition, against crafted batches."""
from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from suizhi.ingest import record_hash
from suizhi.catalog import load_catalog
from suizhi.conform import conform
from suizhi.silver import classify
from tests.conftest import MINI

pytestmark = pytest.mark.spark
CONTRACT = load_catalog(MINI).contracts["hotline_ticket"]
COLUMNS = [c.name for c in CONTRACT.columns]


def _batch(spark, rows, batch="zsj_hotline_12345/2021-03"):
    records = [dict(zip(COLUMNS, r)) | {"_source_file": "f.csv", "_source_line": i + 2} for i, r in enumerate(rows)]
    df = spark.createDataFrame(records, schema=", ".join(f"{c} string" for c in COLUMNS)
                               + ", _source_file string, _source_line long")
    df = (df.withColumn("_batch_id", F.lit(batch)).withColumn("_source_system", F.lit("zsj_hotline_12345"))
            .withColumn("_period", F.lit(batch[-7:])).withColumn("_ingested_at", F.current_timestamp())
            .withColumn("_record_hash", record_hash(COLUMNS)))
    return conform(df, CONTRACT)


def _row(key, status="受理", updated="2021-03-01 09:00:00", satisfaction="4", created="2021-03-01 08:00:00"):
    return (key, "王芳", "13800138000", "440106", "噪音扰民", status, satisfaction, created, updated)


def _dispositions(df):
    return sorted(((r.ticket_id, r._disposition) for r in df.select("ticket_id", "_disposition").collect()),
                  key=lambda pair: (pair[0] or "", pair[1]))


def test_a_first_batch_keeps_the_latest_version_and_counts_the_rest(spark):
    incoming = _batch(spark, [
        _row("RX1"), _row("RX1"),                                           # exact copy
        _row("RX2"), _row("RX2", status="已办结", updated="2021-03-05 10:00:00"),  # a later version
        _row("RX3", satisfaction="N/A"),                                    # cannot conform
        _row(None),                                                         # no business key
    ])
    result = _dispositions(classify(incoming, None, CONTRACT))
    assert result == [(None, "quarantined"), ("RX1", "duplicate"), ("RX1", "inserted"),
                      ("RX2", "inserted"), ("RX2", "superseded"), ("RX3", "quarantined")]


def test_reasons_name_the_field_and_value(spark):
    incoming = _batch(spark, [_row("RX3", satisfaction="N/A"), _row(None, created="2021-02-30 25:61:00")])
    reasons = sorted(r.reason for r in incoming.select(F.concat_ws("; ", "_problems").alias("reason")).collect())
    assert reasons == ["satisfaction: 'N/A' is not a valid integer",
                       "ticket_id: required value is missing; created_at: '2021-02-30 25:61:00' is not a valid timestamp"]


def test_a_later_batch_against_silver(spark):
    first = _batch(spark, [_row("RX1"), _row("RX2"), _row("RX3")])
    current = classify(first, None, CONTRACT).where("_disposition = 'inserted'")
    incoming = _batch(spark, [
        _row("RX1"),                                                       # re-sent unchanged
        _row("RX2", status="已办结", updated="2021-03-09 10:00:00"),       # replaces silver's row
        _row("RX3", status="办理中", updated="2021-02-28 10:00:00"),       # older than silver's row
        _row("RX4"),                                                       # new
    ], batch="zsj_hotline_12345/2021-04")
    result = _dispositions(classify(incoming, current, CONTRACT))
    assert result == [("RX1", "duplicate"), ("RX2", "replaced"), ("RX3", "superseded"), ("RX4", "inserted")]
