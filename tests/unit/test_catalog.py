"""The catalog in conf/ and schemas/ is complete, and a bad file gets an error naming file and field."""
from __future__ import annotations

import random
import shutil
from collections import Counter

import pytest
import yaml

from suizhi.catalog import check_catalog, load_catalog
from suizhi.errors import ConfigError
from tests.conftest import MINI, REPO


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(REPO)


def test_the_catalog_has_the_citys_35_departments_and_115_systems(catalog):
    assert len(catalog.departments) == 35
    assert len(catalog.systems) == 115
    owners = Counter(s.department for s in catalog.systems.values())
    assert set(owners) == set(catalog.departments)


def test_every_system_has_a_contract_and_every_contract_a_system(catalog):
    assert {s.dataset for s in catalog.systems.values()} == set(catalog.contracts)


def test_the_ten_topics_of_the_seed_are_each_served(catalog):
    names = {t.name for t in catalog.topics.values()}
    assert names == {"台风", "泥头车", "交通运行", "疫情防控", "智慧气象暴雨场景", "羊城先锋",
                     "重大节日保障", "重大活动保障", "新冠疫苗", "有呼必应"}
    served = Counter(t for s in catalog.systems.values() for t in s.topics)
    assert set(served) == set(catalog.topics)


def test_the_report_plan_starts_in_june_with_fifteen_themes_each_resolving(catalog):
    from suizhi.gold.declarations import load_indicators
    from suizhi.gold.report_plan import load_report_plan
    plan = load_report_plan(REPO, {i.domain for i in load_indicators(REPO)}, set(catalog.datasets()))
    assert (plan.start, plan.periodic, plan.topics) == ("2021-06", ["monthly", "quarterly", "annual"], True)
    # The seed's areas of operation monitoring, but 互联网+监管 (no system of the catalog serves it),
    # with 智慧气象 and 新冠疫情, which carry its warning indicators.
    assert [t.name for t in plan.themes] == [
        "经济运行", "政务服务", "医疗卫生", "民生服务", "交通运行", "应急管理", "水务管理", "生态管理", "营商环境",
        "公共安全", "城市管理", "城市建设", "城市调度", "智慧气象", "新冠疫情"]


SIM_TYPES = {"key": "string", "citizen_id": "string", "person_name": "string", "mobile": "string",
             "district_code": "string", "plate": "string", "address": "string", "text": "string",
             "device_id": "string", "credit_code": "string", "choice": "string", "lng": "double",
             "lat": "double", "number": "double", "integer": "integer", "event_time": "timestamp",
             "update_time": "timestamp", "date": "date", "boolean": "boolean"}


def test_every_column_type_fits_what_the_simulator_writes(catalog):
    wrong = [f"{k.dataset}.{c.name}" for k in catalog.contracts.values() for c in k.columns
             if SIM_TYPES[c.simulate.kind] != c.type]
    assert wrong == []


def _broken(tmp_path, edit):
    home = tmp_path / "home"
    shutil.copytree(MINI, home)
    edit(home)
    return [p.replace(str(home) + "/", "") for p in check_catalog(home)]


