"""The quality rules catch every defect the simulator injects, counted per rule and system,
and the ledger still balances against the ground truth."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.connectors import extract_batch
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
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
            build_silver(spark, lake, catalog)
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
