"""The gold layer on a simulated year of the whole catalog (scale 0.25), silver built from the drops.

One gold run: every declared indicator gets values, every injected crossing raises its
alert and nothing else alerts, the reports exist and are registered, and a rerun with
silver unchanged writes nothing.
"""
from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from suizhi.delta_log import latest_version
from suizhi.gold.build import build_gold
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate
from tests.conftest import make_home
from tests.gold_lake import silver_from_drops

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def gold(tmp_path_factory, spark):
    home = make_home(tmp_path_factory.mktemp("gold"))
    # Every system but the IoT ones sends CSV drops here: the records are the same whatever
    # the connector, and silver_from_drops reads them, and the devices' readings, without the servers.
    for path in (home / "conf" / "systems").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["connector"]["kind"] == "iot_stream":
            continue
        data["connector"] = {"kind": "file_drop", "format": "csv"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        settings, catalog = current_settings(), current_catalog()
        manifest = simulate(catalog, 2021, 0.25, 11, Path(settings.sources_root))
        lake = Lake(settings.lake_root)
        silver_from_drops(spark, lake, catalog, Path(settings.sources_root), 2021)
        result = build_gold(spark, lake, catalog, home, settings.reports_root)
        yield home, lake, manifest, result


def _table(spark, lake, name):
    return [r.asDict() for r in spark.read.format("delta").load(lake.table(name)).collect()]


def test_every_declared_indicator_has_values_in_the_year(gold, spark):
    _, lake, _, result = gold
    indicators = _table(spark, lake, "gold.indicators")
    assert Counter((i["kind"], i["domain"]) for i in indicators) == {
        ("monitoring", "医疗卫生"): 338, ("monitoring", "城市管理"): 122, ("monitoring", "智慧水务"): 88,
        ("monitoring", "民生服务"): 152, ("warning", "燃气管理"): 32, ("warning", "应急总览"): 53,
        ("warning", "智慧气象"): 73, ("warning", "交通运行"): 11, ("warning", "新冠疫情"): 20,
        ("warning", "生态环境"): 52, ("warning", "营商环境"): 11, ("warning", "经济运行"): 25}
    values = spark.read.format("delta").load(lake.table("gold.indicator_values"))
    with_values = {r[0] for r in values.where("value IS NOT NULL").select("indicator_id").distinct().collect()}
    assert with_values == {i["indicator_id"] for i in indicators}
    assert result["periods"] == [f"2021-{m:02d}" for m in range(1, 13)]


def test_each_crossing_raises_exactly_its_alert(gold, spark):
    _, lake, manifest, _ = gold
    alerts = _table(spark, lake, "gold.alerts")
    raised = sorted((a["indicator_id"], a["dimension"], a["period"], a["level"])
                    for a in alerts if a["event"] in ("raised", "escalated"))
    expected = sorted((c["indicator_id"], c["dimension"], c["period"], c["level"]) for c in manifest["crossings"])
    assert len(expected) == 3
    assert raised == expected
    # Each clears after two calm months (anti-flapping), and nothing else happens.
    assert sorted((a["indicator_id"], a["event"]) for a in alerts if a["event"] == "cleared") == sorted(
        (c["indicator_id"], "cleared") for c in manifest["crossings"])
    assert len(alerts) == 6


def test_reports_are_written_registered_and_carry_their_chart_data(gold, spark):
    home, lake, _, result = gold
    register = _table(spark, lake, "gold.report_register")
    # conf/reports.yaml: reports from June 2021 on, 15 themes; the seed's 36 as 15 / 10 / 1 / 3 / 7.
    assert Counter(r["kind"] for r in register) == {"monthly": 7, "quarterly": 3, "annual": 1, "topic": 10,
                                                    "theme": 15}
    assert result["reports"] == 36
    root = home / "reports"
    activity = {(r["topic_id"], r["period"]): r["rows"] for r in _table(spark, lake, "gold.topic_activity")}
    assert {t for t, _ in activity} == {"typhoon", "muck_truck", "traffic", "epidemic_control", "rainstorm",
                                        "party_vanguard", "festival_support", "event_support", "covid_vaccine",
                                        "hotline"}
    for r in register:
        page = (root / r["path"]).read_text(encoding="utf-8")
        assert (root / r["path"]).with_suffix(".md").exists()
        assert page.count("echarts.init(") >= 2
        script = re.search(r'<script src="([^"]+)"', page).group(1)
        assert ((root / r["path"]).parent / script).exists()
        if r["kind"] == "topic":
            series = [activity.get((r["topic_id"], f"2021-{m:02d}"), 0) for m in range(6, 13)]
            assert json.dumps(series).replace(" ", "") in page.replace(" ", "")


def test_one_report_of_each_kind_draws_every_chart_in_chromium(gold, spark, tmp_path):
    """Opened from disk with no network, as a reader would: each chart's div holds an SVG."""
    home, lake, _, _ = gold
    first = {}
    for r in sorted(_table(spark, lake, "gold.report_register"), key=lambda r: r["report_id"]):
        first.setdefault(r["kind"], r)
    drawn = {}
    for kind, r in sorted(first.items()):
        page = home / "reports" / r["path"]
        dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                              f"--user-data-dir={tmp_path / kind}", "--virtual-time-budget=5000", "--dump-dom",
                              page.as_uri()], check=True, capture_output=True, text=True, timeout=180).stdout
        charts = dom.split('class="chart"')[1:]
        drawn[kind] = (len(charts), sum("<svg" in c.split("</script>", 1)[0] for c in charts))
        assert drawn[kind][0] == page.read_text(encoding="utf-8").count("echarts.init("), kind
    assert {k: drawn_ == total for k, (total, drawn_) in drawn.items()} == dict.fromkeys(
        ("annual", "monthly", "quarterly", "theme", "topic"), True), drawn


