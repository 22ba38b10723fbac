"""Governance end to end on the mini catalog: protection in silver, grades on the tables,
pseudonyms that link people across systems, the scan of free text, lineage, audit, retention.

January runs through the same stage functions the DAG tasks call (runtime.*), so the
lineage events and audit rows are the real ones.
"""
from __future__ import annotations

import csv
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from suizhi.evaluation.config import load_evaluation
from suizhi.governance.audit import read_audit
from suizhi.governance.lineage import read_events, trace
from suizhi.governance.policy import load_policy, pseudonym_key
from suizhi.governance.protect import pseudonym_value
from suizhi.governance.retention import purge_bronze
from suizhi.governance.roles import create_role_views, load_roles
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
from suizhi.masking import CITIZEN_ID_IN_TEXT, MOBILE_IN_TEXT
from suizhi.runtime import (
    build_silver_tables,
    current_catalog,
    current_settings,
    extract_system,
    land_batches,
    report_year,
    tally_year,
)
from suizhi.simulate.writer import simulate
from tests.conftest import MINI, make_home

pytestmark = pytest.mark.spark
SYSTEMS = ["wjw_covid_test_baiyun", "wjw_covid_test_tianhe", "zsj_hotline_12345"]


def _source_rows(sources: Path) -> dict[str, list[dict]]:
    rows = {}
    for system in SYSTEMS:
        found = []
        for f in sorted((sources / system).glob(f"{system}_2021-01.*")):
            text = f.read_text(encoding="utf-8")
            found += (list(csv.DictReader(text.splitlines())) if f.suffix == ".csv"
                      else [json.loads(line) for line in text.splitlines()])
        rows[system] = found
    return rows


@pytest.fixture(scope="module")
def governed(spark, tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("gov"), MINI)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        settings = current_settings()
        manifest = simulate(current_catalog(), 2021, 0.1, 3, Path(settings.sources_root))
        sources = _source_rows(Path(settings.sources_root))  # read before landing archives the drops
        land_batches([extract_system(s, "2021-01") for s in SYSTEMS])
        build_silver_tables()
        report_year(tally_year(2021))
        truth = {s: manifest["systems"][s]["months"]["2021-01"] for s in SYSTEMS}
        yield home, Lake(settings.lake_root), sources, truth


def test_a_landed_batch_leaves_no_staged_copy(governed):
    """The staged batch is raw personal data outside bronze: it is deleted once the ledger holds it."""
    _, lake, _, _ = governed
    staging = Path(lake.root) / "staging"
    assert sorted(p.name for p in staging.iterdir()) == sorted(SYSTEMS)  # each system's batch was staged there
    assert [p for p in staging.rglob("*") if p.is_file()] == []


def _silver(spark, lake, dataset):
    return spark.read.format("delta").load(lake.table(f"silver.{dataset}"))


