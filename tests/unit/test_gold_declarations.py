"""Indicator declarations: the catalog's counts, template expansion, and clear errors."""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from suizhi.catalog import load_catalog
from suizhi.errors import ConfigError
from suizhi.gold.alerts import events_of, level_of
from suizhi.gold.declarations import Warning, load_indicators
from suizhi.gold.engine import _gid, dataset_query
from suizhi.gold.item_catalog import ItemSpec
from suizhi.gold.topics import load_topics
from suizhi.simulate.crossings import CROSSINGS
from tests.conftest import REPO, make_home

SEED_COUNTS = {
    ("monitoring", "医疗卫生"): 338, ("monitoring", "城市管理"): 122, ("monitoring", "智慧水务"): 88,
    ("monitoring", "民生服务"): 152, ("warning", "燃气管理"): 32, ("warning", "应急总览"): 53,
    ("warning", "智慧气象"): 73, ("warning", "交通运行"): 11, ("warning", "新冠疫情"): 20,
    ("warning", "生态环境"): 52, ("warning", "营商环境"): 11, ("warning", "经济运行"): 25}


def test_the_declarations_expand_to_the_seeds_counts_per_domain():
    catalog = load_catalog(REPO)
    indicators = load_indicators(REPO, catalog.contracts)
    assert Counter((i.kind, i.domain) for i in indicators) == SEED_COUNTS
    assert len({i.id for i in indicators}) == 977
    by_id = {i.id: i for i in indicators}
    tianhe = by_id["hv_visits.440106"] if "hv_visits.440106" in by_id else by_id["hv_district_visits.440106"]
    assert (tianhe.name, tianhe.dimension, tianhe.measure) == ("天河区门急诊人次", "district=440106", "count(*)")
    assert by_id["hv_visits.hospital00"].name == "广州市第一人民医院门急诊人次"


def test_dimension_values_are_values_the_systems_send():
    catalog = load_catalog(REPO)
    for ind in load_indicators(REPO, catalog.contracts):
        for (_, column), value in zip(ind.by, ind.values):
            sim = catalog.contracts[ind.source].column(column).simulate
            assert sim.kind == "district_code" or value in sim.values, (ind.id, column, value)


def test_every_crossing_names_a_declared_warning_indicator():
    ids = {i.id: i for i in load_indicators(REPO)}
    for crossing in CROSSINGS:
        ind = ids[crossing["expect"]["indicator_id"]]
        assert ind.warning is not None and ind.source == crossing["dataset"]
        assert ind.dimension == crossing["expect"]["dimension"]


def test_a_bad_declaration_names_its_file_and_field(tmp_path):
    home = make_home(tmp_path)
    path = home / "conf" / "indicators" / "warning_traffic.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["families"][0]["measures"][0]["warning"]["thresholds"]["红"] = 9.0
    data["families"][0]["by"] = ["roads"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_indicators(home)
    assert "warning_traffic.yaml: line 10: field 'families.0.measures.0.warning'" in str(err.value)
    assert "falling" in str(err.value)


def test_topic_declarations_cover_the_ten_topics():
    topics = load_topics(REPO, load_catalog(REPO))
    assert sorted(topics) == sorted(["typhoon", "muck_truck", "traffic", "epidemic_control", "rainstorm",
                                     "party_vanguard", "festival_support", "event_support", "covid_vaccine",
                                     "hotline"])


def test_one_query_per_dataset_with_a_grouping_set_per_family():
    by_source = [i for i in load_indicators(REPO) if i.source == "hospital_visit" and i.kind == "monitoring"]
    sql, columns, aliases = dataset_query("t", by_source)
    assert columns == ["clinic", "diagnosis_code", "district_code", "hospital_name"]
    assert sql.count("GROUPING SETS") == 1 and len(aliases) == 9  # measures shared by families are computed once
    assert "count(*) FILTER (WHERE visit_type = '急诊')" in sql
    assert _gid(columns, ("hospital_name",)) == 0b01110 and _gid(columns, ()) == 0b01111


RAIN = Warning(direction="above", thresholds={"蓝": 130, "黄": 150, "橙": 170, "红": 200})
SPEED = Warning(direction="below", thresholds={"蓝": 4.5, "黄": 3.5, "橙": 2.5, "红": 1.5}, clear_after=1)


def test_levels_follow_the_direction():
    assert [level_of(v, RAIN) for v in (120, 130, 165, 199.9, 250)] == [None, "蓝", "黄", "橙", "红"]
    assert [level_of(v, SPEED) for v in (5, 4.5, 2.0, 0.3)] == [None, "蓝", "橙", "红"]


def test_an_alert_escalates_and_clears_only_after_calm_periods():
    series = [("01", 100), ("02", 140), ("03", 175), ("04", 128), ("05", 120), ("06", 135), ("07", 110),
              ("08", 100), ("09", 90)]
    assert events_of(series, RAIN) == [
        ("02", "蓝", "raised", 140, 130), ("03", "橙", "escalated", 175, 170),
        # 128 is under 蓝 but inside the 5 % band (123.5): not calm; 135 breaks the calm run.
        ("08", "橙", "cleared", 100, 170)]
    assert events_of([("01", 2.0), ("02", 4.6), ("03", 4.8)], SPEED) == [
        ("01", "橙", "raised", 2.0, 2.5), ("03", "橙", "cleared", 4.8, 2.5)]


def test_the_full_catalog_declares_3548_vital_sign_items_each_traceable():
    from suizhi.gold.declarations import load_dimensions
    from suizhi.gold.item_catalog import declare_items, district_breakdown
    catalog = load_catalog(REPO)
    indicators = load_indicators(REPO, catalog.contracts)
    columns = {d: {c.name for c in catalog.contracts[d].columns} for d in catalog.datasets()}
    breakdown = district_breakdown(indicators, load_dimensions(REPO), columns)
    items = declare_items(indicators, breakdown, {d: catalog.contracts[d].title for d in catalog.datasets()},
                          {t: topic.name for t, topic in catalog.topics.items()})
    kinds = Counter(i.item_id.split(":")[0] + ("/district" if "/district=" in i.item_id else "") for i in items)
    # 201 additive indicators, not per district, per hospital or disposal site, nor declared per district
    # elsewhere, × 11 districts; 29 of the 31 datasets record the district.
    assert kinds == {"indicator": 977, "indicator/district": 201 * 11, "dataset": 31, "dataset/district": 29 * 11,
                     "topic": 10}
    assert len(items) == 3_548
    assert len({i.item_id for i in items}) == len({i.name for i in items}) == 3_548
    by_id = {i.item_id: i for i in items}
    assert by_id["indicator:hv_emergency_all/district=440106"] == ItemSpec(
        "indicator:hv_emergency_all/district=440106", "天河区急诊人次", "hv_emergency_all", "district=440106", "人次")
    assert by_id["indicator:hv_clinic_visits.clinic00/district=440111"].dimension == "clinic=内科,district=440111"
    assert by_id["dataset:hotline_ticket/district=440103"].source == "silver.hotline_ticket"
    # Already declared per district, per hospital, or not additive: no breakdown.
    assert {"indicator:hv_visits_all/district=440106", "indicator:hv_visits.hospital00/district=440106",
            "indicator:hv_fee_avg_all/district=440106"}.isdisjoint(by_id)
