"""Tally a year from the lake: volumes by department, system, topic and month, topic coverage.

Every figure is a sum over the ledger at one recorded Delta version, so reading that
version again gives the same tally.
"""
from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.lake import Lake
from suizhi.ledger import ensure_ledger

COUNTS = ["rows_read", "rows_landed", "inserted", "superseded", "duplicates", "quarantined"]
NOT_YET = "未测量：流水线尚未统计此项"
UNMEASURED = {
    "analysis_reports": "份", "warning_indicators": "个", "major_event_support": "次",
    "monitoring_indicators": "个", "venue_uptime": "%", "standards": "份",
}


def _rows(df) -> list[dict]:
    return [r.asDict() for r in df.collect()]


def tally(spark: SparkSession, lake: Lake, catalog: Catalog, year: int | None = None,
          ledger_version: int | None = None) -> dict:
    """The year's measures and volume tables; pin ledger_version to reproduce an earlier tally."""
    ensure_ledger(spark, lake)
    if ledger_version is None:
        ledger_version = DeltaTable.forPath(spark, lake.ledger).history(1).first()["version"]
    ledger = spark.read.format("delta").option("versionAsOf", ledger_version).load(lake.ledger)
    if year is None:
        latest = ledger.agg(F.max("period")).first()[0]
        year = int(latest[:4]) if latest else None
    if year is None:
        raise ValueError("the ledger is empty: nothing to evaluate")
    ledger = ledger.where(F.col("period").startswith(f"{year}-")).cache()
    sums = [F.sum(c).cast("long").alias(c) for c in COUNTS]
    by_system = _rows(ledger.groupBy("department", "system", "dataset").agg(*sums).orderBy("system"))
    by_department = _rows(ledger.groupBy("department").agg(*sums).orderBy("department"))
    by_month = _rows(ledger.groupBy("period").agg(*sums).orderBy("period"))
    by_department_month = _rows(ledger.groupBy("department", "period").agg(*sums).orderBy("department", "period"))
    ledger.unpersist()
    per_system = {r["system"]: r for r in by_system}
    by_topic = []
    for topic in catalog.topics.values():
        systems = sorted(s.id for s in catalog.systems.values() if topic.id in s.topics)
        row = {"topic": topic.id, "name": topic.name, "systems": systems}
        row.update({c: sum(per_system.get(s, {}).get(c) or 0 for s in systems) for c in COUNTS})
        by_topic.append(row)
    covered = [t["name"] for t in by_topic if t["inserted"] > 0]
    total = {c: sum(r[c] or 0 for r in by_system) for c in COUNTS}
    measures = {
        "records_aggregated": {
            "value": total["rows_landed"], "unit": "条",
            "detail": {"counts": "records landed in bronze (aggregated); unique_records are the rows kept in silver",
                       "unique_records": total["inserted"], "systems": len(by_system),
                       "departments": len(by_department)}},
        "topics_processed": {
            "value": len(covered), "unit": "个",
            "detail": {"counts": "topics whose systems put rows in silver during the year",
                       "topics": covered, "missing": [t["name"] for t in by_topic if t["inserted"] == 0]}},
    }
    measures.update({name: {"value": None, "unit": unit, "detail": {"reason": NOT_YET}}
                     for name, unit in UNMEASURED.items()})
    return {
        "year": year, "read": {"ledger.batches": ledger_version}, "totals": total, "measures": measures,
        "volumes": {"by_department": by_department, "by_system": by_system, "by_month": by_month,
                    "by_department_month": by_department_month, "by_topic": by_topic},
    }
