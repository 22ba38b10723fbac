"""What silver calls: run a dataset's suite, judge it, shape the quarantine, record scores."""
from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from suizhi.catalog import Catalog
from suizhi.lake import Lake
from suizhi.quality import validate
from suizhi.quality.quarantine import quarantine_rows
from suizhi.quality.scores import record_scores, result_rows
from suizhi.quality.suite import Suite

__all__ = ["check", "judge", "quarantine_rows", "record"]


def suite_of(catalog: Catalog, dataset: str) -> Suite:
    """The dataset's suite; a catalog built without suites still has the contract rule."""
    return catalog.suites.get(dataset) or Suite(version=1, dataset=dataset, expectations=[])


def check(conformed: DataFrame, catalog: Catalog, dataset: str) -> DataFrame:
    return validate.check(conformed, suite_of(catalog, dataset), catalog.contracts[dataset])


def judge(checked: DataFrame, catalog: Catalog, dataset: str, batches: list[tuple[str, str]]) -> dict[str, dict]:
    return validate.judge(checked, suite_of(catalog, dataset), catalog, dataset, batches)


def record(spark: SparkSession, lake: Lake, catalog: Catalog, counts: dict[str, dict],
           places: dict[str, tuple[str, str, str]]) -> None:
    """Write the rule results of the batches just counted, and recompute quality.scores."""
    record_scores(spark, lake, result_rows(catalog, counts, places))
