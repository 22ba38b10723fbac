"""One gold run: indicators and their district figures, alerts, topic datasets, vital-sign items and the reports.

Every gold table is derived from silver and conf/ alone. A run first compares the silver
versions and the gold declarations with those of the last run (kept in the commit of
gold.indicators); when nothing changed it writes nothing, so rerunning an interval leaves
every gold table at its version.
"""
from __future__ import annotations

import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.delta_log import commit_metadata, latest_commit, latest_version
from suizhi.gold.alerts import write_alerts
from suizhi.gold.declarations import Indicator, load_dimensions, load_indicators
from suizhi.gold.engine import DISTRICT_SCHEMA, compute_values, silver_held, write_indicators, write_values
from suizhi.gold.item_catalog import DistrictBreakdown, declare_items, district_breakdown
from suizhi.gold.items import write_items
from suizhi.gold.report_plan import ReportPlan, load_report_plan, plan_reports
from suizhi.gold.reports import Facts, write_reports
from suizhi.gold.topics import TopicDataset, load_topics, write_topics
from suizhi.lake import Lake
from suizhi.ledger import read_ledger

log = logging.getLogger(__name__)
REGISTER_SCHEMA = ("report_id string, kind string, period string, topic_id string, title string, path string, "
                   "formats string, produced_at timestamp")


def inputs_signature(spark: SparkSession, lake: Lake, home: Path, datasets: list[str]) -> str:
    """Changes when a silver table gets a new version or a gold declaration or the report plan is edited."""
    digest = hashlib.sha256()
    for d in sorted(datasets):
        digest.update(f"{d}={latest_version(spark, lake.table(f'silver.{d}'))};".encode())
    for folder in ("indicators", "topics"):
        for path in sorted((Path(home) / "conf" / folder).glob("*.yaml")):
            digest.update(path.name.encode() + path.read_bytes())
    plan = Path(home) / "conf" / "reports.yaml"
    if plan.exists():
        digest.update(plan.read_bytes())
    return digest.hexdigest()


def _record_inputs(spark: SparkSession, path: str, signature: str, marker: str) -> None:
    """Delta makes no commit when an empty catalog overwrites an empty table; the inputs still need one."""
    key = "spark.databricks.delta.commitInfo.userMetadata"
    spark.conf.set(key, marker)
    try:
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('suizhi.gold.inputs' = '{signature}')")
    finally:
        spark.conf.unset(key)


def _held(spark: SparkSession, lake: Lake, name: str, *columns: str) -> list[tuple]:
    """A small gold table's rows, or none before its first write."""
    path = lake.table(name)
    if latest_version(spark, path) is None:
        return []
    frame = spark.read.format("delta").load(path)
    return [tuple(r) for r in (frame.select(*columns) if columns else frame).collect()]


def _categories(spark: SparkSession, lake: Lake, topic_id: str) -> list[tuple] | None:
    """A topic's rows and handled rows per category, or None before its table is written."""
    path = lake.table(f"gold.topic_{topic_id}")
    if latest_version(spark, path) is None:
        return None
    grouped = spark.read.format("delta").load(path).groupBy("category").agg(
        F.count("*").alias("rows"), F.count(F.when(F.col("handled"), 1)).alias("handled"))
    return sorted((r["category"] or "未分类", r["rows"], r["handled"]) for r in grouped.collect())


def _facts(spark, lake, indicators, topics, held: dict[str, list[str]], parallel: int = 4) -> Facts:
    values = _held(spark, lake, "gold.indicator_values", "indicator_id", "period", "dimension", "value")
    district = _held(spark, lake, "gold.district_values", "item_id", "period", "value")
    alerts = _held(spark, lake, "gold.alerts")
    activity = _held(spark, lake, "gold.topic_activity")
    ledger = [r.asDict() for r in read_ledger(spark, lake).where(F.col("silvered_at").isNotNull()).groupBy(
        "dataset", "period").agg(*[F.sum(c).cast("long").alias(c) for c in
                                   ("rows_landed", "inserted", "duplicates", "superseded", "quarantined")]).collect()]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        found = dict(zip(topics, pool.map(lambda t: _categories(spark, lake, t), topics)))
    categories = {t: rows for t, rows in found.items() if rows is not None}
    sources = {t: sorted({s.dataset for s in spec.sources}) for t, spec in topics.items()}
    return Facts({i.id: i for i in indicators}, values, alerts, activity, ledger, sources, categories, district,
                 held)


