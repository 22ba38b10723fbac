"""Silver tables straight from simulated drops, for gold tests that need many datasets.

Landing and MERGEing a year of batches through bronze costs minutes; gold only reads
silver's contract columns and `_period`, so these tests read each dataset's drops as
text, conform them to the contract (suizhi.conform), drop what cannot conform and keep
each key's latest version.
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import Window
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.conform import conform
from suizhi.lake import Lake
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


def silver_from_drops(spark, lake: Lake, catalog: Catalog, sources: Path, year: int) -> None:
    for dataset in catalog.datasets():
        contract = catalog.contracts[dataset]
        columns = [c.name for c in contract.columns]
        parts = []
        for fmt in ("csv", "jsonl"):
            paths = [str(drop_path(sources, s, f"{year}-{m:02d}")) for s in catalog.systems_of(dataset)
                     if s.connector.format == fmt for m in range(1, 13)]
            if paths:
                parts.append(_read(spark, paths, fmt, columns))
        raw = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
        good = conform(raw, contract).where(F.size("_problems") == 0).drop("_problems", "_raw_record")
        latest = Window.partitionBy("_source_system", *contract.business_key).orderBy(
            F.col(contract.version_column).desc())
        good = good.withColumn("_n", F.row_number().over(latest)).where("_n = 1").drop("_n")
        good.write.format("delta").mode("overwrite").save(lake.table(f"silver.{dataset}"))
