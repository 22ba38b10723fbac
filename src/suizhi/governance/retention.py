"""Retention of raw personal data: purge bronze batches older than the policy allows, then VACUUM.

Only batches silver has counted are purged: silver reads bronze for pending batches
alone, and the ledger keeps every count, so conservation and dedup hold after a purge
(dedup compares `_record_hash`, which silver keeps). The readings a stream kept apart
(`bronze._rejected_readings`, raw lines that may name a caller or an address) and the
batches a drift policy quarantined (`bronze._drifted_batches`, raw records) go with their
batch: the ledger keeps how many there were. So do the files the departments delivered,
which the landing folders archive (conf/governance.yaml, retention.copies.landing_archive):
the file goes, its record of name, sha-256 and rows stays. Each purge is an audit row,
naming the tables, batches and rows, and the delivered files deleted.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from delta.tables import DeltaTable
from pyspark.sql import Column, SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.connectors.base import DRIFTED
from suizhi.connectors.iot_stream import REJECTED
from suizhi.connectors.staging import purge_delivered
from suizhi.delta_log import latest_version
from suizhi.governance.audit import record_audit
from suizhi.governance.policy import Policy
from suizhi.lake import Lake
from suizhi.ledger import read_ledger


def expired_batches(spark: SparkSession, lake: Lake, policy: Policy, now: datetime) -> dict[str, list[str]]:
    """Per dataset, the batches landed before the retention cut-off and already counted by silver."""
    days = policy.retention.bronze.days
    if days is None:
        return {}
    cutoff = now - timedelta(days=days)
    rows = (read_ledger(spark, lake)
            .where(F.col("silvered_at").isNotNull() & (F.col("landed_at") < F.lit(cutoff)))
            .select("dataset", "batch_id").collect())
    found: dict[str, list[str]] = {}
    for r in rows:
        found.setdefault(r.dataset, []).append(r.batch_id)
    return {d: sorted(b) for d, b in sorted(found.items())}


def purge_bronze(spark: SparkSession, lake: Lake, catalog: Catalog, policy: Policy, sources_root: str,
                 now: datetime | None = None) -> dict[str, dict]:
    """Delete expired batches' rows from bronze and VACUUM, one DELETE per dataset table, and
    their delivered files from the landing archives; returns per system the batches and rows
    purged, the table and version that did it, and the files deleted."""
    now = now or datetime.now(UTC)
    purged: dict[str, dict] = {}
    hours = policy.retention.bronze.vacuum_hours
    session = spark.newSession()  # a retention shorter than Delta's safety default needs its own conf
    session.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", str(hours >= 168).lower())
    expired = expired_batches(spark, lake, policy, now)
    written: dict[str, int] = {}
    for dataset, batches in expired.items():
        name = f"bronze.{dataset}"
        path = lake.table(name)
        if dataset not in catalog.contracts or latest_version(session, path) is None:
            continue
        held = (session.read.format("delta").load(path).where(F.col("_batch_id").isin(batches))
                .groupBy("_source_system", "_batch_id").count().collect())
        if not held:
            continue  # purged by an earlier run: nothing to commit
        DeltaTable.forPath(session, path).delete(F.col("_batch_id").isin(sorted({r._batch_id for r in held})))
        DeltaTable.forPath(session, path).vacuum(hours)
        written[name] = latest_version(session, path)
        for system in sorted({r._source_system for r in held}):
            mine = [r for r in held if r._source_system == system]
            purged[system] = {"batches": sorted(r._batch_id for r in mine), "rows": sum(r["count"] for r in mine),
                              "table": name, "version": written[name]}
    ids = [b for batches in expired.values() for b in batches]
    for b in ids:  # after bronze's DELETE: a run killed in between redoes both
        system, period = b.rsplit("/", 1)
        if system in catalog.systems and (files := purge_delivered(catalog, sources_root, system, period,
                                                                   now.isoformat())):
            entry = purged.setdefault(system, {"batches": [], "rows": 0})
            entry["files"] = entry.get("files", []) + files
    # Raw records kept apart at ingest go with their batch: late or malformed readings, and
    # whole batches a drift policy quarantined.
    for name, batch in ((REJECTED, F.concat_ws("/", F.col("system"), F.col("period"))), (DRIFTED, F.col("batch_id"))):
        kept = _purge_kept_apart(session, lake, name, batch, ids, hours)
        if kept:
            purged[name.split(".", 1)[1]] = kept
            written[name] = kept["version"]
    record_audit(spark, lake, "retention", details={
        "layer": "bronze", "days": policy.retention.bronze.days, "vacuum_hours": hours,
        "now": now.isoformat(), "purged": purged},
        writes={name: [None, version] for name, version in written.items()})
    return purged


def _purge_kept_apart(session: SparkSession, lake: Lake, name: str, batch: Column, batches: list[str],
                      hours: int) -> dict | None:
    """Delete the rows of table `name` whose `batch` (a batch id) expired, and VACUUM."""
    path = lake.table(name)
    if not batches or latest_version(session, path) is None:
        return None
    held = [r[0] for r in session.read.format("delta").load(path).where(batch.isin(batches))
            .select(batch).distinct().collect()]
    if not held:
        return None
    table = DeltaTable.forPath(session, path)
    table.delete(batch.isin(held))
    rows = int((table.history(1).first()["operationMetrics"] or {}).get("numDeletedRows", 0))
    table.vacuum(hours)
    return {"batches": sorted(held), "rows": rows, "version": latest_version(session, path)}