@dataclass(frozen=True)
class GoldPlan:
    """What a gold run computes, from conf/ and the catalog: its indicators, topics, district
    figures and the reports the report plan calls for."""

    indicators: list[Indicator]
    topics: dict[str, TopicDataset]
    breakdown: DistrictBreakdown | None
    datasets: list[str]         # every silver dataset the run may read
    reports: ReportPlan


def plan_gold(catalog: Catalog, home: Path) -> GoldPlan:
    """The indicators, topics, district figures and report plan conf/ declares, for the datasets of this catalog."""
    # conf/ is checked against the contracts by the tests; a run computes what its catalog feeds.
    indicators = [i for i in load_indicators(home) if i.source in catalog.contracts]
    topics = load_topics(home, catalog, check_sources=False)
    columns = {d: {c.name for c in catalog.contracts[d].columns} for d in catalog.datasets()}
    breakdown = district_breakdown(indicators, load_dimensions(home), columns)
    datasets = sorted({i.source for i in indicators} | {s.dataset for t in topics.values() for s in t.sources}
                      | set(catalog.datasets()))
    return GoldPlan(indicators, topics, breakdown, datasets, load_report_plan(home))


def build_gold(spark: SparkSession, lake: Lake, catalog: Catalog, home: Path, reports_root: str,
               parallel: int = 4, plan: GoldPlan | None = None) -> dict:
    """Bring every gold table and report up to date with silver; returns what the run did.

    `parallel` small queries (a dataset's indicators, a topic's table) run at a time; `plan`
    is plan_gold's, when the caller has made it already."""
    plan = plan or plan_gold(catalog, home)
    indicators, topics, breakdown = plan.indicators, plan.topics, plan.breakdown
    signature = inputs_signature(spark, lake, home, plan.datasets)
    if commit_metadata(latest_commit(spark, lake.table("gold.indicators"))).get("inputs") == signature:
        log.info("gold: silver and declarations unchanged since the last run; nothing to write")
        return {"skipped": True}
    now = datetime.now().replace(microsecond=0)
    counted = sorted(breakdown.datasets) if breakdown else []
    held = silver_held(spark, lake, plan.datasets)
    periods = sorted({p for d in [i.source for i in indicators] + counted for p in held[d]})
    values, in_districts = compute_values(spark, lake, indicators, periods, breakdown, parallel)
    alerts = 0
    if indicators and periods:
        write_values(spark, lake, values, periods)
        alerts = write_alerts(spark, lake, indicators)
    if breakdown and periods:
        write_values(spark, lake, in_districts, periods, "gold.district_values", DISTRICT_SCHEMA)
    activity = write_topics(spark, lake, catalog, topics, parallel)
    facts = _facts(spark, lake, indicators, topics, held, parallel)
    reports = plan_reports(facts, {t: catalog.topics[t].name for t in topics}, plan.reports)
    register = write_reports(reports, Path(reports_root), now)
    (spark.createDataFrame(register, REGISTER_SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").save(lake.table("gold.report_register")))
    specs = declare_items(indicators, breakdown, {d: catalog.contracts[d].title for d in catalog.datasets()},
                          {t: catalog.topics[t].name for t in topics})
    items = write_items(spark, lake, facts, specs)
    # Written last: its commit carries the inputs, so a run killed earlier is redone in full.
    marker = json.dumps({"inputs": signature})
    write_indicators(spark, lake, indicators, marker)
    if commit_metadata(latest_commit(spark, lake.table("gold.indicators"))).get("inputs") != signature:
        _record_inputs(spark, lake.table("gold.indicators"), signature, marker)
    return {"periods": periods, "values": len(values), "alerts": alerts, "topic_rows": sum(a[3] for a in activity),
            "reports": len(register), "items": items}
