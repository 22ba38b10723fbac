"""The landing job's part of connecting: read deferred batches with Spark before bronze
lands them, then archive the source files of batches bronze and the ledger now hold and
delete their staged copies.

A staged batch is raw personal data outside bronze, so it lives only until bronze and the
ledger hold it. Both the archiving and the deletion come after the ledger's commit: a run
killed before it still has the staged file or the unarchived source, and its rerun lands
from whichever is left; a run killed after it has nothing left to land.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from pyspark.sql import SparkSession

from suizhi.catalog import Catalog
from suizhi.connectors.base import DEFERRED, Batch, remove_staged
from suizhi.connectors.file_drop import FileDrop
from suizhi.connectors.iot_stream import IotStream
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
    drop = FileDrop(sources_root)
    for b in batches:
        if b.kind == "file_drop" and not b.source.get("archived"):
            drop.archive_landed(catalog.systems[b.system], b.source)


def purge_delivered(catalog: Catalog, sources_root: str, system_id: str, period: str, now: str) -> list[str]:
    """Delete the delivered files a system's expired batch left in its landing folder (file
    drops' and IoT readings' archives); `suizhi retention` calls this with the bronze purge."""
    system = catalog.systems[system_id]
    if system.connector.kind == "file_drop":
        return FileDrop(sources_root).purge_delivered(system, period, now)
    if system.connector.kind == "iot_stream":
        return IotStream(sources_root).purge_delivered(system, period, now)
    return []  # nothing of a database's or an API's batch is kept outside bronze


def clear_staged(batches: list[Batch]) -> None:
    """Delete the staged copies of batches bronze and the ledger now hold, including a JDBC
    batch's that a killed run staged and landed but did not delete."""
    for b in batches:
        if b.staged:
            remove_staged(b.staged.removeprefix(DEFERRED))
