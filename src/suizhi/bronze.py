"""Land staged batches in `bronze.<system>`: raw, append-only, once per batch."""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog import Catalog
from suizhi.catalog.models import Contract
from suizhi.connectors import Batch
from suizhi.connectors.base import DEFERRED, DRIFTED, EXTRA, SOURCE_FILE, SOURCE_LINE
from suizhi.delta_log import commit_metadata, latest_commit
from suizhi.errors import LakeError
from suizhi.governance.grading import grade_bronze
from suizhi.lake import Lake
from suizhi.ledger import read_ledger, record_landing
from suizhi.spark import COMPILE_ROWS, sized_session

NULL = "\u0000"
DRIFTED_SCHEMA = T.StructType([T.StructField(n, T.StringType()) for n in
                               ("batch_id", "system", "dataset", "period", "reason", SOURCE_FILE)]
                              + [T.StructField(SOURCE_LINE, T.LongType()), T.StructField("record", T.StringType()),
                                 T.StructField(EXTRA, T.StringType()), T.StructField("_ingested_at", T.TimestampType())])
log = logging.getLogger(__name__)


def record_hash(columns: list[str]):
    """sha-256 over a record's raw fields, nulls distinct from empty strings."""
    return F.sha2(F.concat_ws("\u001f", *[F.coalesce(F.col(c), F.lit(NULL)) for c in columns]), 256)


def with_ingest_metadata(df: DataFrame, batch: Batch, columns: list[str]) -> DataFrame:
    return df.select("*", F.lit(batch.batch_id).alias("_batch_id"), F.lit(batch.system).alias("_source_system"),
                     F.lit(batch.period).alias("_period"), F.current_timestamp().alias("_ingested_at"),
                     record_hash(columns).alias("_record_hash"))


def staged_schema(contract: Contract) -> T.StructType:
    """The staged parquet's schema, given so Spark need not infer it with a job of its own."""
    return T.StructType([T.StructField(c.name, T.StringType()) for c in contract.columns]
                        + [T.StructField(SOURCE_FILE, T.StringType()), T.StructField(SOURCE_LINE, T.LongType()),
                           T.StructField(EXTRA, T.StringType())])


def _land_drifted(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> dict:
    """A batch its contract's drift policy quarantines lands whole in bronze._drifted_batches:
    each record as JSON with its file and line and the batch's reason, raw as bronze is and
    none of it in the system's table. The ledger counts its rows as rejected at ingest, so
    rows read = landed + rejected still balances. Delta's transaction id (the batch id)
    makes a rerun write nothing twice."""
    contract = catalog.contracts[batch.dataset]
    staged = spark.read.schema(staged_schema(contract)).parquet(batch.staged)
    # The system's table exists even when its first batch is set apart, so silver reads it (empty).
    grade_bronze(spark, lake.table(f"bronze.{batch.system}"), contract,
                 with_ingest_metadata(staged, batch, [c.name for c in contract.columns]).schema, batch.system)
    meta = {"batch_id": batch.batch_id, "system": batch.system, "dataset": batch.dataset, "period": batch.period}
    held = staged.select(*[F.lit(v).alias(k) for k, v in meta.items()], F.lit(batch.source["drift"]).alias("reason"),
                         F.col(SOURCE_FILE), F.col(SOURCE_LINE),
                         F.to_json(F.struct(*[c.name for c in contract.columns])).alias("record"), F.col(EXTRA),
                         F.current_timestamp().alias("_ingested_at"))
    (held.write.format("delta").mode("append").option("txnAppId", f"suizhi-drift-{batch.batch_id}")
     .option("txnVersion", 0)
     .option("userMetadata", json.dumps({**meta, "source": batch.source}, ensure_ascii=False))
     .save(lake.table(DRIFTED)))
    log.warning("system %s: batch %s (%d records) quarantined in %s: %s", batch.system, batch.batch_id,
                batch.rows_read, DRIFTED, batch.source["drift"])
    return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, "rows_landed": 0,
            "ingest_duplicates": 0, "ingest_rejected": batch.rows_read}