def test_an_unknown_key_is_refused_with_its_file_and_field(tmp_path):
    def edit(home):
        path = home / "conf/systems/zsj_hotline_12345.yaml"
        data = yaml.safe_load(path.read_text()) | {"owner_email": "x@gz.gov.cn"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/zsj_hotline_12345.yaml: line 9: field 'owner_email': Extra inputs are not permitted"]


def test_a_connector_is_checked_by_its_kind_and_names_the_field(tmp_path):
    def edit(home):
        path = home / "conf/systems/zsj_hotline_12345.yaml"
        data = yaml.safe_load(path.read_text())
        data["connector"] = {"kind": "jdbc", "conn_id": "suizhi_departmental_db", "tabel": "hotline"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/zsj_hotline_12345.yaml: line 2: field 'connector.jdbc.table': Field required",
        "conf/systems/zsj_hotline_12345.yaml: line 5: field 'connector.jdbc.tabel': Extra inputs are not permitted"]


def test_an_iot_stream_names_its_columns_of_the_contract_and_a_readable_watermark(tmp_path):
    def edit(home):
        from tests.iot_home import add_iot_system
        path = add_iot_system(home)
        data = yaml.safe_load(path.read_text())
        data["connector"].update(device_column="sensor", time_column="operator", watermark="two days")
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/cgj_gas_pipeline_iot.yaml: line 8: field 'connector.iot_stream.watermark': String should match "
        "pattern '^[1-9][0-9]* (minutes|hours|days)$'"]
    def edit_columns(home):
        from tests.iot_home import add_iot_system
        path = add_iot_system(home)
        data = yaml.safe_load(path.read_text())
        data["connector"].update(device_column="sensor", time_column="operator")
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path / "columns", edit_columns) == [
        "conf/systems/cgj_gas_pipeline_iot.yaml: field 'connector.device_column': 'sensor' is not a column of "
        "schemas/gas_pressure_reading.yaml",
        "conf/systems/cgj_gas_pipeline_iot.yaml: field 'connector.time_column': column 'operator' must be "
        "of type timestamp"]


def test_the_systems_declare_the_citys_yearly_volume_the_seeds_11_billion(catalog):
    assert sum(s.yearly_volume for s in catalog.systems.values()) == 1_100_000_000
    # each about 3,700 times the simulator's records at scale 1, so every system is sampled alike
    per_record = [s.yearly_volume / s.records_per_year for s in catalog.systems.values()]
    assert (round(min(per_record)), round(max(per_record))) == (3_509, 3_800)


def test_a_system_without_its_yearly_volume_is_named(tmp_path):
    def edit(home):
        path = home / "conf/systems/zsj_hotline_12345.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("yearly_volume: 22000000\n", ""), encoding="utf-8")
    assert _broken(tmp_path, edit) == [
        "conf/systems/zsj_hotline_12345.yaml: field 'yearly_volume': Field required"]


def test_the_115_systems_use_every_kind_of_source(catalog):
    kinds = Counter(s.connector.kind for s in catalog.systems.values())
    formats = Counter((s.connector.format, s.connector.encoding) for s in catalog.systems.values()
                      if s.connector.kind == "file_drop")
    assert kinds == {"file_drop": 73, "jdbc": 22, "rest_api": 16, "iot_stream": 4}
    assert formats == {("csv", "utf-8"): 32, ("jsonl", "utf-8"): 20, ("xlsx", "utf-8"): 9, ("csv", "gbk"): 7,
                       ("csv", "gb18030"): 5}


def test_the_iot_systems_register_the_citys_84000_devices(catalog):
    streams = {s.id: s.connector for s in catalog.systems.values() if s.connector.kind == "iot_stream"}
    assert {sid: (c.devices, c.full_scale) for sid, c in streams.items()} == {
        "cgj_gas_pipeline_iot": (32_000, 100), "cgj_gas_station_iot": (16_000, 100),
        "swj_waterlogging_iot": (16_000, 100), "xfzd_smart_fire_iot": (20_000, 100)}
    assert sum(c.devices for c in streams.values()) == 84_000
    from suizhi.simulate.iot import registry  # scale 1 registers a hundredth: 840 devices
    sizes = {sid: len(registry(random.Random(1), catalog.systems[sid], catalog.contracts[catalog.systems[sid].dataset],
                               2021, 1.0)) for sid in streams}
    assert sizes == {"cgj_gas_pipeline_iot": 320, "cgj_gas_station_iot": 160, "swj_waterlogging_iot": 160,
                     "xfzd_smart_fire_iot": 200}


def test_a_system_pointing_at_a_missing_contract_or_topic_is_named(tmp_path):
    def edit(home):
        path = home / "conf/systems/zsj_hotline_12345.yaml"
        data = yaml.safe_load(path.read_text()) | {"dataset": "hotline_calls", "topics": ["hotline", "flood"]}
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/zsj_hotline_12345.yaml: field 'dataset': no contract schemas/hotline_calls.yaml",
        "conf/systems/zsj_hotline_12345.yaml: field 'topics.1': unknown topic 'flood'"]


