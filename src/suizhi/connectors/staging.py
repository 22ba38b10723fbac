"""The landing job's part of connecting: read deferred batches with Spark before bronze
lands them, and archive the source files of batches bronze and the ledger now hold."""
from __future__ import annotations

from pyspark.sql import SparkSession

from suizhi.catalog import Catalog
from suizhi.connectors.base import DEFERRED, Batch
from suizhi.lake import Lake
from suizhi.ledger import read_ledger


def stage_deferred(spark: SparkSession, lake: Lake, catalog: Catalog, sources_root: str,
                   batches: list[Batch]) -> list[Batch]:
    """Stage every JDBC batch not yet in the ledger; a landed one is not read at its source again."""
    deferred = [b for b in batches if b.staged.startswith(DEFERRED)]
    if not deferred:
        return batches
    from suizhi.connectors.jdbc import stage_jdbc
    done = {r.batch_id for r in read_ledger(spark, lake).select("batch_id").collect()}
    return [stage_jdbc(spark, catalog, sources_root, b) if b in deferred and b.batch_id not in done else b
            for b in batches]


def archive_landed(catalog: Catalog, sources_root: str, batches: list[Batch]) -> None:
    """Move landed drops to _archive/; called only after the ledger records their batches."""
    from suizhi.connectors.file_drop import FileDrop
    drop = FileDrop(sources_root)
    for b in batches:
        if b.kind == "file_drop" and not b.source.get("archived"):
            drop.archive_landed(catalog.systems[b.system], b.source)