def _land_one(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> dict:
    """Append one batch, unless it is already the table's newest commit (a run killed before
    the ledger was written); the rows landed are those that commit wrote."""
    if batch.kind == "iot_stream":  # the stream lands its micro-batches itself, each idempotently
        from suizhi.connectors.iot_stream import land_stream
        return land_stream(spark, lake, catalog, batch)
    if batch.source.get("drift"):
        return _land_drifted(spark, lake, catalog, batch)
    started = time.monotonic()
    if batch.rows_read >= COMPILE_ROWS:
        spark = sized_session(spark, batch.rows_read)
    contract = catalog.contracts[batch.dataset]
    path = lake.table(f"bronze.{batch.system}")
    commit = latest_commit(spark, path)
    if batch.rows_read == 0 and commit is not None:
        # Delta commits nothing for an empty append to an existing table: an empty month
        # (a system with nothing to report) lands zero rows without a commit.
        return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, "rows_landed": 0}
    if commit_metadata(commit).get("batch_id") != batch.batch_id:
        if not batch.staged or batch.staged.startswith(DEFERRED):
            raise LakeError(f"system {batch.system}: batch {batch.batch_id} has no staged records "
                            f"(source {batch.source}); its files were archived but it is not in the ledger: "
                            "move them back to the landing folder and rerun the interval")
        df = with_ingest_metadata(spark.read.schema(staged_schema(contract)).parquet(batch.staged),
                                  batch, [c.name for c in contract.columns])
        grades = grade_bronze(spark, path, contract, df.schema, batch.system)
        if batch.rows_read == 0:
            # Grading has just created the table, and an empty append to it commits nothing.
            return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, "rows_landed": 0}
        # mergeSchema: a table landed before drift was handled gains the (empty) _extra column
        (df.write.format("delta").mode("append").option("mergeSchema", "true")
           .option("userMetadata", json.dumps({"batch_id": batch.batch_id, "rows_read": batch.rows_read,
                                               "source": batch.source, "grades": grades}, ensure_ascii=False))
           .save(path))
        commit = latest_commit(spark, path)
    if commit_metadata(commit).get("batch_id") != batch.batch_id:
        raise LakeError(f"system {batch.system}: bronze table {path} was written by another job while batch "
                        f"{batch.batch_id} landed (newest commit {commit.get('version')}); rerun the interval")
    landed = int(commit["operationMetrics"]["numOutputRows"])
    log.info("landed %s: %d of %d rows in %.1f s", batch.batch_id, landed, batch.rows_read, time.monotonic() - started)
    return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, "rows_landed": landed}


def _land_system(spark: SparkSession, lake: Lake, catalog: Catalog, batches: list[Batch]) -> list[dict]:
    """One system's batches in period order: a bronze table has one writer at a time."""
    return [_land_one(spark, lake, catalog, b) for b in sorted(batches, key=lambda b: b.period)]


def create_shared_tables(spark: SparkSession, lake: Lake, tables) -> None:
    """Create the tables (name, schema) that several systems write, before they land in
    parallel: two first appends to a missing table would both try to create it and one fails."""
    for name, schema in tables:
        if not DeltaTable.isDeltaTable(spark, lake.table(name)):
            DeltaTable.createIfNotExists(spark).location(lake.table(name)).addColumns(schema).execute()


def land(spark: SparkSession, lake: Lake, catalog: Catalog, batches: list[Batch], parallel: int = 4) -> list[dict]:
    """Append every batch not yet in the ledger to its bronze table; returns the new ledger rows."""
    done = {r.batch_id for r in read_ledger(spark, lake).select("batch_id").collect()}
    pending: dict[str, list[Batch]] = defaultdict(list)
    for b in batches:
        if b.batch_id not in done:
            pending[b.system].append(b)
    waiting = [b for system in pending.values() for b in system]
    shared = [(DRIFTED, DRIFTED_SCHEMA)] if any(b.source.get("drift") for b in waiting) else []
    if any(b.kind == "iot_stream" for b in waiting):
        from suizhi.connectors.iot_stream import SHARED_TABLES
        shared += SHARED_TABLES
    create_shared_tables(spark, lake, shared)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        rows = [r for landed in pool.map(lambda s: _land_system(spark, lake, catalog, pending[s]), sorted(pending))
                for r in landed]
    record_landing(spark, lake, rows)
    return rows
