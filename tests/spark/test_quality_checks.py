"""A suite over a crafted batch: counts per rule, quarantine reasons, fail rules and thresholds."""
from __future__ import annotations

import dataclasses

import pytest
from pyspark.sql import functions as F

from suizhi.catalog import load_catalog
from suizhi.errors import QualityError
from suizhi.lake import Lake
from suizhi.ledger import record_landing
from suizhi.quality import checks
from suizhi.quality.scores import load_thresholds
from suizhi.quality.suite import Expectation, Suite
from suizhi.silver import classify
from tests.conftest import MINI
from tests.spark.test_silver import CONTRACT, _batch, _row

pytestmark = pytest.mark.spark
CATALOG = load_catalog(MINI)
BATCH = [("zsj_hotline_12345", "zsj_hotline_12345/2021-03")]


def _checked(spark, catalog=CATALOG):
    rows = [_row("RX1"), _row("RX2"), _row("RX3", satisfaction="9"),
            ("RX4", "李雷", "1380013800", "440106", "噪音", "受理", "4", "2021-03-02 08:00:00", "2021-03-02 09:00:00"),
            ("RX5", "韩梅", "13800138001", "440199", "噪音", "受理", "4", "2021-03-02 08:00:00", "2021-03-02 09:00:00"),
            _row(None)]
    return checks.check(_batch(spark, rows), catalog, "hotline_ticket")


def test_counts_per_rule_and_the_quarantine_reason(spark):
    checked = _checked(spark)
    judged = checks.judge(checked, CATALOG, "hotline_ticket", BATCH)["zsj_hotline_12345/2021-03"]
    counts = judged["rules"]
    assert counts["contract"] == [6, 1]
    assert counts["caller_mobile_format"] == [5, 1]
    assert counts["district_code_gbt2260"] == [5, 1]
    assert counts["satisfaction_range"] == [5, 1]            # warn: counted, not quarantined
    assert counts["created_at_timely"] == [5, 0]
    # Great Expectations warns on every rule that failed a row (warn at 0.99); none of 5 or 6 rows fails the
    # run (a batch under min_rows, 50, is too small to fail on).
    assert judged["warned"] == ["caller_mobile_format", "contract", "district_code_gbt2260", "satisfaction_range"]
    quarantined = checks.quarantine_rows(classify(checked, None, CONTRACT), CONTRACT).orderBy("_source_line").collect()
    assert [(r.rule, r.dimension, r.field, r.failing_value) for r in quarantined] == [
        ("caller_mobile_format", "规范性", "caller_mobile", "138***3800"),
        ("district_code_gbt2260", "规范性", "district_code", "440199"),
        ("contract", "完整性", "ticket_id", "ticket_id: required value is missing"),
    ]
    assert '"caller_name":"李*"' in quarantined[0]._raw_record and "1380013800" not in quarantined[0]._raw_record


def test_a_fail_rule_stops_the_run_naming_dataset_rule_and_field(spark):
    suite = CATALOG.suites["hotline_ticket"]
    strict = Suite(version=1, dataset="hotline_ticket", expectations=[
        e.model_copy(update={"action": "fail"}) if e.rule == "satisfaction_range" else e for e in suite.expectations])
    catalog = dataclasses.replace(CATALOG, suites={**CATALOG.suites, "hotline_ticket": strict})
    with pytest.raises(QualityError, match=r"hotline_ticket: rule 'satisfaction_range' \(准确性, action fail\) "
                                           r"failed on 1 row\(s\) of batch zsj_hotline_12345/2021-03, "
                                           r"field 'satisfaction', e.g. '9'"):
        checks.judge(_checked(spark, catalog), catalog, "hotline_ticket", BATCH)


def test_a_failing_threshold_fails_the_run_with_dataset_rule_and_score(spark, tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "quality.yaml").write_text(
        "version: 1\ndefault: {warn: 0.99, fail: 0.5}\nmin_rows: 5\n"
        "rules:\n  hotline_ticket.caller_mobile_format: {warn: 0.95, fail: 0.9}\n", encoding="utf-8")
    catalog = dataclasses.replace(CATALOG, thresholds=load_thresholds(tmp_path))
    with pytest.raises(QualityError, match=r"hotline_ticket: system zsj_hotline_12345, batch "
                                           r"zsj_hotline_12345/2021-03, rule 'caller_mobile_format': score 0.8000 "
                                           r"\(1 of 5 rows failed\) is below the fail threshold 0.9"):
        checks.judge(_checked(spark), catalog, "hotline_ticket", BATCH)


