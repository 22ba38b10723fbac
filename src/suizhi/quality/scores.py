"""Scores: rows evaluated and failed per rule and batch (`quality.results`), rolled up to a
score per GB/T 36344 dimension, dataset, system, department and period (`quality.scores`).

A rule's score is 1 - failed / evaluated. Thresholds in conf/quality.yaml say when a score
warns and when it stops the run; Great Expectations holds each batch to them (`gx_run`), and
its verdict on a batch and rule is kept here: `warn`, or `pass` (a failing one stopped the run).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from delta.tables import DeltaTable
from pydantic import Field
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog.models import Catalog
from suizhi.lake import Lake
from suizhi.quality.suite import CONTRACT_RULE
from suizhi.yamlfile import Strict, read_yaml

# The 可访问性 rule of every system: its batch of each period the pipeline ran was landed.
DELIVERY_RULE = "source_delivered"
RESULTS = T.StructType([T.StructField(n, T.StringType()) for n in
                        ("batch_id", "dataset", "system", "department", "period", "rule", "type", "dimension",
                         "action")]
                       + [T.StructField("evaluated", T.LongType()), T.StructField("failed", T.LongType()),
                          T.StructField("verdict", T.StringType())])


class Threshold(Strict):
    warn: float = Field(ge=0, le=1)
    fail: float = Field(ge=0, le=1)


class Thresholds(Strict):
    version: Literal[1] = 1
    default: Threshold = Threshold(warn=0.99, fail=0.80)
    min_rows: int = Field(50, ge=0)
    rules: dict[str, Threshold] = Field(default_factory=dict)

    def of(self, dataset: str, rule: str) -> Threshold:
        return self.rules.get(f"{dataset}.{rule}", self.default)


def load_thresholds(root: Path) -> Thresholds:
    """conf/quality.yaml under root, or the defaults when the file is absent."""
    path = Path(root) / "conf" / "quality.yaml"
    if not path.exists():
        return Thresholds()
    return read_yaml(path).validate(Thresholds)


def result_rows(catalog: Catalog, batches: dict[str, dict], places: dict[str, tuple[str, str, str]]) -> list[dict]:
    """Rows of quality.results from per-batch rule counts and Great Expectations' warnings
    (`warned`; a batch counted before verdicts were kept has none, and no verdict);
    places: batch -> (dataset, system, period)."""
    out = []
    for batch, counts in sorted(batches.items()):
        dataset, system, period = places[batch]
        suite = catalog.suites.get(dataset)
        if suite is None:
            continue
        expectations = {e.rule: e for e in suite.expectations}
        warned = counts.get("warned")
        for rule, (evaluated, failed) in counts.get("rules", {}).items():
            e = expectations.get(rule)
            out.append({"batch_id": batch, "dataset": dataset, "system": system,
                        "department": catalog.systems[system].department, "period": period, "rule": rule,
                        "type": e.type if e else CONTRACT_RULE, "dimension": e.dimension if e else "规范性",
                        "action": e.action if e else "quarantine", "evaluated": evaluated, "failed": failed,
                        "verdict": None if warned is None else "warn" if rule in warned else "pass"})
    return out


def delivery_rows(catalog: Catalog, landed: set[tuple[str, str]]) -> list[dict]:
    """可访问性 per system and period: was the source reachable and its batch landed?

    `landed` holds the (system, period) pairs of ledger.batches. Every period some system
    has landed is a period the pipeline ran, so every catalog system owes a batch for it:
    one row per system and period, failed when its batch is missing (a source that could
    not be reached, or a file drop rejected and not yet corrected). Its batch id is the one
    the batch has or will have, `<system>/<period>`.
    """
    periods = sorted({p for _, p in landed})
    return [{"batch_id": f"{sid}/{p}", "dataset": s.dataset, "system": sid, "department": s.department,
             "period": p, "rule": DELIVERY_RULE, "type": "delivery", "dimension": "可访问性", "action": "warn",
             "evaluated": 1, "failed": 0 if (sid, p) in landed else 1, "verdict": None}
            for sid, s in sorted(catalog.systems.items()) for p in periods]


def record_scores(spark: SparkSession, lake: Lake, rows: list[dict]) -> None:
    """Add batches' rule results (once per batch and rule) and recompute quality.scores from them.

    A delivery row is the one result that changes: a batch missing in one run may land in
    a later one, so it is updated when its outcome differs.
    """
    if not rows:
        return
    path = lake.table("quality.results")
    table = (DeltaTable.createIfNotExists(spark).location(path).addColumns(RESULTS)
             .property("comment", "quality.results: rows evaluated and failed per rule and batch").execute())
    if "verdict" not in table.toDF().columns:  # a table made before verdicts were kept gains the column
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS (verdict STRING)")
        table = DeltaTable.forPath(spark, path)
    updates = spark.createDataFrame(rows, RESULTS)
    (table.alias("r").merge(updates.alias("u"), "r.batch_id = u.batch_id AND r.rule = u.rule")
     .whenMatchedUpdateAll(condition=f"u.rule = '{DELIVERY_RULE}' AND r.failed <> u.failed")
     .whenNotMatchedInsertAll().execute())
    scores = (spark.read.format("delta").load(path)
              .groupBy("department", "system", "dataset", "period", "dimension")
              .agg(F.sum("evaluated").alias("evaluated"), F.sum("failed").alias("failed"))
              .withColumn("score", F.when(F.col("evaluated") > 0, 1 - F.col("failed") / F.col("evaluated"))))
    (scores.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
     .save(lake.table("quality.scores")))