def test_no_identifier_from_the_sources_is_left_in_clear_text(spark, governed):
    home, lake, sources, truth = governed
    ids = {r["citizen_id"] for r in sources[SYSTEMS[0]] + sources[SYSTEMS[1]] if r["citizen_id"]}
    mobiles = {r["caller_mobile"] for r in sources[SYSTEMS[2]] if r["caller_mobile"]}
    names = {r[c] for rows in sources.values() for r in rows for c in ("person_name", "caller_name") if r.get(c)}
    found = [[x.group(0) for p in (CITIZEN_ID_IN_TEXT, MOBILE_IN_TEXT) for x in re.finditer(p, r["content"] or "")]
             for r in sources[SYSTEMS[2]]]
    assert sum(map(len, found)) == truth[SYSTEMS[2]]["identifiers_in_text"] > 0
    planted = {m for ms in found for m in ms}
    secrets = ids | mobiles | planted
    cells = set()
    for dataset in ("covid_test", "hotline_ticket"):
        df = _silver(spark, lake, dataset)
        strings = [f.name for f in df.schema.fields if f.dataType.simpleString() == "string"]
        cells |= {v for r in df.select(*strings).collect() for v in r if v}
    assert not {c for c in cells for s in secrets if s in c}
    assert not cells & names and not {c for c in cells for n in names if len(n) >= 3 and n in c}
    texts = [p.read_text(encoding="utf-8", errors="ignore") for folder in ("reports", "var/lineage")
             for p in (home / folder).rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl", ".csv", ".html")]
    assert texts and not [s for s in secrets | {n for n in names if len(n) >= 3} for t in texts if s in t]


def test_silver_holds_the_keyed_pseudonym_of_every_source_identifier(spark, governed):
    _, lake, sources, truth = governed
    key = pseudonym_key(load_policy(Path(os.environ["SUIZHI_HOME"])))
    by_key = {(s, r["sample_id"]): r["citizen_id"] for s in SYSTEMS[:2] for r in sources[s] if r["sample_id"]}
    rows = _silver(spark, lake, "covid_test").select("_source_system", "sample_id", "citizen_id").collect()
    assert len(rows) == sum(truth[s]["inserted"] for s in SYSTEMS[:2])
    assert all(r.citizen_id == pseudonym_value(by_key[(r._source_system, r.sample_id)], "citizen_id", key, 32)
               for r in rows)
    pseudonyms, clear = {}, {}
    for r in rows:
        pseudonyms.setdefault(r.citizen_id, set()).add(r._source_system)
        clear.setdefault(by_key[(r._source_system, r.sample_id)], set()).add(r._source_system)
    people_in_both = sorted(i for i, s in clear.items() if len(s) == 2)  # the simulator's shared people
    assert people_in_both
    assert sorted(p for p, s in pseudonyms.items() if len(s) == 2) == sorted(
        pseudonym_value(i, "citizen_id", key, 32) for i in people_in_both)


def test_free_text_is_scanned_masked_and_counted(spark, governed):
    _, lake, sources, truth = governed
    audit = read_audit(spark, lake).where("action = 'silver'").orderBy("recorded_at").collect()
    january = json.loads(audit[0].protections)["silver.hotline_ticket"]["content"]
    silver = _silver(spark, lake, "hotline_ticket")
    keys = {r.ticket_id for r in silver.select("ticket_id").collect()}
    texts = {r["ticket_id"]: r["content"] for r in sources[SYSTEMS[2]] if r["ticket_id"] in keys}
    ids = sum(len(re.findall(CITIZEN_ID_IN_TEXT, t)) for t in texts.values())
    mobiles = sum(len(re.findall(MOBILE_IN_TEXT, t)) for t in texts.values())
    planted = {k for k, t in texts.items() if re.search(CITIZEN_ID_IN_TEXT, t) or re.search(MOBILE_IN_TEXT, t)}
    masked = {r.ticket_id for r in silver.where(F.col("content").contains("****")).select("ticket_id").collect()}
    assert masked == planted and ids + mobiles > 0
    assert january == {"action": "scan", "grade": "一般-3级", "pii": "free_text",
                       "citizen_ids": ids, "mobiles": mobiles}


def test_grades_are_on_the_tables(spark, governed):
    _, lake, _, _ = governed
    path = lake.table("silver.covid_test")
    props = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first()["properties"]
    assert {k: props[k] for k in ("suizhi.grade", "suizhi.owner", "suizhi.column.citizen_id.grade",
                                   "suizhi.column.citizen_id.pii", "suizhi.column.citizen_id.protection",
                                   "suizhi.column.person_name.protection", "suizhi.column.lng.protection")} == {
        "suizhi.grade": "重要", "suizhi.owner": "wjw", "suizhi.column.citizen_id.grade": "重要",
        "suizhi.column.citizen_id.pii": "citizen_id", "suizhi.column.citizen_id.protection": "pseudonymise",
        "suizhi.column.person_name.protection": "mask", "suizhi.column.lng.protection": "generalise"}
    comments = {r.col_name: r.comment for r in spark.sql(f"DESCRIBE TABLE delta.`{path}`").collect()}
    assert comments["citizen_id"] == "公民身份号码 | 重要 | pii=citizen_id | pseudonymise"
    # The log keeps statistics of what silver's readers select by, and of nothing else.
    assert props["delta.dataSkippingStatsColumns"] == "_source_system,_period,_batch_id,sample_id,updated_at,sampled_at"
    stats = [json.loads(json.loads(line)["add"]["stats"]) for f in sorted(Path(path, "_delta_log").glob("*.json"))
             for line in f.read_text().splitlines() if '"add"' in line]
    assert stats and {c for s in stats for c in s["minValues"]} == {
        "_source_system", "_period", "_batch_id", "sample_id", "updated_at", "sampled_at"}


def test_the_key_is_in_no_file_of_the_lake_reports_or_lineage(governed):
    home, _, _, _ = governed
    key = os.environ["SUIZHI_PSEUDONYM_KEY"].encode()
    files = [p for p in home.rglob("*") if p.is_file() and "conf" not in p.parts]
    assert len(files) > 50 and not [p for p in files if key in p.read_bytes()]


def test_lineage_traces_the_evaluation_figure_to_its_systems(governed):
    home, _, _, _ = governed
    events = read_events(home)
    # The evaluation runs one sub-job per figure of the year's table, gold or not.
    figures = sorted(i.tally for i in load_evaluation(home / "conf" / "evaluation" / "2021.yaml").indicators)
    jobs = ("evaluation", *[f"evaluation.{f}" for f in figures], "land", *[f"land.{s}" for s in SYSTEMS], "silver",
            "silver.covid_test", "silver.hotline_ticket")
    assert sorted({(e["job"]["name"], e["eventType"]) for e in events}) == [
        (f"suizhi.{j}", s) for j in jobs for s in ("COMPLETE", "START")]
    _, systems = trace(events, "report:2021/evaluation.json")
    assert systems == SYSTEMS
    _, systems = trace(events, "report:2021/evaluation.json#records_aggregated")
    assert systems == SYSTEMS
    _, systems = trace(events, "silver.hotline_ticket")
    assert systems == ["zsj_hotline_12345"]


def test_retention_purges_counted_batches_and_the_audit_records_it(spark, governed):
    home, lake, _, truth = governed
    policy, catalog = load_policy(home), current_catalog()
    policy = policy.model_copy(update={"retention": policy.retention.model_copy(update={
        "bronze": policy.retention.bronze.model_copy(update={"vacuum_hours": 0})})})
    ledger_before = sorted(tuple(r) for r in read_ledger(spark, lake).drop("landed_at", "silvered_at").collect())
    sources = Path(current_settings().sources_root)
    drops = {s: sorted(p.name for p in (sources / s / "_archive").glob(f"{s}_2021-01.*") if p.suffix != ".json")
             for s in SYSTEMS}
    assert {s: len(d) for s, d in drops.items()} == dict.fromkeys(SYSTEMS, 1)
    later = datetime.now(UTC) + timedelta(days=policy.retention.bronze.days + 1)
    purged = purge_bronze(spark, lake, catalog, policy, current_settings().sources_root, now=later)
    assert {s: (p["batches"], p["rows"], p["files"]) for s, p in purged.items()} == {
        s: ([f"{s}/2021-01"], truth[s]["rows"], [f"_archive/{d}" for d in drops[s]]) for s in SYSTEMS}
    # What stays of a delivered file is its record: name, sha-256, rows, and when it was purged.
    records = {s: [json.loads(p.read_text(encoding="utf-8")) for p in (sources / s / "_archive").iterdir()]
               for s in SYSTEMS}
    assert {s: [sorted(r) for r in rs] for s, rs in records.items()} == dict.fromkeys(
        SYSTEMS, [["name", "purged_at", "rows", "sha256"]])
    assert {s: rs[0]["rows"] for s, rs in records.items()} == {s: truth[s]["rows"] for s in SYSTEMS}
    assert all(spark.read.format("delta").load(lake.table(f"bronze.{catalog.systems[s].dataset}"))
               .where(f"_source_system = '{s}'").count() == 0 for s in SYSTEMS)
    assert purge_bronze(spark, lake, catalog, policy, current_settings().sources_root, now=later) == {}
    record = read_audit(spark, lake).where("action = 'retention'").orderBy("recorded_at").first()
    assert json.loads(record.details)["purged"]["zsj_hotline_12345"]["rows"] == truth[SYSTEMS[2]]["rows"]
    assert record.started_by.startswith("cli:")
    build_silver_tables()  # nothing pending: silver and the ledger are untouched by the purge
    after = sorted(tuple(r) for r in read_ledger(spark, lake).drop("landed_at", "silvered_at").collect())
    assert after == ledger_before


def test_each_role_gets_its_views_and_none_reaches_bronze(spark, governed):
    home, lake, _, truth = governed
    made = create_role_views(spark, lake, load_roles(home))
    quarantined = [d for d, systems in (("covid_test", SYSTEMS[:2]), ("hotline_ticket", SYSTEMS[2:]))
                   if sum(truth[s]["quarantined"] for s in systems)]
    assert quarantined  # the simulator breaks some rows in January
    assert made == {
        "engineers": ["engineers__silver__covid_test", "engineers__silver__hotline_ticket",
                      *[f"engineers__quarantine__{d}" for d in quarantined],
                      "engineers__ledger__batches", "engineers__audit__runs"],
        "governance": [*[f"governance__quarantine__{d}" for d in quarantined],
                       "governance__ledger__batches", "governance__audit__runs"],
        "evaluators": ["evaluators__ledger__batches"]}
    assert "_raw_record" not in spark.table(f"governance__quarantine__{quarantined[0]}").columns
    assert spark.table("evaluators__ledger__batches").count() == 3
