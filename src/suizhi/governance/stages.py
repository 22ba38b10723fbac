"""What each pipeline stage reads and writes, for its lineage events and audit row."""
from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.governance.track import tracked
from suizhi.lake import Lake
from suizhi.ledger import read_ledger


def _describe(catalog: Catalog, systems: list[str]) -> dict[str, str]:
    return {f"source:{s}": f"{catalog.systems[s].name} ({catalog.systems[s].department})"
            for s in systems if s in catalog.systems}


def landing_run(spark: SparkSession, lake: Lake, catalog: Catalog, batches: list[dict]):
    """land: the systems' file drops -> bronze.<system> (one sub-job per system) and the ledger."""
    systems = sorted({b["system"] for b in batches})
    streamed = ["bronze._rejected_readings", "ledger.stream_batches", "ledger.device_activity"] \
        if any(b.get("kind") == "iot_stream" for b in batches) else []
    run = tracked(spark, lake, "land", [f"source:{s}" for s in systems],
                  [f"bronze.{s}" for s in systems] + ["ledger.batches"] + streamed)
    return run, _describe(catalog, systems), [(s, [f"source:{s}"], [f"bronze.{s}"]) for s in systems]


def silver_run(spark: SparkSession, lake: Lake, catalog: Catalog):
    """silver: bronze tables with pending batches -> silver.<dataset>, quarantine.<dataset>, the ledger."""
    pending = (read_ledger(spark, lake).where(F.col("silvered_at").isNull())
               .select("system", "dataset").distinct().collect())
    systems = sorted({r.system for r in pending})
    datasets = sorted({r.dataset for r in pending})
    outputs = [f"silver.{d}" for d in datasets] + [f"quarantine.{d}" for d in datasets] + ["ledger.batches"]
    run = tracked(spark, lake, "silver", [f"bronze.{s}" for s in systems] + ["ledger.batches"] * bool(systems),
                  outputs)
    children = [(d, [f"bronze.{r.system}" for r in pending if r.dataset == d], [f"silver.{d}", f"quarantine.{d}"])
                for d in datasets]
    return run, children


def evaluation_run(spark: SparkSession, lake: Lake, year: int, read: dict | None = None):
    """evaluation: the tables the tally read (the ledger at least) -> reports/<year>/evaluation.json."""
    inputs = sorted({"ledger.batches", *[t for t in (read or {}) if "." in t and "/" not in t]})
    return tracked(spark, lake, "evaluation", inputs, [f"report:{year}/evaluation.json"])
