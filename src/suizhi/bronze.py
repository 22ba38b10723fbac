"""Land staged batches in `bronze.<system>`: raw, append-only, once per batch."""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.connectors import Batch
from suizhi.lake import Lake
from suizhi.ledger import read_ledger, record_landing

NULL = "\u0000"
log = logging.getLogger(__name__)


def record_hash(columns: list[str]):
    """sha-256 over a record's raw fields, nulls distinct from empty strings."""
    return F.sha2(F.concat_ws("\u001f", *[F.coalesce(F.col(c), F.lit(NULL)) for c in columns]), 256)


def with_ingest_metadata(df: DataFrame, batch: Batch, columns: list[str]) -> DataFrame:
    return (df.withColumn("_batch_id", F.lit(batch.batch_id))
              .withColumn("_source_system", F.lit(batch.system))
              .withColumn("_period", F.lit(batch.period))
              .withColumn("_ingested_at", F.current_timestamp())
              .withColumn("_record_hash", record_hash(columns)))


def _land_one(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> dict:
    started = time.monotonic()
    columns = [c.name for c in catalog.contracts[batch.dataset].columns]
    path = lake.table(f"bronze.{batch.system}")
    df = with_ingest_metadata(spark.read.parquet(batch.staged), batch, columns)
    # txnAppId makes the append idempotent: a batch committed before a crash is skipped.
    (df.write.format("delta").mode("append")
       .option("txnAppId", f"bronze:{batch.batch_id}").option("txnVersion", 0)
       .option("userMetadata", json.dumps({"batch_id": batch.batch_id, "rows_read": batch.rows_read}))
       .save(path))
    landed = spark.read.format("delta").load(path).where(F.col("_batch_id") == batch.batch_id).count()
    log.info("landed %s: %d of %d rows in %.1f s", batch.batch_id, landed, batch.rows_read, time.monotonic() - started)
    return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, "rows_landed": landed}


def land(spark: SparkSession, lake: Lake, catalog: Catalog, batches: list[Batch], parallel: int = 4) -> list[dict]:
    """Append every batch not yet in the ledger to its bronze table; returns the new ledger rows."""
    done = {r.batch_id for r in read_ledger(spark, lake).select("batch_id").collect()}
    pending = [b for b in batches if b.batch_id not in done]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        rows = list(pool.map(lambda b: _land_one(spark, lake, catalog, b), pending))
    record_landing(spark, lake, rows)
    return rows
