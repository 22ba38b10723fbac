"""What silver calls: run a dataset's suite, have Great Expectations judge it, shape the
quarantine, record scores; and what a silver run publishes (Data Docs, the scorecard)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.delta_log import latest_version
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
from suizhi.quality import validate
from suizhi.quality.gx_run import RuleValidation
from suizhi.quality.quarantine import quarantine_rows
from suizhi.quality.scorecard import write_scorecard
from suizhi.quality.scores import delivery_rows, record_scores, result_rows
from suizhi.quality.suite import Suite

__all__ = ["RuleValidation", "check", "judge", "quarantine_rows", "record", "referenced_keys", "rule_sums",
           "rule_validation", "write_scorecard"]


def suite_of(catalog: Catalog, dataset: str) -> Suite:
    """The dataset's suite; a catalog built without suites still has the contract rule."""
    return catalog.suites.get(dataset) or Suite(version=1, dataset=dataset, expectations=[])


def referenced_keys(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str) -> dict[str, DataFrame]:
    """Per references rule of the dataset's suite, the values of the referenced silver column
    (`_key`) as silver holds them now: none when the table does not exist yet.

    Silver builds referenced datasets first (`suite.build_order`), so a run checks against
    the referenced table with the same run's batches merged, whatever the thread order.
    """
    keys = {}
    for e in suite_of(catalog, dataset).expectations:
        if e.type != "references":
            continue
        path = lake.table(f"silver.{e.references.dataset}")
        if latest_version(spark, path) is None:
            keys[e.rule] = spark.createDataFrame([], "_key string")
            continue
        keys[e.rule] = (spark.read.format("delta").load(path)
                        .select(F.col(e.references.column).cast("string").alias("_key")).where(F.col("_key").isNotNull()))
    return keys


def check(conformed: DataFrame, catalog: Catalog, dataset: str, keys: dict[str, DataFrame] | None = None) -> DataFrame:
    schedules = {sid: s.schedule for sid, s in catalog.systems.items()}
    return validate.check(conformed, suite_of(catalog, dataset), catalog.contracts[dataset], keys, schedules)


def rule_sums(catalog: Catalog, dataset: str) -> list:
    """The aggregates of the dataset's rule counts, for silver's one counting pass (see `judge`)."""
    return validate.rule_sums(suite_of(catalog, dataset))


def judge(checked: DataFrame, catalog: Catalog, dataset: str, batches: list[tuple[str, str]],
          grouped: list | None = None, validation: RuleValidation | None = None) -> dict[str, dict]:
    """Rule counts and Great Expectations' warnings per batch; a fail verdict raises QualityError."""
    return validate.judge(checked, suite_of(catalog, dataset), catalog, dataset, batches, grouped, validation)


def record(spark: SparkSession, lake: Lake, catalog: Catalog, counts: dict[str, dict],
           places: dict[str, tuple[str, str, str]], landed: set[tuple[str, str]] | None = None) -> list[dict]:
    """Write the rule results of the batches just counted, with every system's delivery
    (可访问性) of every period in the ledger, and recompute quality.scores.

    `landed` holds the ledger's (system, period) pairs when the caller has read them (silver
    has); without it they are read here."""
    rows = result_rows(catalog, counts, places)
    if rows:
        if landed is None:
            landed = {(r.system, r.period) for r in read_ledger(spark, lake).select("system", "period").collect()}
        rows += delivery_rows(catalog, landed)
    record_scores(spark, lake, rows)
    return rows


@contextmanager
def rule_validation(docs: Path | None) -> Iterator[RuleValidation]:
    """The Great Expectations context of a silver run; on leaving it, the run's suites and
    validation results are rendered as Data Docs under `docs`, a failed run's too, so the docs
    show what decided it."""
    validation = RuleValidation()
    try:
        yield validation
    finally:
        if docs is not None:
            validation.write_docs(Path(docs))