def test_a_references_rule_counts_the_values_missing_from_the_referenced_keys(spark):
    """A left join against the referenced keys: a value not found fails, a missing value passes."""
    suite = CATALOG.suites["hotline_ticket"]
    rule = Expectation(rule="district_has_tests", type="references", column="district_code",
                       references={"dataset": "covid_test", "column": "district_code"}, dimension="一致性",
                       action="warn", description="工单所属区在核酸检测数据中出现")
    referencing = Suite(version=1, dataset="hotline_ticket", expectations=[*suite.expectations, rule])
    catalog = dataclasses.replace(CATALOG, suites={**CATALOG.suites, "hotline_ticket": referencing})
    rows = [_row("RX1"), _row("RX2"), ("RX3", "李雷", "13800138000", "440104", "噪音", "受理", "4",
                                       "2021-03-02 08:00:00", "2021-03-02 09:00:00"),
            ("RX4", "韩梅", "13800138001", None, "噪音", "受理", "4", "2021-03-02 08:00:00", "2021-03-02 09:00:00")]
    keys = {"district_has_tests": spark.createDataFrame([("440106",), ("440106",), ("440111",)], "_key string")}
    checked = checks.check(_batch(spark, rows), catalog, "hotline_ticket", keys)
    counts = checks.judge(checked, catalog, "hotline_ticket", BATCH)["zsj_hotline_12345/2021-03"]["rules"]
    assert counts["district_has_tests"] == [4, 1]                   # 440104 dangles; duplicated keys add no row
    assert sorted(checked.columns) == sorted(checks.check(_batch(spark, rows), CATALOG, "hotline_ticket").columns
                                             + ["_ok_district_has_tests"])
    with pytest.raises(QualityError, match=r"hotline_ticket: rule 'district_has_tests' needs the keys of "
                                           r"silver.covid_test.district_code"):
        checks.check(_batch(spark, rows), catalog, "hotline_ticket")


@pytest.mark.parametrize(("schedule", "grace", "late"), [
    ("@daily", None, 4), ("@daily", 1, 3), ("@weekly", None, 2), ("@monthly", None, 1)])
def test_timeliness_per_schedule_allows_one_interval_of_the_systems_schedule(spark, schedule, grace, late):
    """Batch 2021-03: a daily system may deliver records from 28 February on, a weekly one
    from 22 February, a monthly one from 1 February; max_lag_days adds days of grace."""
    rule = Expectation(rule="created_at_per_schedule", type="timeliness", column="created_at", per_schedule=True,
                       max_lag_days=grace, dimension="时效性", action="warn", description="按报送周期计迟到")
    hotline = CATALOG.systems["zsj_hotline_12345"].model_copy(update={"schedule": schedule})
    catalog = dataclasses.replace(CATALOG, systems={**CATALOG.systems, "zsj_hotline_12345": hotline},
                                  suites={**CATALOG.suites, "hotline_ticket": Suite(
                                      version=1, dataset="hotline_ticket", expectations=[rule])})
    created = ["2021-03-05 08:00:00", "2021-02-28 12:00:00", "2021-02-27 23:00:00", "2021-02-22 00:00:00",
               "2021-02-01 00:00:00", "2021-01-31 23:59:59"]
    rows = [_row(f"RX{i}", created=c, updated="2021-03-06 08:00:00") for i, c in enumerate(created)]
    checked = checks.check(_batch(spark, rows), catalog, "hotline_ticket")
    counts = checks.judge(checked, catalog, "hotline_ticket", BATCH)["zsj_hotline_12345/2021-03"]["rules"]
    assert counts["created_at_per_schedule"] == [6, late]


def test_accessibility_scores_each_systems_delivery_of_every_period_run(spark, tmp_path):
    """可访问性: a system owes a batch for every period the ledger holds; a missing one fails
    until it lands, and recording the same state again changes no result."""
    lake = Lake(str(tmp_path / "lake"))
    systems = {"wjw_covid_test_baiyun": "covid_test", "wjw_covid_test_tianhe": "covid_test",
               "zsj_hotline_12345": "hotline_ticket"}

    def landing(system, period):
        return {"batch_id": f"{system}/{period}", "system": system, "dataset": systems[system],
                "department": CATALOG.systems[system].department, "period": period, "rows_read": 1, "rows_landed": 1}

    def record(batch):
        system, period = batch.split("/")
        checks.record(spark, lake, CATALOG, {batch: {"rules": {"contract": [1, 0]}}},
                      {batch: (systems[system], system, period)})
        results = spark.read.format("delta").load(lake.table("quality.results")).where("dimension = '可访问性'")
        scores = (spark.read.format("delta").load(lake.table("quality.scores")).where("dimension = '可访问性'")
                  .groupBy("department").agg(F.sum("evaluated").alias("e"), F.sum("failed").alias("f")))
        return (sorted(r.batch_id for r in results.where("failed = 1").collect()), results.count(),
                {r.department: (r.e, r.f) for r in scores.collect()})

    record_landing(spark, lake, [landing(s, p) for s in systems for p in ("2021-01", "2021-02")
                                 if (s, p) != ("wjw_covid_test_tianhe", "2021-02")])
    assert record("zsj_hotline_12345/2021-02") == (["wjw_covid_test_tianhe/2021-02"], 6,
                                                   {"wjw": (4, 1), "zsj": (2, 0)})
    record_landing(spark, lake, [landing("wjw_covid_test_tianhe", "2021-02")])
    assert record("wjw_covid_test_tianhe/2021-02") == ([], 6, {"wjw": (4, 0), "zsj": (2, 0)})
    version = spark.sql(f"DESCRIBE HISTORY delta.`{lake.table('quality.results')}`").agg(F.max("version")).first()[0]
    record("wjw_covid_test_tianhe/2021-02")
    assert spark.sql(f"DESCRIBE HISTORY delta.`{lake.table('quality.results')}`").where(
        f"version > {version} AND CAST(operationMetrics['numTargetRowsUpdated'] AS INT) > 0").count() == 0