def test_a_contract_whose_key_is_not_a_column_is_refused(tmp_path):
    def edit(home):
        path = home / "schemas/covid_test.yaml"
        path.write_text(path.read_text().replace("business_key: [sample_id]", "business_key: [sample_no]"))
    problems = _broken(tmp_path, edit)
    assert problems[0] == ("schemas/covid_test.yaml: field '(top level)': "
                           "Value error, business_key column 'sample_no' is not a declared column")


def test_load_catalog_raises_with_every_problem(tmp_path):
    home = tmp_path / "home"
    shutil.copytree(MINI, home)
    (home / "conf/systems/wjw_covid_test_baiyun.yaml").write_text("version: 1\nid: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        load_catalog(home)
    assert "wjw_covid_test_baiyun.yaml: line 3: cannot be read as YAML" in str(err.value)


def test_every_dataset_has_a_suite_whose_rules_carry_a_dimension_and_an_action(catalog):
    assert sorted(catalog.suites) == sorted(catalog.contracts)
    dimensions = {e.dimension for s in catalog.suites.values() for e in s.expectations}
    assert dimensions == {"规范性", "完整性", "准确性", "一致性", "时效性"}
    actions = {e.action for s in catalog.suites.values() for e in s.expectations}
    assert actions == {"warn", "quarantine"}


def test_a_suite_rule_with_an_unknown_dimension_is_named(tmp_path):
    def edit(home):
        path = home / "expectations/covid_test.yaml"
        path.write_text(path.read_text().replace("dimension: 完整性, action: warn, description: 姓名已填写",
                                                 "dimension: 完整度, action: warn, description: 姓名已填写"))
    problems = _broken(tmp_path, edit)
    assert problems == [
        "expectations/covid_test.yaml: line 6: field 'expectations.1.dimension': Input should be '规范性', '完整性', "
        "'准确性', '一致性', '时效性' or '可访问性'"]


def test_a_suite_rule_reading_an_unknown_column_is_named(tmp_path):
    def rename(home):
        path = home / "expectations/covid_test.yaml"
        path.write_text(path.read_text().replace("column: lng, other", "column: longitude, other"))
    assert _broken(tmp_path, rename) == [
        "expectations/covid_test.yaml: field 'expectations.4.column': rule 'lng_in_guangzhou' reads column "
        "'longitude', which schemas/covid_test.yaml does not declare"]


def test_a_dataset_without_a_suite_is_named(tmp_path):
    assert _broken(tmp_path, lambda home: (home / "expectations/hotline_ticket.yaml").unlink()) == [
        "expectations/hotline_ticket.yaml: missing: every dataset needs a suite beside schemas/hotline_ticket.yaml"]


def test_catalog_check_reports_the_gold_declarations_with_file_and_field(tmp_path, capsys):
    from suizhi.cli import main
    from tests.conftest import make_home
    home = make_home(tmp_path)

    def edit(name: str, change) -> None:
        path = home / "conf" / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    edit("indicators/warning_traffic.yaml", lambda d: d["families"][0].update(source="traffic_flo"))
    edit("indicators/warning_gas.yaml", lambda d: d["families"][0]["measures"][0].update(unti="兆帕"))
    edit("indicators/dimensions.yaml", lambda d: d["severity"].update(column="severity_level"))
    edit("topics/typhoon.yaml", lambda d: d["sources"][1].update(dataset="rainfall_readings"))
    assert main(["catalog", "check", "--root", str(home)]) == 1
    lines = [line.replace(str(home) + "/", "") for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        "conf/indicators/warning_emergency.yaml: field 'families.2.by.0': dimension 'severity' reads column "
        "'severity_level', which is not in emergency_incident",
        "conf/indicators/warning_gas.yaml: line 10: field 'families.0.measures.0.unti': Extra inputs are not permitted",
        "conf/indicators/warning_traffic.yaml: field 'families.0.source': no contract schemas/traffic_flo.yaml",
        "conf/topics/typhoon.yaml: field 'sources.1.dataset': no contract schemas/rainfall_readings.yaml",
        "4 problem(s)"]


REFERENCE = ("- {rule: district_has_tests, type: references, column: district_code, "
             "references: {dataset: %s, column: %s}, dimension: 一致性, action: warn, description: 引用}\n")


@pytest.mark.parametrize(("dataset", "column", "problem"), [
    ("covid_tests", "district_code", "field 'expectations.12.references.dataset': rule 'district_has_tests' "
                                     "references 'covid_tests', which has no contract schemas/covid_tests.yaml"),
    ("covid_test", "district", "field 'expectations.12.references.column': rule 'district_has_tests' references "
                               "column 'district', which schemas/covid_test.yaml does not declare"),
    ("hotline_ticket", "district_code", "field 'expectations.12.references.dataset': rule 'district_has_tests' "
                                        "references its own dataset; name another one"),
])
def test_a_references_rule_naming_an_unknown_dataset_or_column_is_named(tmp_path, dataset, column, problem):
    def edit(home):
        path = home / "expectations/hotline_ticket.yaml"
        path.write_text(path.read_text() + REFERENCE % (dataset, column))
    assert _broken(tmp_path, edit) == [f"expectations/hotline_ticket.yaml: {problem}"]


def test_a_references_rule_without_its_target_is_refused():
    from pydantic import ValidationError

    from suizhi.quality.suite import Expectation
    with pytest.raises(ValidationError, match="a 'references' expectation needs 'references: {dataset, column}'"):
        Expectation(rule="r", type="references", column="c", dimension="一致性", action="warn", description="d")


def test_referenced_datasets_are_built_first_and_a_cycle_is_refused(tmp_path):
    from suizhi.quality.suite import build_order
    suites = load_catalog(REPO).suites
    waves = build_order(suites, ["muck_truck_trip", "hotline_ticket", "construction_site"])
    assert waves == [["construction_site", "hotline_ticket"], ["muck_truck_trip"]]

    def cycle(home):
        for name, other in (("hotline_ticket", "covid_test"), ("covid_test", "hotline_ticket")):
            path = home / f"expectations/{name}.yaml"
            path.write_text(path.read_text() + REFERENCE % (other, "district_code"))
    assert _broken(tmp_path, cycle) == [
        "expectations/covid_test.yaml: references form a cycle among ['covid_test', 'hotline_ticket']"]


def test_timeliness_follows_the_schedule_or_a_fixed_lag_and_no_other_rule_takes_either(tmp_path):
    def edit(home):
        path = home / "expectations/hotline_ticket.yaml"
        text = path.read_text().replace("column: created_at, max_lag_days: 0,", "column: created_at,")
        path.write_text(text.replace("column: satisfaction,", "column: satisfaction, per_schedule: true,"))
    assert _broken(tmp_path, edit) == [
        "expectations/hotline_ticket.yaml: line 13: field 'expectations.8': Value error, only a 'timeliness' "
        "expectation takes 'max_lag_days' or 'per_schedule'",
        "expectations/hotline_ticket.yaml: line 14: field 'expectations.9': Value error, only a 'timeliness' "
        "expectation takes 'max_lag_days' or 'per_schedule'",
        "expectations/hotline_ticket.yaml: line 15: field 'expectations.10': Value error, a 'timeliness' expectation "
        "needs 'max_lag_days' or 'per_schedule: true'"]
    assert {e.per_schedule for s in load_catalog(REPO).suites.values() for e in s.expectations
            if e.type == "timeliness"} == {True}


def test_a_contract_whose_version_may_be_missing_is_refused(tmp_path):
    """Silver orders a key's versions by the version column, across periods too."""
    def edit(home):
        path = home / "schemas/covid_test.yaml"
        path.write_text(path.read_text().replace(
            "description: 更新时间, required: true", "description: 更新时间, required: false"))
    problems = _broken(tmp_path, edit)
    assert problems[0] == ("schemas/covid_test.yaml: field '(top level)': "
                           "Value error, version_column 'updated_at' must be required")
