"""Compute every declared indicator from silver: one aggregation per source dataset.

All measures of a dataset are computed in a single GROUP BY GROUPING SETS query (one set
per family's dimensions, each with the period), its small result is collected, and each
expanded indicator picks its rows out of it. The district breakdowns of the vital-sign
items (suizhi.gold.item_catalog) are more grouping sets of the same query, and a dataset's
records per district one more measure. So the number of Spark jobs grows with the number
of datasets, not with the 977 indicators or the 3,570 items.
"""
from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.delta_log import latest_version
from suizhi.gold.declarations import Indicator
from suizhi.gold.item_catalog import DistrictBreakdown, district_item
from suizhi.lake import Lake

VALUES_SCHEMA = T.StructType([
    T.StructField("indicator_id", T.StringType(), False), T.StructField("period", T.StringType(), False),
    T.StructField("dimension", T.StringType(), False), T.StructField("value", T.DoubleType(), True),
    T.StructField("computed_at", T.TimestampType(), False)])
DISTRICT_SCHEMA = T.StructType([
    T.StructField("item_id", T.StringType(), False), T.StructField("period", T.StringType(), False),
    T.StructField("district_code", T.StringType(), False), T.StructField("value", T.DoubleType(), True),
    T.StructField("computed_at", T.TimestampType(), False)])
INDICATORS_SCHEMA = T.StructType([T.StructField(n, T.StringType(), False) for n in
                                  ("indicator_id", "name", "kind", "domain", "source_dataset", "unit")])


def _aggregate_sql(measure: str, filter_: str | None) -> str:
    return f"{measure.strip()} FILTER (WHERE {filter_})" if filter_ else f"({measure})"


def dataset_query(view: str, indicators: list[Indicator], extra_sets: tuple[tuple[str, ...], ...] = (),
                  extra_measures: tuple[tuple[str, str | None], ...] = ()) -> tuple[str, list[str], dict]:
    """The one query computing every measure of a dataset's indicators.

    `extra_sets` adds grouping sets (the district breakdowns), `extra_measures` (measure,
    filter) pairs no indicator declares (the dataset's own count). Returns the SQL, the
    union of dimension columns, and the column alias of each (measure, filter) pair.
    """
    columns = sorted({col for ind in indicators for _, col in ind.by} | {c for s in extra_sets for c in s})
    sets = sorted({tuple(col for _, col in ind.by) for ind in indicators} | set(extra_sets))
    aliases: dict[tuple, str] = {}
    for key in [*((ind.measure, ind.filter) for ind in indicators), *extra_measures]:
        aliases.setdefault(key, f"m{len(aliases)}")
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


ROWS = ("count(*)", None)


def compute_dataset(spark: SparkSession, lake: Lake, dataset: str, indicators: list[Indicator],
                    periods: list[str] | None, computed_at: datetime,
                    breakdown: DistrictBreakdown | None = None) -> tuple[list[tuple], list[tuple]]:
    """indicator_values rows of one dataset's indicators, for the periods (all when None), and the
    district_values rows of its breakdowns: both from one aggregation."""
    path = lake.table(f"silver.{dataset}")
    if latest_version(spark, path) is None:
        return [], []
    frame = spark.read.format("delta").load(path)
    if periods is not None:
        frame = frame.where(frame["_period"].isin(periods))
    broken = {i.id: i for i in indicators if breakdown and i.id in breakdown.indicators}
    counted = breakdown is not None and dataset in breakdown.datasets
    district = breakdown.column if breakdown else ""
    extra = {tuple(sorted({c for _, c in i.by} | {district})) for i in broken.values()}
    extra = tuple(sorted(extra | ({(district,)} if counted else set())))
    view = f"gold_source_{dataset}"
    frame.createOrReplaceTempView(view)
    sql, columns, aliases = dataset_query(view, indicators, extra, (ROWS,) if counted else ())
    by_slice: dict[tuple, list[tuple[str, dict]]] = defaultdict(list)
    for row in spark.sql(sql).collect():
        by_slice[(row["_gid"], tuple(row[c] for c in columns))].append((row["_period"], row.asDict()))
    spark.catalog.dropTempView(view)

    def pick(wanted: dict, alias: str) -> list[tuple[str, float]]:
        rows = by_slice.get((_gid(columns, tuple(wanted)), tuple(wanted.get(c) for c in columns)), [])
        return [(period, float(row[alias])) for period, row in rows if row[alias] is not None]

    values, districts = [], []
    for ind in indicators:
        wanted = dict(zip((col for _, col in ind.by), ind.values))
        alias = aliases[(ind.measure, ind.filter)]
        values += [(ind.id, period, ind.dimension, value, computed_at) for period, value in pick(wanted, alias)]
        if ind.id in broken:
            districts += [(district_item(f"indicator:{ind.id}", code), period, code, value, computed_at)
                          for code, _ in breakdown.districts
                          for period, value in pick(wanted | {district: code}, alias)]
    if counted:
        districts += [(district_item(f"dataset:{dataset}", code), period, code, value, computed_at)
                      for code, _ in breakdown.districts for period, value in pick({district: code}, aliases[ROWS])]
    return values, districts


