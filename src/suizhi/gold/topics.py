"""Topic datasets (conf/topics/<id>.yaml): what each business topic draws from silver.

A topic unions the rows of its source datasets, each filtered and projected to one
shape (period, source dataset, event time, district, category, value, handled), keeps
only the periods of its window (the months a typhoon signal was up, for instance) and
may enrich a source with a column of another dataset joined on a key (a muck-truck trip
with its construction site's project type). Written as gold.topic_<id>.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path
from typing import Literal

from pydantic import Field
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from suizhi.catalog.models import Catalog
from suizhi.delta_log import latest_version
from suizhi.errors import ConfigError
from suizhi.lake import Lake
from suizhi.yamlfile import Strict, load_yaml

IDENT = r"^[a-z][a-z0-9_]*$"
COLUMNS = ["period", "source_dataset", "event_time", "district_code", "category", "value", "handled"]


class Join(Strict):
    """Left-join another dataset on one key to bring its columns (its first row per key)."""

    dataset: str = Field(pattern=IDENT)
    left: str
    right: str
    columns: list[str] = Field(min_length=1)


class Source(Strict):
    dataset: str = Field(pattern=IDENT)
    filter: str | None = None
    category: str = Field(description="SQL expression naming the row's category")
    value: str = Field("1", description="SQL expression of the row's measure (1 counts rows)")
    handled: str | None = Field(None, description="SQL condition: the row's case has been handled")
    join: Join | None = None


class Window(Strict):
    """Only the periods in which this dataset has a row passing the filter."""

    dataset: str = Field(pattern=IDENT)
    filter: str


class TopicDataset(Strict):
    version: Literal[1]
    topic: str = Field(pattern=IDENT)
    grain: str
    sources: list[Source] = Field(min_length=1)
    window: Window | None = None


def load_topics(home: Path, catalog: Catalog, check_sources: bool = True) -> dict[str, TopicDataset]:
    """Every topic's dataset declaration; each topic of conf/topics.yaml must have one.

    With `check_sources`, every source dataset must have a contract; a smaller catalog
    (a test's) passes False and its topics draw on the datasets it has.
    """
    folder = Path(home) / "conf" / "topics"
    if not folder.exists():
        return {}
    out, problems = {}, []
    for path in sorted(folder.glob("*.yaml")):
        try:
            spec = load_yaml(path, TopicDataset)
        except ConfigError as exc:
            problems += exc.problems
            continue
        if spec.topic != path.stem or spec.topic not in catalog.topics:
            problems.append(f"{path}: field 'topic': '{spec.topic}' must be the file name "
                            "and a topic of conf/topics.yaml")
        for i, s in enumerate(spec.sources):
            for j, name in enumerate([s.dataset, *([s.join.dataset] if s.join else [])]):
                if check_sources and name not in catalog.contracts:
                    problems.append(f"{path}: field 'sources.{i}.{'dataset' if j == 0 else 'join.dataset'}': "
                                    f"no contract schemas/{name}.yaml")
        out[spec.topic] = spec
    missing = sorted(set(catalog.topics) - set(out))
    problems += [f"{folder}: topic '{t}' has no dataset declaration {t}.yaml" for t in missing]
    if problems:
        raise ConfigError(problems)
    return out


def _silver(spark: SparkSession, lake: Lake, dataset: str) -> DataFrame | None:
    path = lake.table(f"silver.{dataset}")
    return spark.read.format("delta").load(path) if latest_version(spark, path) is not None else None


def _project(spark: SparkSession, lake: Lake, catalog: Catalog, source: Source) -> DataFrame | None:
    frame = _silver(spark, lake, source.dataset) if source.dataset in catalog.contracts else None
    if frame is None:
        return None
    if source.filter:
        frame = frame.where(source.filter)
    if source.join:
        other = _silver(spark, lake, source.join.dataset)
        if other is not None:
            right = other.groupBy(F.col(source.join.right).alias("_join_key")).agg(
                *[F.min(c).alias(c) for c in source.join.columns])
            frame = frame.join(right, frame[source.join.left] == right["_join_key"], "left").drop("_join_key")
        else:
            frame = frame.select("*", *[F.lit(None).cast("string").alias(c) for c in source.join.columns])
    contract = catalog.contracts[source.dataset]
    district = F.col("district_code") if "district_code" in frame.columns else F.lit(None).cast("string")
    return frame.select(
        F.col("_period").alias("period"), F.lit(source.dataset).alias("source_dataset"),
        F.col(contract.event_time_column).alias("event_time"), district.alias("district_code"),
        F.expr(source.category).cast("string").alias("category"), F.expr(source.value).cast("double").alias("value"),
        (F.expr(source.handled) if source.handled else F.lit(None)).cast("boolean").alias("handled"))


def topic_frame(spark: SparkSession, lake: Lake, catalog: Catalog, spec: TopicDataset) -> DataFrame | None:
    """The topic's rows over every period silver holds, or None when no source has data yet."""
    parts = [p for p in (_project(spark, lake, catalog, s) for s in spec.sources) if p is not None]
    if not parts:
        return None
    frame = reduce(DataFrame.unionByName, parts)
    if spec.window:
        window = _silver(spark, lake, spec.window.dataset)
        if window is None:
            return frame.limit(0)
        periods = window.where(spec.window.filter).select(F.col("_period").alias("period")).distinct()
        frame = frame.join(periods, "period", "left_semi")
    return frame


def _write_topic(spark: SparkSession, lake: Lake, catalog: Catalog, topic_id: str,
                 spec: TopicDataset) -> list[tuple]:
    """Write gold.topic_<id>; returns its rows per period (none before any source has data)."""
    frame = topic_frame(spark, lake, catalog, spec)
    if frame is None:
        return []
    frame = frame.select(*COLUMNS).localCheckpoint()
    frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(
        lake.table(f"gold.topic_{topic_id}"))
    name = catalog.topics[topic_id].name
    return [(topic_id, name, r["period"], r["count"]) for r in frame.groupBy("period").count().collect()]


def write_topics(spark: SparkSession, lake: Lake, catalog: Catalog, specs: dict[str, TopicDataset],
                 parallel: int = 4) -> list[tuple]:
    """Write gold.topic_<id> for every topic, `parallel` topics at a time (each its own table),
    and gold.topic_activity (rows per topic and period)."""
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        activity = [row for rows in pool.map(lambda t: _write_topic(spark, lake, catalog, t, specs[t]), sorted(specs))
                    for row in rows]
    schema = "topic_id string, topic_name string, period string, rows long"
    (spark.createDataFrame(sorted(activity), schema).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").save(lake.table("gold.topic_activity")))
    return activity
