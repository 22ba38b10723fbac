"""Silver gives every bronze row exactly one disposition, against crafted batches."""
from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from suizhi.catalog import load_catalog
from suizhi.conform import conform
from suizhi.ingest import record_hash
from suizhi.silver import classify, passes
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
                       "ticket_id: required value is missing; "
                       "created_at: '2021-02-30 25:61:00' is not a valid timestamp"]


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


def _merged(current, classified):
    """Silver after a period: its rows that no winner replaced, and the winners."""
    winners = classified.where(F.col("_disposition").isin("inserted", "replaced")).select(current.columns)
    return current.join(winners.select("_source_system", "ticket_id"), ["_source_system", "ticket_id"],
                        "left_anti").unionByName(winners)


def test_periods_in_one_pass_count_as_the_periods_one_by_one(spark):
    """Catching up on three months classifies every row as three monthly runs would: a
    re-send of an older version in May is superseded by April's newer one, a copy of
    what April kept is a duplicate, and each winner is measured against what silver would
    hold by its month."""
    silver = _batch(spark, [_row("RX1", updated="2021-02-01 09:00:00")], batch="zsj_hotline_12345/2021-02")
    silver = classify(silver, None, CONTRACT).where("_disposition = 'inserted'").drop("_disposition")
    march = [_row("RX1"), _row("RX2"), _row("RX3"), _row("RX3"), _row("RX6", satisfaction="N/A")]
    april = [_row("RX1"), _row("RX2", status="已办结", updated="2021-04-09 10:00:00"),
             _row("RX3", status="办理中", updated="2021-02-28 10:00:00"), _row("RX4"),
             _row("RX5", status="已办结", updated="2021-04-02 10:00:00")]
    may = [_row("RX2", status="已办结", updated="2021-04-09 10:00:00"), _row("RX2"),
           _row("RX4", status="已办结", updated="2021-05-03 10:00:00"), _row("RX5"),
           _row("RX1", status="已办结", updated="2021-05-20 10:00:00")]
    months = {p: _batch(spark, rows, batch=f"zsj_hotline_12345/2021-{p}") for p, rows in
              (("03", march), ("04", april), ("05", may))}

    def named(df):
        return sorted((r._period, r.ticket_id or "", str(r.updated_at), r._disposition)
                      for r in df.select("_period", "ticket_id", "updated_at", "_disposition").collect())

    one_by_one, current = [], silver
    for p in ("03", "04", "05"):
        classified = classify(months[p], current, CONTRACT).localCheckpoint()
        one_by_one += named(classified)
        current = _merged(current, classified)
    together = months["03"].unionByName(months["04"]).unionByName(months["05"])
    in_one_pass = named(classify(together, silver, CONTRACT, ["2021-03", "2021-04", "2021-05"]))
    assert in_one_pass == sorted(one_by_one)
    assert [(p, k, d) for p, k, _, d in in_one_pass] == [
        ("2021-03", "RX1", "replaced"), ("2021-03", "RX2", "inserted"), ("2021-03", "RX3", "duplicate"),
        ("2021-03", "RX3", "inserted"), ("2021-03", "RX6", "quarantined"),
        ("2021-04", "RX1", "duplicate"), ("2021-04", "RX2", "replaced"), ("2021-04", "RX3", "superseded"),
        ("2021-04", "RX4", "inserted"), ("2021-04", "RX5", "inserted"),
        ("2021-05", "RX1", "replaced"), ("2021-05", "RX2", "superseded"), ("2021-05", "RX2", "duplicate"),
        ("2021-05", "RX4", "replaced"), ("2021-05", "RX5", "superseded")]


def test_pending_periods_are_taken_in_passes_of_bounded_rows():
    pending = {p: [("s", f"s/{p}")] for p in ("2021-01", "2021-02", "2021-03", "2021-04")}
    rows = {"2021-01": 3, "2021-02": 4, "2021-03": 9, "2021-04": 1}
    assert [sorted(p) for p in passes(pending, rows, limit=8)] == [["2021-01", "2021-02"], ["2021-03"], ["2021-04"]]
    assert [sorted(p) for p in passes(pending, {})] == [sorted(pending)]