def compute_values(spark: SparkSession, lake: Lake, indicators: list[Indicator], periods: list[str] | None = None,
                   breakdown: DistrictBreakdown | None = None, parallel: int = 4) -> tuple[list[tuple], list[tuple]]:
    """indicator_values and district_values rows, one aggregation per source dataset.

    The datasets' queries run `parallel` at a time. Each is small and costs mostly the
    driver's planning and scheduling; on two busy cores that overlaps little (a few per
    cent), on a cluster's idle executors more."""
    computed_at = datetime.now()
    by_source: dict[str, list[Indicator]] = defaultdict(list)
    for ind in indicators:
        by_source[ind.source].append(ind)
    values: list[tuple] = []
    districts: list[tuple] = []
    datasets = sorted(set(by_source) | set(breakdown.datasets if breakdown else ()))
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for found, in_districts in pool.map(lambda d: compute_dataset(spark, lake, d, by_source[d], periods,
                                                                      computed_at, breakdown), datasets):
            values += found
            districts += in_districts
    return values, districts


def compute_indicators(spark: SparkSession, lake: Lake, indicators: list[Indicator],
                       periods: list[str] | None = None) -> list[tuple]:
    """indicator_values rows of every indicator, one aggregation per source dataset."""
    return compute_values(spark, lake, indicators, periods)[0]


def silver_held(spark: SparkSession, lake: Lake, datasets: list[str]) -> dict[str, list[str]]:
    """The periods each dataset holds in silver (none for a table not written yet): one query over all."""
    frames = [spark.read.format("delta").load(lake.table(f"silver.{d}")).select(F.lit(d).alias("dataset"), "_period")
              for d in sorted(set(datasets)) if latest_version(spark, lake.table(f"silver.{d}")) is not None]
    held: dict[str, list[str]] = {d: [] for d in datasets}
    if frames:
        for r in sorted(reduce(DataFrame.union, frames).distinct().collect()):
            held[r[0]].append(r[1])
    return held


def write_indicators(spark: SparkSession, lake: Lake, indicators: list[Indicator], metadata: str = "") -> None:
    """gold.indicators: the expanded catalog, overwritten from conf each run; `metadata` rides in the commit."""
    rows = [(i.id, i.name, i.kind, i.domain, i.source, i.unit) for i in indicators]
    (spark.createDataFrame(rows, INDICATORS_SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").option("userMetadata", metadata).save(lake.table("gold.indicators")))


def write_values(spark: SparkSession, lake: Lake, rows: list[tuple], periods: list[str],
                 table: str = "gold.indicator_values", schema: T.StructType = VALUES_SCHEMA) -> None:
    """Replace the periods' rows of the table (gold.indicator_values, gold.district_values): rerunning a
    period changes nothing else."""
    if not periods:
        return
    listed = ", ".join(f"'{p}'" for p in periods)
    (spark.createDataFrame(rows, schema).coalesce(1).write.format("delta").mode("overwrite")
     .option("replaceWhere", f"period IN ({listed})").save(lake.table(table)))
