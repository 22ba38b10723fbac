"""Great Expectations over each silver run: the suites become one GX ExpectationSuite, the
run's scores are validated on a Spark DataFrame, and the results are rendered as Data Docs.

GX on Spark issues jobs per expectation when it judges rows. Rows are judged once, by the
rule columns of silver's single pass (validate.py); GX validates the rule scores of the
run: one row per batch, one column per dataset and rule, `expect_column_min_to_be_between`
with the rule's warn threshold. Those metrics are aggregates GX bundles into a few jobs,
however many rules the catalog holds.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from suizhi.catalog import Catalog
from suizhi.quality.scores import Thresholds

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
log = logging.getLogger(__name__)


def column_of(dataset: str, rule: str) -> str:
    return f"{dataset}__{rule}"


def _suite(catalog: Catalog, columns: list[str]):
    import great_expectations as gx
    import great_expectations.expectations as gxe
    thresholds = catalog.thresholds or Thresholds()
    expectations = []
    for dataset, suite in sorted(catalog.suites.items()):
        for e in suite.expectations:
            if column_of(dataset, e.rule) in columns:
                expectations.append(gxe.ExpectColumnMinToBeBetween(
                    column=column_of(dataset, e.rule), min_value=thresholds.of(dataset, e.rule).warn,
                    meta={"dataset": dataset, "rule": e.rule, "type": e.type, "dimension": e.dimension,
                          "action": e.action, "description": e.description}))
    return gx.ExpectationSuite(name="suizhi_quality", expectations=expectations)


def validate_run(spark: SparkSession, catalog: Catalog, rows: list[dict], docs: Path) -> dict | None:
    """Validate this run's rule scores with GX and write Data Docs under `docs`; returns the statistics."""
    scores: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["evaluated"] and r["rule"] != "contract":
            scores.setdefault(r["batch_id"], {})[column_of(r["dataset"], r["rule"])] = 1 - r["failed"] / r["evaluated"]
    columns = sorted({c for per in scores.values() for c in per})
    if not columns:
        return None
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    schema = T.StructType([T.StructField("batch_id", T.StringType())]
                          + [T.StructField(c, T.DoubleType()) for c in columns])
    frame = spark.createDataFrame([[b, *[per.get(c) for c in columns]] for b, per in sorted(scores.items())], schema)
    from great_expectations.data_context.types.base import ProgressBarsConfig
    context = gx.get_context(mode="ephemeral")
    # No progress bars: a run's log (and the demo's output) is read by people.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(site_name="suizhi", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)}})
    batch = context.data_sources.add_spark("suizhi").add_dataframe_asset("rule_scores") \
        .add_batch_definition_whole_dataframe("silver_run")
    suite = context.suites.add(_suite(catalog, columns))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="silver_run", data=batch, suite=suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name="silver", validation_definitions=[definition], result_format="SUMMARY",
        actions=[UpdateDataDocsAction(name="data_docs", site_names=["suizhi"])]))
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    statistics = next(iter(result.run_results.values())).statistics
    log.info("great expectations: %s", statistics)
    return statistics
