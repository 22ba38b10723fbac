"""City vital-sign items: every figure gold publishes, traceable to its indicator or dataset.

An item is an indicator, a topic dataset or a silver dataset, with its latest period,
its value then (the indicator's value; the rows kept or held for a dataset) and how
many days old that period is against the newest period the lake holds.
"""
from __future__ import annotations

from collections import defaultdict

from pyspark.sql import SparkSession

from suizhi.catalog import Catalog
from suizhi.gold.alerts import period_end
from suizhi.lake import Lake

SCHEMA = ("item_id string, name string, source string, latest_period string, latest_value double, "
          "freshness_days int")


def vital_sign_items(facts, catalog: Catalog) -> list[tuple]:
    """(item_id, name, source, latest_period, latest_value, freshness_days) rows."""
    latest: dict[str, tuple[str, float]] = {}
    for indicator_id, period, _, value in facts.values:
        if indicator_id not in latest or period > latest[indicator_id][0]:
            latest[indicator_id] = (period, value)
    datasets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in facts.ledger:
        datasets[r["dataset"]][r["period"]] += r["inserted"] or 0
    topics: dict[str, dict[str, int]] = defaultdict(dict)
    names = {}
    for topic_id, name, period, rows in facts.activity:
        topics[topic_id][period] = rows
        names[topic_id] = name
    periods = [p for p, _ in latest.values()] + [p for d in datasets.values() for p in d] \
        + [p for t in topics.values() for p in t]
    if not periods:
        return []
    as_of = period_end(max(periods))

    def fresh(period: str) -> int:
        return (as_of - period_end(period)).days

    rows = [(f"indicator:{i}", facts.indicators[i].name, i, p, v, fresh(p)) for i, (p, v) in sorted(latest.items())]
    for topic_id, held in sorted(topics.items()):
        p = max(held)
        rows.append((f"topic:{topic_id}", f"{names[topic_id]}专题数据量", f"gold.topic_{topic_id}", p,
                     float(held[p]), fresh(p)))
    for dataset, held in sorted(datasets.items()):
        p = max(held)
        title = catalog.contracts[dataset].title if dataset in catalog.contracts else dataset
        rows.append((f"dataset:{dataset}", f"{title}入库量", f"silver.{dataset}", p, float(held[p]), fresh(p)))
    return rows


def write_items(spark: SparkSession, lake: Lake, facts, catalog: Catalog) -> int:
    rows = vital_sign_items(facts, catalog)
    (spark.createDataFrame(rows, SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").save(lake.table("gold.vital_sign_items")))
    return len(rows)
