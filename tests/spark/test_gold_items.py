"""Vital-sign items on a six-row dataset: the district breakdowns come out of the indicators' one
query per dataset, and every item carries its exact latest value, age and unit."""
from __future__ import annotations

from pathlib import Path

import pytest

from suizhi.gold.declarations import Dimension, DomainFile, expand
from suizhi.gold.engine import DISTRICT_SCHEMA, compute_values, write_values
from suizhi.gold.item_catalog import declare_items, district_breakdown
from suizhi.gold.items import write_items
from suizhi.gold.reports import Facts
from suizhi.lake import Lake

pytestmark = pytest.mark.spark

DIMENSIONS = {"district": Dimension(column="district_code", values={"440106": "天河区", "440111": "白云区"}),
              "category": Dimension(column="category", values=["A", "B"])}
DECLARED = DomainFile.model_validate({"version": 1, "kind": "monitoring", "domain": "民生服务", "families": [
    {"source": "toy", "measures": [{"id": "t_all", "name": "全市工单量", "measure": "count(*)", "unit": "件"},
                                   {"id": "t_avg", "name": "全市平均金额", "measure": "avg(amount)", "unit": "元"}]},
    {"source": "toy", "by": ["category"],
     "measures": [{"id": "t_amount", "name": "{category}类金额", "measure": "sum(amount)", "unit": "元"}]},
    {"source": "toy", "by": ["district"],
     "measures": [{"id": "t_district_amount", "name": "{district}金额", "measure": "sum(amount)", "unit": "元"}]}]})
ROWS = [("2021-01", "440106", "A", 10.0), ("2021-01", "440106", "B", 5.0), ("2021-01", "440111", "A", 7.0),
        ("2021-01", None, "A", 1.0), ("2021-02", "440106", "A", 3.0), ("2021-02", "440111", "B", 4.0)]


def test_items_carry_their_exact_latest_values(spark, tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    spark.createDataFrame(ROWS, "_period string, district_code string, category string, amount double") \
        .write.format("delta").save(lake.table("silver.toy"))
    indicators = expand(DECLARED, DIMENSIONS, Path("monitoring_toy.yaml"))
    breakdown = district_breakdown(indicators, DIMENSIONS, {"toy": {"district_code", "category", "amount"}})
    # Averages do not add up across districts, and t_district_amount is per district already.
    assert breakdown.indicators == {"t_all", "t_amount.A", "t_amount.B"} and breakdown.datasets == {"toy"}
    values, districts = compute_values(spark, lake, indicators, None, breakdown)
    assert sorted(v[:4] for v in values) == [
        ("t_all", "2021-01", "", 4.0), ("t_all", "2021-02", "", 2.0),
        ("t_amount.A", "2021-01", "category=A", 18.0), ("t_amount.A", "2021-02", "category=A", 3.0),
        ("t_amount.B", "2021-01", "category=B", 5.0), ("t_amount.B", "2021-02", "category=B", 4.0),
        ("t_avg", "2021-01", "", 5.75), ("t_avg", "2021-02", "", 3.5),
        ("t_district_amount.440106", "2021-01", "district=440106", 15.0),
        ("t_district_amount.440106", "2021-02", "district=440106", 3.0),
        ("t_district_amount.440111", "2021-01", "district=440111", 7.0),
        ("t_district_amount.440111", "2021-02", "district=440111", 4.0)]
    # The row without a district counts city-wide only.
    assert sorted(d[:4] for d in districts) == [
        ("dataset:toy/district=440106", "2021-01", "440106", 2.0),
        ("dataset:toy/district=440106", "2021-02", "440106", 1.0),
        ("dataset:toy/district=440111", "2021-01", "440111", 1.0),
        ("dataset:toy/district=440111", "2021-02", "440111", 1.0),
        ("indicator:t_all/district=440106", "2021-01", "440106", 2.0),
        ("indicator:t_all/district=440106", "2021-02", "440106", 1.0),
        ("indicator:t_all/district=440111", "2021-01", "440111", 1.0),
        ("indicator:t_all/district=440111", "2021-02", "440111", 1.0),
        ("indicator:t_amount.A/district=440106", "2021-01", "440106", 10.0),
        ("indicator:t_amount.A/district=440106", "2021-02", "440106", 3.0),
        ("indicator:t_amount.A/district=440111", "2021-01", "440111", 7.0),
        ("indicator:t_amount.B/district=440106", "2021-01", "440106", 5.0),
        ("indicator:t_amount.B/district=440111", "2021-02", "440111", 4.0)]
    write_values(spark, lake, districts, ["2021-01", "2021-02"], "gold.district_values", DISTRICT_SCHEMA)
    held = spark.read.format("delta").load(lake.table("gold.district_values"))
    ledger = [{"dataset": "toy", "period": p, "rows_landed": n, "inserted": n, "duplicates": 0, "superseded": 0,
               "quarantined": 0} for p, n in (("2021-01", 4), ("2021-02", 2))]
    facts = Facts({i.id: i for i in indicators}, [v[:4] for v in values], [], [("hotline", "有呼必应", "2021-01", 3)],
                  ledger, {}, {}, [(r.item_id, r.period, r.value) for r in held.collect()])
    specs = declare_items(indicators, breakdown, {"toy": "玩具工单"}, {"hotline": "有呼必应"})
    assert len(specs) == 6 + 3 * 2 + 1 + 2 + 1
    assert write_items(spark, lake, facts, specs) == 16  # each has a value, some only in January
    items = {r["item_id"]: tuple(r)[1:] for r in spark.read.format("delta").load(lake.table("gold.vital_sign_items"))
             .collect()}
    assert items["indicator:t_all"] == ("全市工单量", "t_all", "", "2021-02", 2.0, 0, "件")
    assert items["indicator:t_all/district=440106"] == (
        "天河区工单量", "t_all", "district=440106", "2021-02", 1.0, 0, "件")
    assert items["indicator:t_amount.A/district=440111"] == (
        "白云区A类金额", "t_amount.A", "category=A,district=440111", "2021-01", 7.0, 28, "元")
    assert items["indicator:t_avg"] == ("全市平均金额", "t_avg", "", "2021-02", 3.5, 0, "元")
    assert items["dataset:toy"] == ("玩具工单入库量", "silver.toy", "", "2021-02", 2.0, 0, "条")
    assert items["dataset:toy/district=440111"] == (
        "白云区玩具工单记录数", "silver.toy", "district=440111", "2021-02", 1.0, 0, "条")
    assert items["topic:hotline"] == ("有呼必应专题数据量", "gold.topic_hotline", "", "2021-01", 3.0, 28, "条")
    assert set(items) == {s.item_id for s in specs}
