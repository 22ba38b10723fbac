"""The quality rules catch every defect the simulator injects, counted per rule and system,
and the ledger still balances against the ground truth."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.catalog import load_catalog
from suizhi.connectors.extract import extract_batch
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.quality.checks import rule_validation, write_scorecard
from suizhi.quality.quarantine import list_quarantine, quarantine_table
from suizhi.quality.replay import read_corrections, replay
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import build_silver
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest
from tests.conftest import MINI, make_home

pytestmark = pytest.mark.integration
MONTHS = ("2021-01", "2021-02")


@pytest.fixture(scope="module")
def built(spark, tmp_path_factory):
    """Two months of the three-system catalog through land and silver (no scheduler)."""
    home = make_home(tmp_path_factory.mktemp("quality"), MINI)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        settings, catalog = current_settings(), current_catalog()
        lake = Lake(settings.lake_root)
        manifest = simulate(catalog, 2021, 0.6, 7, Path(settings.sources_root))
        for period in MONTHS:
            batches = [extract_batch(s, catalog.contracts[s.dataset], period, settings.sources_root, lake)
                       for s in catalog.systems.values()]
            land(spark, lake, catalog, batches)
            with rule_validation(home / "reports" / "quality" / "gx") as validation:  # as the silver DAG runs it
                build_silver(spark, lake, catalog, validation=validation)
        yield home, lake, manifest


def _truth(manifest) -> dict[tuple[str, str], int]:
    truth: Counter = Counter()
    for system, t in manifest["systems"].items():
        for period in MONTHS:
            for rule_type, n in t["months"][period]["quarantined_by"].items():
                truth[(system, rule_type)] += n
    return {k: v for k, v in truth.items() if v}


def test_quarantined_rows_per_rule_and_system_equal_the_injected_defects(spark, built):
    _, lake, manifest = built
    assert against_manifest([r.asDict() for r in read_ledger(spark, lake).collect()], manifest, set(MONTHS)) == []
    results = spark.read.format("delta").load(lake.table("quality.results"))
    failed = {(r.system, r.type): r.n for r in results.where("action = 'quarantine'")
              .groupBy("system", "type").agg(F.sum("failed").alias("n")).collect() if r.n}
    truth = _truth(manifest)
    assert failed == truth
    assert truth == {
        ("wjw_covid_test_baiyun", "contract"): 2, ("wjw_covid_test_baiyun", "guangzhou_division"): 2,
        ("wjw_covid_test_baiyun", "in_guangzhou"): 2,
        ("wjw_covid_test_tianhe", "contract"): 2, ("wjw_covid_test_tianhe", "citizen_id"): 3,
        ("wjw_covid_test_tianhe", "in_guangzhou"): 1, ("wjw_covid_test_tianhe", "guangzhou_division"): 1,
        ("zsj_hotline_12345", "contract"): 2, ("zsj_hotline_12345", "guangzhou_division"): 3,
        ("zsj_hotline_12345", "mobile"): 7,
    }


def test_the_quarantine_names_rule_and_dimension_and_keeps_no_clear_identifier(spark, built):
    _, lake, manifest = built
    types = {"covid_test": {"citizen_id_gb11643": "citizen_id", "district_code_gbt2260": "guangzhou_division",
                            "lng_in_guangzhou": "in_guangzhou", "contract": "contract"},
             "hotline_ticket": {"caller_mobile_format": "mobile", "district_code_gbt2260": "guangzhou_division",
                                "contract": "contract"}}
    rows = []
    for dataset in types:
        rows += spark.read.format("delta").load(lake.table(f"quarantine.{dataset}")).collect()
    by_rule = Counter((r._source_system, types[r.dataset][r.rule]) for r in rows)
    assert by_rule == _truth(manifest)
    dimensions = {(r.rule, r.dimension) for r in rows if r.rule != "contract"}
    assert dimensions == {("citizen_id_gb11643", "准确性"), ("district_code_gbt2260", "规范性"),
                          ("lng_in_guangzhou", "准确性"), ("caller_mobile_format", "规范性")}
    shown = " ".join(f"{r.failing_value} {r._raw_record}" for r in rows)
    assert re.search(r"[0-9]{17}[0-9X]", shown) is None          # no citizen ID in clear
    assert re.search(r"1[3-9][0-9]{8,9}", shown) is None          # nor a mobile number
    citizen = [r.failing_value for r in rows if r.rule == "citizen_id_gb11643"]
    assert all(re.fullmatch(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", v) for v in citizen) and len(citizen) == 3


def test_the_scorecard_shows_the_numbers_of_the_score_tables(spark, built):
    home, lake, _ = built
    catalog = load_catalog(home)
    data = write_scorecard(spark, lake, catalog, home / "reports" / "quality")
    scores = spark.read.format("delta").load(lake.table("quality.scores"))
    expected = {(r.department, r.dimension): round(100 * (1 - r.f / r.e), 2) for r in
                scores.groupBy("department", "dimension").agg(F.sum("evaluated").alias("e"),
                                                              F.sum("failed").alias("f")).collect()}
    book = load_workbook(home / "reports" / "quality" / "scorecard.xlsx")
    sheet = list(book["部门维度"].values)
    header = sheet[0]
    shown = {(row[1], header[i]): row[i] for row in sheet[1:] for i in range(2, len(header)) if row[i] != "—"}
    assert shown == expected
    assert set(d for d, _ in shown) == {"wjw", "zsj"}
    page = (home / "reports" / "quality" / "scorecard.html").read_text(encoding="utf-8")
    for score in expected.values():
        assert f'<td class="num">{score:,.2f}</td>' in page
    worst = data["worst"][0]
    assert (worst["dataset"], worst["rule"]) == ("covid_test", "sampled_at_timely")
    results = spark.read.format("delta").load(lake.table("quality.results"))
    mobile = results.where("rule = 'caller_mobile_format'").agg(F.sum("failed")).first()[0]
    row = next(r for r in list(book["最差规则"].values) if r[1] == "caller_mobile_format")
    assert (row[5], len(row[7].split("；"))) == (mobile, 3)
    assert all(re.fullmatch(r"1[0-9]{2}\*+[0-9]{4}", v) for v in row[7].split("；"))
    assert 'href="gx/index.html"' in page
    # Great Expectations' Data Docs: each dataset's suite, and the validation that judged the last run's batches.
    docs = home / "reports" / "quality" / "gx"
    assert sorted(p.name for p in (docs / "expectations").glob("*.html")) == ["covid_test.html", "hotline_ticket.html"]
    assert sorted(p.parent.parent.name for p in (docs / "validations").rglob("*.html")) == ["silver 2021-02"] * 2


def test_quarantine_list_shows_one_systems_rows_masked(spark, built):
    home, lake, manifest = built
    rows = list_quarantine(spark, lake, load_catalog(home), "hotline_ticket", "zsj_hotline_12345", limit=100)
    assert Counter(r["rule"] for r in rows) == {"contract": 2, "district_code_gbt2260": 3, "caller_mobile_format": 7}
    text = quarantine_table(rows)
    assert "caller_mobile_format" in text and re.search(r"1[3-9][0-9]{8,9}", text) is None


def test_a_corrected_row_replays_into_silver_and_the_ledger_still_balances(spark, built):
    """Runs last: it changes the lake the tests above read."""
    home, lake, _ = built
    catalog = load_catalog(home)
    ledger = {r.batch_id: r for r in read_ledger(spark, lake).collect()}
    stopped = (spark.read.format("delta").load(lake.table("quarantine.hotline_ticket"))
               .where("rule = 'caller_mobile_format'").dropDuplicates(["_record_hash"])
               .orderBy("_batch_id", "_source_line").limit(3).collect())
    bronze = {r._record_hash: r.asDict() for r in spark.read.format("delta").load(lake.table("bronze.hotline_ticket"))
              .where((F.col("_source_system") == "zsj_hotline_12345")
                     & F.col("_record_hash").isin([r._record_hash for r in stopped])).collect()}
    columns = [c.name for c in catalog.contracts["hotline_ticket"].columns]
    fixes = {r._record_hash: {c: bronze[r._record_hash][c] for c in columns} for r in stopped}
    for i, r in enumerate(stopped):
        fixes[r._record_hash]["caller_mobile"] = "1380013800" + str(i) if i < 2 else "12345"   # the last stays bad
    file = home / "corrections.jsonl"
    file.write_text("\n".join(json.dumps({"id": k, "record": v}, ensure_ascii=False) for k, v in fixes.items()))
    silver_before = spark.read.format("delta").load(lake.table("silver.hotline_ticket")).count()
    assert replay(spark, lake, catalog, "hotline_ticket", read_corrections(file)) == {"inserted": 2, "quarantined": 1}
    after = {r.batch_id: r for r in read_ledger(spark, lake).collect()}
    moved = Counter(r._batch_id for r in stopped[:2])
    for batch, n in moved.items():
        assert (after[batch].quarantined, after[batch].inserted) == (ledger[batch].quarantined - n,
                                                                     ledger[batch].inserted + n)
    assert [r.system for r in conservation(read_ledger(spark, lake)).collect() if not r.holds] == []
    assert spark.read.format("delta").load(lake.table("silver.hotline_ticket")).count() == silver_before + 2
    assert spark.read.format("delta").load(lake.table("ledger.replays")).count() == 2
    replay(spark, lake, catalog, "hotline_ticket", read_corrections(file))            # again: nothing changes
    assert {r.batch_id: r.quarantined for r in read_ledger(spark, lake).collect()} == \
        {b: r.quarantined for b, r in after.items()}
