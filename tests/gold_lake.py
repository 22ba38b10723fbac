"""Silver tables straight from simulated drops, for gold tests that need many datasets.

Landing and MERGEing a year of batches through bronze costs minutes; gold only reads
silver's contract columns and `_period`, so these tests conform each drop to its
contract (suizhi.conform), drop what cannot conform and keep each key's latest version.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from pyspark.sql import Window
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.conform import conform
from suizhi.lake import Lake
from suizhi.simulate.writer import _cell, drop_path


def _records(path: Path, fmt: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            return list(csv.DictReader(fh))
        return [{k: _cell(v) for k, v in json.loads(line).items()} for line in fh if line.strip()]


def silver_from_drops(spark, lake: Lake, catalog: Catalog, sources: Path, year: int) -> None:
    by_dataset: dict[str, list] = {}
    for system in sorted(catalog.systems.values(), key=lambda s: s.id):
        for month in range(1, 13):
            period = f"{year}-{month:02d}"
            path = drop_path(sources, system, period)
            for r in _records(path, system.connector.format):
                by_dataset.setdefault(system.dataset, []).append({**r, "_period": period, "_source_system": system.id})
    for dataset, rows in by_dataset.items():
        contract = catalog.contracts[dataset]
        names = [c.name for c in contract.columns] + ["_period", "_source_system"]
        raw = spark.createDataFrame([[r.get(n) for n in names] for r in rows], ", ".join(f"`{n}` string" for n in names))
        good = conform(raw, contract).where(F.size("_problems") == 0).drop("_problems", "_raw_record")
        latest = Window.partitionBy("_source_system", *contract.business_key).orderBy(F.col(contract.version_column).desc())
        good = good.withColumn("_n", F.row_number().over(latest)).where("_n = 1").drop("_n")
        good.write.format("delta").mode("overwrite").save(lake.table(f"silver.{dataset}"))
