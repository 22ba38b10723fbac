"""The landing job's part of connecting: read deferred batches with Spark before bronze
lands them, and archive the source files of batches bronze and the ledger now hold."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from pyspark.sql import SparkSession

from suizhi.catalog import Catalog
from suizhi.connectors.base import DEFERRED, Batch
from suizhi.lake import Lake
from suizhi.ledger import read_ledger


def stage_deferred(spark: SparkSession, lake: Lake, catalog: Catalog, sources_root: str,
                   batches: list[Batch], parallel: int = 4) -> list[Batch]:
    """Stage every JDBC batch not yet in the ledger; a landed one is not read at its source again."""
    if not any(b.staged.startswith(DEFERRED) for b in batches):
        return batches
    from suizhi.connectors.jdbc import stage_jdbc
    done = {r.batch_id for r in read_ledger(spark, lake).select("batch_id").collect()}

    def stage(b: Batch) -> Batch:
        pending = b.staged.startswith(DEFERRED) and b.batch_id not in done
        return stage_jdbc(spark, catalog, sources_root, b) if pending else b

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(stage, batches))


def archive_landed(catalog: Catalog, sources_root: str, batches: list[Batch]) -> None:
    """Move landed drops to _archive/; called only after the ledger records their batches."""
    from suizhi.connectors.file_drop import FileDrop
    drop = FileDrop(sources_root)
    for b in batches:
        if b.kind == "file_drop" and not b.source.get("archived"):
            drop.archive_landed(catalog.systems[b.system], b.source)
