"""Silver tables straight from simulated drops, for gold tests that need many datasets.

Landing and MERGEing a year of batches through bronze costs minutes; gold only reads
silver's contract columns and `_period`, so these tests read each dataset's drops as
text, conform them to the contract (suizhi.conform), drop what cannot conform and keep
each key's latest version. An IoT system's readings (kind iot_stream) are read where the
simulator put them, spooled or delivered; their period is the month they arrive in, and
as the stream does, a reading timed before the watermark (the newest reading of earlier
months less the connector's `watermark`) is left out and a re-sent copy is kept once,
in the month it first arrived.
"""
from __future__ import annotations

import glob
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path

from pyspark.sql import Window
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.catalog.models import System
from suizhi.conform import conform
from suizhi.lake import Lake
from suizhi.simulate.iot import GATEWAY, READINGS
from suizhi.simulate.serve_files import drop_path


def _read(spark, paths: list[str], fmt: str, columns: list[str]):
    if fmt == "csv":
        frame = spark.read.option("header", True).csv(paths)
    else:
        frame = spark.read.option("primitivesAsString", True).json(paths)
    file = F.input_file_name()
    return frame.select(*[F.col(c).cast("string").alias(c) for c in columns],
                        F.regexp_extract(file, r"_(\d{4}-\d{2})\.\w+$", 1).alias("_period"),
                        F.regexp_extract(file, r"/([a-z0-9_]+)_\d{4}-\d{2}\.\w+$", 1).alias("_source_system"))


def _readings(spark, system: System, sources: Path, columns: list[str]):
    """One IoT system's readings, spooled or delivered, without those the stream keeps apart as late."""
    paths = [str(Path(sources) / GATEWAY / system.id / "*" / "*" / "*.jsonl"),
             str(Path(sources) / system.id / READINGS / "*" / "*.jsonl")]
    found = [p for p in paths if glob.glob(p)]
    file = F.input_file_name()
    frame = (spark.read.option("primitivesAsString", True).json(found)
             .select(*[F.col(c).cast("string").alias(c) for c in columns],
                     F.regexp_extract(file, r"/(\d{4}-\d{2})-\d{2}/[^/]+\.jsonl$", 1).alias("_period"),
                     F.lit(system.id).alias("_source_system")))
    at = F.to_timestamp(F.col(system.connector.time_column))
    earlier = Window.orderBy("_period").rowsBetween(Window.unboundedPreceding, -1)
    newest = (frame.groupBy("_period").agg(F.max(at).alias("_newest"))
              .withColumn("_watermark", F.max("_newest").over(earlier)
                          - F.expr(f"INTERVAL {system.connector.watermark_seconds} SECONDS")))
    return (frame.join(newest.select("_period", "_watermark"), "_period")
            .where(F.col("_watermark").isNull() | (at >= F.col("_watermark"))).drop("_watermark"))


def _silver_from_drops(spark, lake: Lake, catalog: Catalog, sources: Path, year: int, dataset: str) -> None:
    contract = catalog.contracts[dataset]
    columns = [c.name for c in contract.columns]
    parts = []
    for fmt in ("csv", "jsonl"):
        paths = [str(drop_path(sources, s, f"{year}-{m:02d}")) for s in catalog.systems_of(dataset)
                 if s.connector.kind == "file_drop" and s.connector.format == fmt for m in range(1, 13)]
        if paths:
            parts.append(_read(spark, paths, fmt, columns))
    parts += [_readings(spark, s, sources, columns) for s in catalog.systems_of(dataset)
              if s.connector.kind == "iot_stream"]
    raw = reduce(lambda a, b: a.unionByName(b), parts)
    good = conform(raw, contract).where(F.size("_problems") == 0).drop("_problems", "_raw_record")
    latest = Window.partitionBy("_source_system", *contract.business_key).orderBy(
        F.col(contract.version_column).desc(), F.col("_period"))
    good = good.withColumn("_n", F.row_number().over(latest)).where("_n = 1").drop("_n")
    good.write.format("delta").mode("overwrite").save(lake.table(f"silver.{dataset}"))


def silver_from_drops(spark, lake: Lake, catalog: Catalog, sources: Path, year: int) -> None:
    # A dataset is a few small jobs and a Delta commit: four at a time, as silver runs them,
    # keep both cores busy (a year at scale 0.25: 201 s one by one, 149 s four at a time).
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda d: _silver_from_drops(spark, lake, catalog, sources, year, d), catalog.datasets()))
