"""The 绩效自评表 the city's year produces through the DAGs, cell by cell against the seed's.

The city fixture runs the real 115-system catalog through Airflow for all of 2021 (see
conftest.py); nothing here builds a lake by hand. Every expected value is read from the seed
(tests/fixtures/seed/2021_self_evaluation.txt) by tests/seed_table.py.
"""
from __future__ import annotations

import json

import pytest

from suizhi.evaluation.render import narrative
from tests import seed_table as seed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def table(city):
    home, _, _ = city
    return json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))


def test_every_indicator_row_reads_as_the_seeds(table):
    rows = {r["name"]: r for r in table["indicators"]}
    assert len(rows) == 8
    for name, row in rows.items():
        cell = seed.indicator_row(name)
        assert row["target_text"].endswith(cell.target), name   # the seed drops 不低于 off the uptime row
        assert row["actual_text"].startswith(cell.actual), name  # and units off two rows
        assert (row["weight"], row["score"]) == (cell.weight, cell.score), name


def test_the_deviation_analysis_flags_exactly_the_seeds_two_rows(table):
    flagged = [r["name"] for r in table["indicators"] if r["deviation_kind"] != "none"]
    assert flagged == seed.flagged() == ["运行监测服务", "汇聚数据量"]
    assert {r["name"]: r["deviation_kind"] for r in table["indicators"] if r["name"] in flagged} == {
        "运行监测服务": "target_low", "汇聚数据量": "target_low"}


def test_the_budget_lines_and_the_total_are_the_seeds(table):
    budget = seed.budget()
    assert (table["budget"]["planned"], table["budget"]["spent"], table["budget"]["weight"]) == (
        budget["planned"], budget["spent"], budget["weight"])
    assert (f"{table['budget']['rate']:.0%}", table["budget"]["score"]) == (budget["rate"], budget["score"])
    assert table["total"] == seed.total() == 100.0


def test_each_count_is_made_of_the_seeds_parts(table):
    detail = {r["tally"]: r["detail"] for r in table["indicators"]}
    assert detail["monitoring_indicators"]["by_domain"] == seed.monitoring_by_domain()
    assert detail["warning_indicators"]["by_domain"] == seed.warning_by_domain()
    assert detail["analysis_reports"]["by_kind"] == seed.reports_by_kind()
    assert detail["analysis_reports"]["causes"] == []
    assert detail["major_event_support"]["by_level"] == seed.support_by_level()
    assert sorted(detail["topics_processed"]["topics"]) == sorted(seed.topics())


def test_what_was_achieved_states_the_seeds_facts_from_the_catalog_and_the_lake(table):
    facts, summary = seed.achievements(), table["summary"]
    assert (summary["departments"], summary["systems"], summary["devices"]) == (
        facts["departments"], facts["systems"], facts["devices"]) == (35, 115, 84_000)
    least = facts["vital_sign_items_at_least"]
    assert least <= summary["vital_sign_items"] < least + 1000   # 3000多个
    volume = next(r for r in table["indicators"] if r["tally"] == "records_aggregated")
    assert summary["records_to_date"] == volume["actual"]       # the lake holds 2021 alone
    assert narrative(table)["achieved"].startswith(
        "截止2021年12月31日，对接35个市直部门共115个业务系统，接入物联网感知设备终端8.4万个，累计归集城市运行数据11亿条")
