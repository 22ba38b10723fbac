"""The columns every landed row carries, added alike by bronze's landing of delivered batches
and by the IoT stream's micro-batches, so the stream needs nothing from bronze."""
from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from suizhi.connectors.base import Batch

NULL = "\u0000"


def record_hash(columns: list[str]):
    """sha-256 over a record's raw fields, nulls distinct from empty strings."""
    return F.sha2(F.concat_ws("\u001f", *[F.coalesce(F.col(c), F.lit(NULL)) for c in columns]), 256)


def with_ingest_metadata(df: DataFrame, batch: Batch, columns: list[str]) -> DataFrame:
    return df.select("*", F.lit(batch.batch_id).alias("_batch_id"), F.lit(batch.system).alias("_source_system"),
                     F.lit(batch.period).alias("_period"), F.current_timestamp().alias("_ingested_at"),
                     record_hash(columns).alias("_record_hash"))
