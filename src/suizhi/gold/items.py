"""gold.vital_sign_items: each declared item (suizhi.gold.item_catalog) with its latest value and age.

An item's value is its indicator's value (gold.indicator_values), its district figure
(gold.district_values), the records a dataset kept in the month (the ledger) or a topic's
rows (gold.topic_activity). Its freshness is how many days its latest period closed before
the newest period any item holds. An item that has no value yet is not published.
"""
from __future__ import annotations

from pyspark.sql import SparkSession

from suizhi.gold.alerts import period_end
from suizhi.gold.item_catalog import ItemSpec
from suizhi.lake import Lake

SCHEMA = ("item_id string, name string, source string, dimension string, latest_period string, "
          "latest_value double, freshness_days int, unit string")


def _latest(found: dict[str, tuple[str, float]], item_id: str, period: str, value: float) -> None:
    if item_id not in found or period > found[item_id][0]:
        found[item_id] = (period, value)


def latest_values(facts) -> dict[str, tuple[str, float]]:
    """item_id -> (latest period, value) over every figure the facts hold."""
    found: dict[str, tuple[str, float]] = {}
    for indicator_id, period, dimension, value in facts.values:
        ind = facts.indicators.get(indicator_id)
        if ind is not None and dimension == ind.dimension and value is not None:
            _latest(found, f"indicator:{indicator_id}", period, value)
    for item_id, period, value in facts.district:
        if value is not None:
            _latest(found, item_id, period, value)
    kept: dict[tuple[str, str], int] = {}
    for r in facts.ledger:
        kept[(r["dataset"], r["period"])] = kept.get((r["dataset"], r["period"]), 0) + (r["inserted"] or 0)
    for (dataset, period), rows in kept.items():
        _latest(found, f"dataset:{dataset}", period, float(rows))
    for topic_id, _, period, rows in facts.activity:
        _latest(found, f"topic:{topic_id}", period, float(rows))
    return found


def vital_sign_items(facts, specs: list[ItemSpec]) -> list[tuple]:
    """gold.vital_sign_items rows, in the order of the declarations."""
    found = latest_values(facts)
    published = [(s, found[s.item_id]) for s in specs if s.item_id in found]
    if not published:
        return []
    as_of = period_end(max(p for _, (p, _) in published))
    return [(s.item_id, s.name, s.source, s.dimension, p, v, (as_of - period_end(p)).days, s.unit)
            for s, (p, v) in published]


def write_items(spark: SparkSession, lake: Lake, facts, specs: list[ItemSpec]) -> int:
    rows = vital_sign_items(facts, specs)
    (spark.createDataFrame(rows, SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").save(lake.table("gold.vital_sign_items")))
    return len(rows)
