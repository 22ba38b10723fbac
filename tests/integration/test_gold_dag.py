"""Gold through the real DAGs on the three-system mini catalog: ingest, silver, then gold."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from suizhi.delta_log import latest_version
from suizhi.demo import run_months
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def test_the_gold_dag_computes_the_catalogs_indicators_topics_and_reports(spark, mini_home):
    # The declarations are written against the full contracts, which the mini catalog trims.
    for dataset in ("hotline_ticket", "covid_test"):
        shutil.copy(REPO / "schemas" / f"{dataset}.yaml", mini_home / "schemas")
        shutil.copy(REPO / "expectations" / f"{dataset}.yaml", mini_home / "expectations")
    shutil.copytree(REPO / "conf" / "indicators", mini_home / "conf" / "indicators")
    (mini_home / "conf" / "reports.yaml").write_text(
        "version: 1\nthemes:\n  - {id: livelihood, name: 民生服务, domains: [民生服务]}\n", encoding="utf-8")
    (mini_home / "conf" / "topics").mkdir()
    for topic in current_catalog().topics:
        shutil.copy(REPO / "conf" / "topics" / f"{topic}.yaml", mini_home / "conf" / "topics")
    manifest = simulate(current_catalog(), 2021, 0.1, 9, Path(current_settings().sources_root))
    run_months(2021, [1, 2])
    lake = Lake(current_settings().lake_root)

    def rows(name):
        return [r.asDict() for r in spark.read.format("delta").load(lake.table(name)).collect()]

    # Only the hotline feeds indicators in this catalog: 70 of them. At 50 tickets a month a few
    # category slices get no ticket in a month, so 134 of the 140 indicator-months have a value.
    indicators = rows("gold.indicators")
    assert len(indicators) == 70 and {i["source_dataset"] for i in indicators} == {"hotline_ticket"}
    values = rows("gold.indicator_values")
    assert len(values) == 134 and {v["period"] for v in values} == {"2021-01", "2021-02"}
    citywide_tickets = sum(v["value"] for v in values if v["indicator_id"].startswith("hl_channel_tickets."))
    kept = sum(m["inserted"] for s in manifest["systems"].values() if s["dataset"] == "hotline_ticket"
               for p, m in s["months"].items() if p <= "2021-02")
    assert citywide_tickets == kept
    assert rows("gold.alerts") == []
    activity = {(a["topic_id"], a["period"]): a["rows"] for a in rows("gold.topic_activity")}
    assert sum(n for (t, _), n in activity.items() if t == "hotline") == kept
    register = rows("gold.report_register")
    assert sorted(r["report_id"] for r in register) == [
        "monthly-2021-01", "monthly-2021-02", "theme-livelihood-2021", "topic-epidemic_control-2021",
        "topic-hotline-2021"]
    assert all((Path(current_settings().reports_root) / r["path"]).exists() for r in register)
    # Rerunning February: silver is unchanged, so gold writes nothing.
    before = latest_version(spark, lake.table("gold.indicator_values"))
    run_months(2021, [2])
    assert latest_version(spark, lake.table("gold.indicator_values")) == before