def test_a_rerun_with_silver_unchanged_writes_nothing(gold, spark):
    home, lake, _, _ = gold
    names = ["gold.indicators", "gold.indicator_values", "gold.district_values", "gold.alerts",
             "gold.topic_activity", "gold.report_register", "gold.vital_sign_items"]
    before = {n: latest_version(spark, lake.table(n)) for n in names}
    catalog = current_catalog()
    assert build_gold(spark, lake, catalog, home, str(home / "reports")) == {"skipped": True}
    assert {n: latest_version(spark, lake.table(n)) for n in names} == before


def test_vital_sign_items_trace_every_indicator_and_dataset(gold, spark):
    home, lake, _, result = gold
    items = _table(spark, lake, "gold.vital_sign_items")
    kinds = Counter(i["item_id"].split(":")[0] + ("/district" if "/district=" in i["item_id"] else "") for i in items)
    # Datasets' 入库量 comes from the ledger, which this lake (silver built from the drops) has not;
    # a district figure is published when its slice has a row in some month (3,548 are declared).
    computed = {r[0] for r in spark.read.format("delta").load(lake.table("gold.district_values"))
                .select("item_id").distinct().collect()}
    assert kinds == {"indicator": 977, "topic": 10,
                     "indicator/district": sum(1 for i in computed if i.startswith("indicator:")),
                     "dataset/district": 29 * 11}
    assert {i["item_id"] for i in items if "/district=" in i["item_id"]} == computed
    assert result["items"] == len(items) > 3_000
    assert {i["freshness_days"] for i in items if i["latest_period"] == "2021-12"} == {0}
    # A dataset's district figures are its silver rows of the month in each district.
    by_district = {r["district_code"]: r["count"] for r in spark.read.format("delta")
                   .load(lake.table("silver.hotline_ticket")).where("_period = '2021-12'")
                   .groupBy("district_code").count().collect()}
    hotline = {i["dimension"]: i["latest_value"] for i in items
               if i["item_id"].startswith("dataset:hotline_ticket/") and i["latest_period"] == "2021-12"}
    assert hotline == {f"district={d}": float(n) for d, n in by_district.items() if f"district={d}" in hotline}
    assert len(hotline) == 11
