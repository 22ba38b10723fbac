"""Governance without Spark: the policy's checks and errors, pseudonyms, lineage events and
traces, the inventory report, the role views' config, the simulator's shared people."""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid

import pytest
import yaml
from openpyxl import load_workbook

from suizhi.catalog import load_catalog
from suizhi.errors import ConfigError, GovernanceError
from suizhi.governance.inventory import write_inventory
from suizhi.governance.lineage import AIRFLOW_EVENTS, airflow_provider_env, emit, read_events, trace
from suizhi.governance.policy import check_policy, load_policy, pseudonym_key
from suizhi.governance.protect import pseudonym_value
from suizhi.governance.roles import load_roles
from suizhi.simulate.people import PERSON_POOL, pool, share_person
from tests.conftest import MINI, REPO, make_home


def test_the_repository_policy_and_contracts_agree():
    assert check_policy(REPO) == []
    policy = load_policy(REPO)
    contract = load_catalog(REPO).contracts["covid_test"]
    assert {c.name: policy.action(c) for c in contract.columns if policy.action(c) != "keep"} == {
        "citizen_id": "pseudonymise", "person_name": "mask", "mobile": "pseudonymise"}


def test_the_policy_is_read_once_until_its_file_changes(tmp_path):
    home = make_home(tmp_path, MINI)
    assert load_policy(home) is load_policy(home)
    path = home / "conf" / "governance.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["retention"]["bronze"]["days"] += 1
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_policy(home).retention.bronze.days == data["retention"]["bronze"]["days"]


