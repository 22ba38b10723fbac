"""Great Expectations decides a silver run: a threshold the data cannot meet, configured to fail,
stops the run naming the rule and figures before the dataset commits, and its Data Docs show
the verdict; configured to warn, the run goes on and the warning is recorded per batch."""
from __future__ import annotations

import dataclasses
import re

import pytest
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.delta_log import latest_version
from suizhi.errors import QualityError
from suizhi.ledger import read_ledger
from suizhi.quality.checks import rule_validation
from suizhi.quality.scores import load_thresholds
from suizhi.silver import build_silver

pytestmark = pytest.mark.spark
RULE, DEFECT = "citizen_id_gb11643", "citizen_id"  # expectations/covid_test.yaml: a quarantine rule
COVID = ("wjw_covid_test_baiyun", "wjw_covid_test_tianhe")


def _thresholds(home, catalog, warn: float, fail: float):
    """The catalog with conf/quality.yaml holding covid_test's citizen-ID rule to `warn` and
    `fail`, the other rules to thresholds the month meets, and batches of any size judged."""
    (home / "conf" / "quality.yaml").write_text(
        f"version: 1\ndefault: {{warn: 0.5, fail: 0.1}}\nmin_rows: 0\n"
        f"rules:\n  covid_test.{RULE}: {{warn: {warn}, fail: {fail}}}\n", encoding="utf-8")
    return dataclasses.replace(catalog, thresholds=load_thresholds(home))


def _failing(manifest) -> dict[str, tuple[int, int]]:
    """Per covid batch of January with a bad citizen ID: (records that fail the rule, records it
    evaluates) by the simulator's ground truth; the rule judges every record the contract accepts."""
    found = {}
    for system in COVID:
        truth = manifest["systems"][system]["months"]["2021-01"]
        if truth["quarantined_by"].get(DEFECT):
            found[f"{system}/2021-01"] = (truth["quarantined_by"][DEFECT],
                                          truth["rows"] - truth["quarantined_by"]["contract"])
    return found


def test_a_threshold_gx_finds_unmet_fails_the_run_or_warns_as_configured(spark, mini_home, mini_january):
    lake, catalog, batches, manifest = mini_january
    land(spark, lake, catalog, batches)
    failing = _failing(manifest)
    assert len(failing) == 1  # one system's month has a bad ID, the other's none: GX must tell them apart
    docs = mini_home / "reports" / "quality" / "gx"

    # Configured to fail: no bad citizen ID allowed. GX's critical expectation finds the one batch.
    strict = _thresholds(mini_home, catalog, warn=1.0, fail=1.0)
    (batch, (n, m)), = failing.items()
    expected = (f"covid_test: system {batch.split('/')[0]}, batch {batch}, rule '{RULE}': score {1 - n / m:.4f} "
                f"({n} of {m} rows failed) is below the fail threshold 1.0")
    with pytest.raises(QualityError, match=re.escape(expected + " (Great Expectations, suite 'covid_test')")), \
            rule_validation(docs) as validation:
        build_silver(spark, lake, strict, validation=validation)
    assert latest_version(spark, lake.table("silver.covid_test")) is None      # stopped before its commit
    assert latest_version(spark, lake.table("silver.hotline_ticket")) is not None  # the other dataset went on
    assert read_ledger(spark, lake).where(F.col("silvered_at").isNotNull()).count() == 0
    # The Data Docs show the failed validation that decided the run, with the batch it found.
    pages = sorted((docs / "validations" / "covid_test").rglob("*.html"))
    assert len(pages) == 1
    page = pages[0].read_text(encoding="utf-8")
    assert [b for b in (f"{s}/2021-01" for s in COVID) if b in page] == list(failing) and RULE in page

    # Configured to warn: the same finding is a warning, the run completes and records it.
    lenient = _thresholds(mini_home, catalog, warn=1.0, fail=0.5)
    with rule_validation(docs) as validation:
        build_silver(spark, lake, lenient, validation=validation)
    assert sorted((v.batch_id, v.verdict, v.failed, v.evaluated) for v in validation.verdicts if v.rule == RULE) == [
        (b, "warn", n, m) for b, (n, m) in sorted(failing.items())]
    results = spark.read.format("delta").load(lake.table("quality.results")).where(F.col("dataset") == "covid_test")
    assert {(r.batch_id, r.failed, r.verdict) for r in results.where(F.col("rule") == RULE).collect()} == {
        (b, failing[b][0], "warn") if b in failing else (b, 0, "pass") for b in (f"{s}/2021-01" for s in COVID)}
    # Every verdict recorded is GX's: warned exactly where its validation warned.
    assert {(r.batch_id, r.rule) for r in results.where(F.col("verdict") == "warn").collect()} == {
        (v.batch_id, v.rule) for v in validation.verdicts if v.dataset == "covid_test"}
    assert read_ledger(spark, lake).where(F.col("silvered_at").isNull()).count() == 0
