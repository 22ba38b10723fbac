"""Compute every declared indicator from silver: one aggregation per source dataset.

All measures of a dataset are computed in a single GROUP BY GROUPING SETS query (one set
per family's dimensions, each with the period), its small result is collected, and each
expanded indicator picks its rows out of it. So the number of Spark jobs grows with the
number of datasets, not with the 977 indicators.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from suizhi.delta_log import latest_version
from suizhi.gold.declarations import Indicator
from suizhi.lake import Lake

VALUES_SCHEMA = T.StructType([
    T.StructField("indicator_id", T.StringType(), False), T.StructField("period", T.StringType(), False),
    T.StructField("dimension", T.StringType(), False), T.StructField("value", T.DoubleType(), True),
    T.StructField("computed_at", T.TimestampType(), False)])
INDICATORS_SCHEMA = T.StructType([T.StructField(n, T.StringType(), False) for n in
                                  ("indicator_id", "name", "kind", "domain", "source_dataset", "unit")])


def _aggregate_sql(measure: str, filter_: str | None) -> str:
    return f"{measure.strip()} FILTER (WHERE {filter_})" if filter_ else f"({measure})"


def dataset_query(view: str, indicators: list[Indicator]) -> tuple[str, list[str], dict]:
    """The one query computing every measure of a dataset's indicators.

    Returns the SQL, the union of dimension columns, and the column alias of each
    (measure, filter) pair.
    """
    columns = sorted({col for ind in indicators for _, col in ind.by})
    sets = sorted({tuple(col for _, col in ind.by) for ind in indicators})
    aliases: dict[tuple, str] = {}
    for ind in indicators:
        aliases.setdefault((ind.measure, ind.filter), f"m{len(aliases)}")
    grouping = ", ".join("(" + ", ".join(["_period", *(f"`{c}`" for c in s)]) + ")" for s in sets)
    select = ["_period", *(f"`{c}`" for c in columns), "grouping_id() AS _gid",
              *(f"CAST({_aggregate_sql(m, f)} AS DOUBLE) AS {a}" for (m, f), a in aliases.items())]
    group_cols = ", ".join(["_period", *(f"`{c}`" for c in columns)])
    sql = f"SELECT {', '.join(select)} FROM {view} GROUP BY {group_cols} GROUPING SETS ({grouping})"
    return sql, columns, aliases


def _gid(columns: list[str], kept: tuple[str, ...]) -> int:
    """grouping_id() of a grouping set: a 1 bit (first column most significant) per column left out."""
    everything = ["_period", *columns]
    return sum(1 << (len(everything) - 1 - i) for i, c in enumerate(everything) if c != "_period" and c not in kept)


def compute_dataset(spark: SparkSession, lake: Lake, dataset: str, indicators: list[Indicator],
                    periods: list[str] | None, computed_at: datetime) -> list[tuple]:
    """indicator_values rows of one dataset's indicators, for the periods (all when None)."""
    path = lake.table(f"silver.{dataset}")
    if latest_version(spark, path) is None:
        return []
    frame = spark.read.format("delta").load(path)
    if periods is not None:
        frame = frame.where(frame["_period"].isin(periods))
    view = f"gold_source_{dataset}"
    frame.createOrReplaceTempView(view)
    sql, columns, aliases = dataset_query(view, indicators)
    found: dict[tuple, dict] = {}
    for row in spark.sql(sql).collect():
        found[(row["_gid"], tuple(row[c] for c in columns), row["_period"])] = row.asDict()
    spark.catalog.dropTempView(view)
    by_slice: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for (gid, values, period), row in found.items():
        by_slice[(gid, values)].append((period, row))
    out = []
    for ind in indicators:
        kept = tuple(col for _, col in ind.by)
        wanted = dict(zip(kept, ind.values))
        key_values = tuple(wanted.get(c) for c in columns)
        for period, row in by_slice.get((_gid(columns, kept), key_values), []):
            value = row[aliases[(ind.measure, ind.filter)]]
            if value is not None:
                out.append((ind.id, period, ind.dimension, float(value), computed_at))
    return out


def compute_indicators(spark: SparkSession, lake: Lake, indicators: list[Indicator],
                       periods: list[str] | None = None) -> list[tuple]:
    """indicator_values rows of every indicator, one aggregation per source dataset."""
    computed_at = datetime.now()
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        by_source[ind.source].append(ind)
    rows: list[tuple] = []
    for dataset in sorted(by_source):
        rows += compute_dataset(spark, lake, dataset, by_source[dataset], periods, computed_at)
    return rows


def silver_periods(spark: SparkSession, lake: Lake, datasets: list[str]) -> list[str]:
    """Every period any of the datasets holds in silver."""
    periods: set[str] = set()
    for dataset in sorted(set(datasets)):
        path = lake.table(f"silver.{dataset}")
        if latest_version(spark, path) is not None:
            periods |= {r[0] for r in spark.read.format("delta").load(path).select("_period").distinct().collect()}
    return sorted(periods)


def write_indicators(spark: SparkSession, lake: Lake, indicators: list[Indicator], metadata: str = "") -> None:
    """gold.indicators: the expanded catalog, overwritten from conf each run; `metadata` rides in the commit."""
    rows = [(i.id, i.name, i.kind, i.domain, i.source, i.unit) for i in indicators]
    (spark.createDataFrame(rows, INDICATORS_SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").option("userMetadata", metadata).save(lake.table("gold.indicators")))


def write_values(spark: SparkSession, lake: Lake, rows: list[tuple], periods: list[str]) -> None:
    """Replace the periods' rows of gold.indicator_values: rerunning a period changes nothing else."""
    if not periods:
        return
    listed = ", ".join(f"'{p}'" for p in periods)
    (spark.createDataFrame(rows, VALUES_SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("replaceWhere", f"period IN ({listed})").save(lake.table("gold.indicator_values")))
