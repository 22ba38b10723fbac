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
    """land: the systems' file drops -> bronze.<dataset> (one sub-job per system) and the ledger."""
    systems = sorted({b["system"] for b in batches})
    tables = {s: f"bronze.{catalog.systems[s].dataset}" if s in catalog.systems else f"bronze.{s}" for s in systems}
    streamed = ["bronze._rejected_readings", "ledger.stream_batches", "ledger.device_activity"] \
        if any(b.get("kind") == "iot_stream" for b in batches) else []
    run = tracked(spark, lake, "land", [f"source:{s}" for s in systems],
                  sorted(set(tables.values())) + ["ledger.batches"] + streamed)
    return run, _describe(catalog, systems), [(s, [f"source:{s}"], [tables[s]]) for s in systems]


def silver_run(spark: SparkSession, lake: Lake, catalog: Catalog):
    """silver: bronze tables with pending batches -> silver.<dataset>, quarantine.<dataset>, the ledger."""
    pending = (read_ledger(spark, lake).where(F.col("silvered_at").isNull())
               .select("dataset").distinct().collect())
    datasets = sorted({r.dataset for r in pending})
    outputs = [f"silver.{d}" for d in datasets] + [f"quarantine.{d}" for d in datasets] + ["ledger.batches"]
    run = tracked(spark, lake, "silver", [f"bronze.{d}" for d in datasets] + ["ledger.batches"] * bool(datasets),
                  outputs)
    children = [(d, [f"bronze.{d}"], [f"silver.{d}", f"quarantine.{d}"]) for d in datasets]
    return run, children


def gold_run(spark: SparkSession, lake: Lake, inputs: list[str], outputs: list[str],
             children: list[tuple[str, list[str], list[str]]]):
    """gold: silver tables, the ledger and conf/'s declarations -> the gold tables, one sub-job per
    table with the tables it is computed from (suizhi.gold.lineage says which)."""
    return tracked(spark, lake, "gold", inputs, outputs, children=children)


def evaluation_run(spark: SparkSession, lake: Lake, year: int, read: dict | None = None,
                   figures: dict[str, dict] | None = None):
    """evaluation: the tables the tally read (the ledger at least) and the year's targets ->
    reports/<year>/evaluation.json, at the versions the tally read. One sub-job per figure,
    `evaluation.json#<tally>`, reads the tables (or conf/ files) that figure was counted from."""
    report = f"report:{year}/evaluation.json"
    tables = [t for t in (read or {}) if "." in t and "/" not in t]
    children = [(figure, sorted(sources), [f"{report}#{figure}"])
                for figure, sources in sorted((figures or {}).items())]
    inputs = sorted({"ledger.batches", *tables, *[s for _, ins, _ in children for s in ins],
                     f"conf/evaluation/{year}.yaml"})
    return tracked(spark, lake, "evaluation", inputs, [report, *[o for _, _, outs in children for o in outs]],
                   children=children, reads={t: read[t] for t in tables} if read else None)
