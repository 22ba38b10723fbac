"""The catalog in conf/ and schemas/ is complete, and a bad file gets an error naming file and field."""
from __future__ import annotations

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
        "conf/systems/zsj_hotline_12345.yaml: field 'owner_email': Extra inputs are not permitted"]


def test_a_connector_is_checked_by_its_kind_and_names_the_field(tmp_path):
    def edit(home):
        path = home / "conf/systems/zsj_hotline_12345.yaml"
        data = yaml.safe_load(path.read_text())
        data["connector"] = {"kind": "jdbc", "conn_id": "suizhi_departmental_db", "tabel": "hotline"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/zsj_hotline_12345.yaml: field 'connector.jdbc.table': Field required",
        "conf/systems/zsj_hotline_12345.yaml: field 'connector.jdbc.tabel': Extra inputs are not permitted"]


def test_an_iot_stream_names_its_columns_of_the_contract_and_a_readable_watermark(tmp_path):
    def edit(home):
        from tests.iot_home import add_iot_system
        path = add_iot_system(home)
        data = yaml.safe_load(path.read_text())
        data["connector"].update(device_column="sensor", time_column="operator", watermark="two days")
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert _broken(tmp_path, edit) == [
        "conf/systems/cgj_gas_pipeline_iot.yaml: field 'connector.iot_stream.watermark': String should match "
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


def test_the_115_systems_use_every_kind_of_source(catalog):
    kinds = Counter(s.connector.kind for s in catalog.systems.values())
    formats = Counter((s.connector.format, s.connector.encoding) for s in catalog.systems.values()
                      if s.connector.kind == "file_drop")
    assert kinds == {"file_drop": 77, "jdbc": 22, "rest_api": 16}
    assert formats == {("csv", "utf-8"): 33, ("jsonl", "utf-8"): 23, ("xlsx", "utf-8"): 9, ("csv", "gbk"): 7,
                       ("csv", "gb18030"): 5}


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
    assert "wjw_covid_test_baiyun.yaml: cannot be read as YAML" in str(err.value)


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
        "expectations/covid_test.yaml: field 'expectations.1.dimension': Input should be '规范性', '完整性', "
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
