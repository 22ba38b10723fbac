"""The ingestion ledger: one row per batch, counting it at every hop.

rows_read (at source) = rows_landed (bronze) = inserted + superseded + duplicates +
quarantined (silver). Every volume the evaluation reports is a sum over this table.

A streamed batch (connector kind iot_stream) drops re-sent readings and keeps readings
late beyond its watermark apart before bronze, so for it rows_read = rows_landed +
ingest_duplicates + ingest_rejected. A batch its contract's drift policy quarantines
lands none of its rows (all are ingest_rejected, kept in bronze._drifted_batches). Both
are null for every other batch.
"""
from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.errors import ConservationError
from suizhi.lake import Lake

LANDING = ["batch_id", "system", "dataset", "department", "period", "rows_read", "rows_landed", "landed_at"]
SILVER = ["inserted", "superseded", "duplicates", "quarantined", "silvered_at"]
STREAM = ["ingest_duplicates", "ingest_rejected"]  # last, so a ledger made before them gains them in place
SCHEMA = T.StructType(
    [T.StructField(n, T.StringType(), False) for n in LANDING[:5]]
    + [T.StructField("rows_read", T.LongType()), T.StructField("rows_landed", T.LongType()),
       T.StructField("landed_at", T.TimestampType())]
    + [T.StructField(n, T.LongType()) for n in SILVER[:4]]
    + [T.StructField("silvered_at", T.TimestampType())]
    + [T.StructField(n, T.LongType()) for n in STREAM]
)


def ensure_ledger(spark: SparkSession, lake: Lake) -> DeltaTable:
    table = (DeltaTable.createIfNotExists(spark).location(lake.ledger).addColumns(SCHEMA)
             .property("comment", "ledger.batches: one row per system and period, counted at every hop")
             .execute())
    missing = [n for n in STREAM if n not in table.toDF().columns]
    if missing:
        spark.sql(f"ALTER TABLE delta.`{lake.ledger}` ADD COLUMNS ({', '.join(f'{n} BIGINT' for n in missing)})")
        table = DeltaTable.forPath(spark, lake.ledger)
    return table


def read_ledger(spark: SparkSession, lake: Lake) -> DataFrame:
    ensure_ledger(spark, lake)
    return spark.read.format("delta").load(lake.ledger)


def record_landing(spark: SparkSession, lake: Lake, rows: list[dict]) -> None:
    """Add newly landed batches; a batch already in the ledger is left as it is."""
    if not rows:
        return
    fields = LANDING + STREAM
    updates = spark.createDataFrame(
        [{**dict.fromkeys(STREAM), **r, "landed_at": None} for r in rows],
        schema=T.StructType([f for f in SCHEMA.fields if f.name in fields]),
    ).withColumn("landed_at", F.current_timestamp())
    (ensure_ledger(spark, lake).alias("l")
     .merge(updates.alias("u"), "l.batch_id = u.batch_id")
     .whenNotMatchedInsert(values={n: f"u.{n}" for n in fields})
     .execute())


def record_silver(spark: SparkSession, lake: Lake, rows: list[dict]) -> None:
    """Write the silver outcome of batches; only batches not yet counted are updated."""
    if not rows:
        return
    fields = [T.StructField("batch_id", T.StringType())] + [T.StructField(n, T.LongType()) for n in SILVER[:4]]
    updates = spark.createDataFrame([{k: r[k] for k in ["batch_id"] + SILVER[:4]} for r in rows],
                                    T.StructType(fields))
    (ensure_ledger(spark, lake).alias("l")
     .merge(updates.alias("u"), "l.batch_id = u.batch_id")
     .whenMatchedUpdate(condition="l.silvered_at IS NULL",
                        set={**{n: f"u.{n}" for n in SILVER[:4]}, "silvered_at": "current_timestamp()"})
     .execute())


def conservation(ledger: DataFrame) -> DataFrame:
    """Per system: the four counts and whether read = landed = silver + dup + superseded + quarantined."""
    sums = ledger.groupBy("department", "system", "dataset").agg(
        *[F.sum(c).alias(c)
          for c in ("rows_read", "rows_landed", "inserted", "duplicates", "superseded", "quarantined")],
        *[F.coalesce(F.sum(c), F.lit(0)).alias(c) for c in STREAM],
        F.count(F.when(F.col("silvered_at").isNull(), 1)).alias("pending_batches"),
    )
    accounted = F.col("inserted") + F.col("duplicates") + F.col("superseded") + F.col("quarantined")
    streamed = F.col("rows_landed") + F.col("ingest_duplicates") + F.col("ingest_rejected")
    return sums.withColumn(
        "holds", (F.col("rows_read") == streamed) & (F.col("rows_landed") == accounted)
        & (F.col("pending_batches") == 0)
    ).orderBy("system")


def imbalance(row, counted: bool = True) -> str | None:
    """What does not add up in a batch's (or a system's summed) ledger row, or None.

    `row` (a dict) holds rows_read, rows_landed, the two stream counts and, when silver has `counted`
    the batch, the four dispositions; a batch just landed is checked for its landing alone:
    rows read at source = rows landed + rows its stream dropped."""
    n = {c: row.get(c) or 0 for c in ("rows_read", "rows_landed", "inserted", "duplicates", "superseded",
                                       "quarantined", *STREAM)}
    accounted = n["inserted"] + n["duplicates"] + n["superseded"] + n["quarantined"]
    problems = []
    if n["rows_read"] != n["rows_landed"] + n["ingest_duplicates"] + n["ingest_rejected"]:
        problems.append(f"{n['rows_read']:,} rows read at source but {n['rows_landed']:,} landed in bronze, "
                        f"{n['ingest_duplicates']:,} re-sent and {n['ingest_rejected']:,} kept apart")
    if counted and n["rows_landed"] != accounted:
        problems.append(f"{n['rows_landed']:,} rows landed in bronze but silver accounted for {accounted:,} "
                        f"({n['inserted']:,} inserted, {n['duplicates']:,} duplicates, {n['superseded']:,} "
                        f"superseded, {n['quarantined']:,} quarantined)")
    return "; ".join(problems) or None


def check_balanced(rows: list[dict], what: str, counted: bool = True, then: str = "") -> None:
    """Raise ConservationError naming every row (a dict with `system`, and `batch_id` when it
    is a batch) whose counts do not add up (DESIGN.md invariant 1); `what` names the run,
    `counted` says whether silver's dispositions are in the rows (see `imbalance`), and `then`
    ends the message with what follows from it."""
    found = [f"system {r['system']}" + (f", batch {r['batch_id']}" if "batch_id" in r else "") + f": {problem}"
             for r in rows if (problem := imbalance(r, counted))]
    if found:
        raise ConservationError(f"{what}: the ledger does not balance: " + "; ".join(found) + then)