def test_policy_errors_name_the_file_and_the_field(tmp_path):
    home = make_home(tmp_path, MINI)
    path = home / "conf" / "governance.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["retention"]["bronze"]["dayz"] = 3
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_policy(home)
    assert err.value.problems == [f"{path}: line 20: field 'retention.bronze.dayz': Extra inputs are not permitted"]
    del data["retention"]["bronze"]["dayz"], data["protect"]["plate"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_policy(home) == [
        f"{path}: field '(top level)': Value error, protect: no action for categories ['plate']; "
        "every category needs one"]
    # A raw copy is declared as suizhi treats it: an archive of records cannot be said to be kept.
    data["protect"]["plate"] = "pseudonymise"
    data["retention"]["copies"]["landing_archive"]["keep"] = "kept"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_policy(home) == [
        f"{path}: line 15: field 'retention': Value error, copies.landing_archive.keep: 'kept', but suizhi keeps it "
        "'with_bronze'; copies.landing_archive: holds records, so it cannot be kept"]


def test_a_masked_business_key_is_refused(tmp_path):
    home = make_home(tmp_path, MINI)
    contract = home / "schemas" / "hotline_ticket.yaml"
    contract.write_text(contract.read_text(encoding="utf-8").replace(
        "classification: 一般-2级, simulate: {kind: key", "classification: 一般-2级, pii: name, simulate: {kind: key"),
        encoding="utf-8")
    assert check_policy(home) == ["schemas/hotline_ticket.yaml: business_key column 'ticket_id' would be 'mask'd; "
                                  "only 'pseudonymise' keeps keys joinable"]


def test_pseudonyms_are_keyed_hmac_sha256(monkeypatch):
    policy = load_policy(REPO)
    key = b"another-key-of-enough-length"
    assert pseudonym_value(" 11010519491231002x ", "citizen_id", key, 32) == hmac.new(
        key, b"citizen_id:11010519491231002X", hashlib.sha256).hexdigest()[:32]
    monkeypatch.delenv("SUIZHI_PSEUDONYM_KEY")
    with pytest.raises(GovernanceError, match="SUIZHI_PSEUDONYM_KEY"):
        pseudonym_key(policy)
    monkeypatch.setenv("SUIZHI_PSEUDONYM_KEY", "short")
    with pytest.raises(GovernanceError, match="shorter than 16"):
        pseudonym_key(policy)


def test_shared_people_keep_deliberately_bad_ids():
    contract = load_catalog(MINI).contracts["covid_test"]
    people = {p["citizen_id"] for p in pool(3)}
    assert len(people) == PERSON_POOL
    shared = 0
    for key in range(400):
        record = {"citizen_id": "110105194912310021", "person_name": "某某", "mobile": "13800000000"}
        share_person(3, "wjw_covid_test_baiyun", key, contract, record)
        assert record["citizen_id"] == "110105194912310021"  # wrong check digit: never replaced
        shared += record["person_name"] != "某某"
    assert shared == sum(random.Random(f"3:wjw_covid_test_baiyun:{k}:person").random() < 0.3 for k in range(400))


def _rebuilt(event: dict):
    """The event through the OpenLineage client's schema-generated model (its validators run)."""
    from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
    return RunEvent(eventType=RunState(event["eventType"]), eventTime=event["eventTime"],
                    run=Run(runId=event["run"]["runId"]),
                    job=Job(**{k: event["job"][k] for k in ("namespace", "name")}),
                    inputs=[InputDataset(d["namespace"], d["name"]) for d in event["inputs"]],
                    outputs=[OutputDataset(d["namespace"], d["name"]) for d in event["outputs"]],
                    producer=event["producer"])


def test_lineage_events_are_openlineage_run_events_and_trace_to_systems(tmp_path):
    land, silver, evaluation = (str(uuid.uuid4()) for _ in range(3))
    for state in ("START", "COMPLETE"):
        emit(tmp_path, "land", land, state, ["source:a", "source:b"], ["bronze.a", "bronze.b", "ledger.batches"])
        emit(tmp_path, "silver", silver, state, ["bronze.a", "bronze.b", "ledger.batches"], ["ledger.batches"])
        emit(tmp_path, "evaluation", evaluation, state, ["ledger.batches"], ["report:2021/evaluation.json"])
    events = read_events(tmp_path)
    assert len(events) == 6
    for event in events:
        assert event["schemaURL"].startswith("https://openlineage.io/spec/2-0-")
        assert uuid.UUID(event["run"]["runId"]) and _rebuilt(event).eventType.value == event["eventType"]
    lines, systems = trace(events, "report:2021/evaluation.json")
    assert systems == ["a", "b"]
    assert lines[:3] == ["report:2021/evaluation.json", "  <- suizhi.evaluation", "    ledger.batches"]


def test_the_inventory_lists_every_column_with_its_protection(tmp_path):
    catalog, policy = load_catalog(MINI), load_policy(REPO)

    class Row:
        protections = json.dumps({"silver.hotline_ticket": {"content": {"action": "scan", "citizen_ids": 2,
                                                                        "mobiles": 3}}})
    html_path, xlsx_path = write_inventory(tmp_path, catalog, policy, [Row(), Row()])
    rows = list(load_workbook(xlsx_path).active.iter_rows(values_only=True))
    assert len(rows) == 1 + sum(len(c.columns) for c in catalog.contracts.values())
    content = next(r for r in rows if r[0] == "hotline_ticket" and r[4] == "content")
    assert content[6:] == ("一般-3级", "free_text", "扫描并掩码未声明标识", 730, 4, 6)
    citizen = next(r for r in rows if r[0] == "covid_test" and r[4] == "citizen_id")
    assert citizen[8] == "密钥化假名（HMAC-SHA256）"
    # Every raw copy outside bronze, with the grade of what it holds and how long it stays.
    copies = list(load_workbook(xlsx_path)["原始数据副本"].iter_rows(values_only=True))
    assert [(r[0], r[3], r[4], r[6], r[7]) for r in copies[1:]] == [
        ("staging", "是", "重要", 3, "批次写入铜层并记入台账后即删除"),
        ("landing_archive", "是", "重要", 3, "随铜层批次清除（730 天），清除记入审计"),
        ("kept_apart", "是", "重要", 3, "随铜层批次清除（730 天），清除记入审计"),
        ("stream_checkpoints", "否", "不含记录", 0, "保留")]
    text = html_path.read_text(encoding="utf-8")
    assert "铜层之外的原始数据副本" in text and "lake/staging/&lt;system&gt;/&lt;period&gt;.parquet" in text
    assert "数据分类分级与个人信息保护清单" in text and (tmp_path / "assets").is_dir()


def test_role_views_never_reach_bronze(tmp_path):
    roles = load_roles(REPO)
    assert sorted(roles.roles) == ["engineers", "evaluators", "governance"]
    home = make_home(tmp_path, MINI)
    (home / "conf" / "roles.yaml").write_text(yaml.safe_dump({"version": 1, "roles": {"engineers": {
        "description": "x", "views": [{"table": "bronze.*"}]}}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="roles.engineers.views.0.table"):
        load_roles(home)


def test_the_demo_switches_airflows_lineage_on_unless_the_environment_configures_it(tmp_path):
    env = airflow_provider_env(tmp_path, {})
    assert json.loads(env["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {
        "type": "file", "log_file_path": str(tmp_path / "var" / "lineage" / AIRFLOW_EVENTS), "append": True}
    assert env["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "suizhi" and (tmp_path / "var" / "lineage").is_dir()
    assert env["AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD"] == "true"
    for configured in ({"OPENLINEAGE_URL": "http://lineage.example:5000"},
                       {"AIRFLOW__OPENLINEAGE__TRANSPORT": '{"type": "console"}'},
                       {"AIRFLOW__OPENLINEAGE__DISABLED": "true"}):
        assert airflow_provider_env(tmp_path, configured) == {}
