"""End to end through real Airflow DAG runs, real Spark and Delta, real file drops.

The ledger must equal the simulator's ground truth batch by batch, and rerunning an
interval must leave every table and every count as it was.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from suizhi.delta_log import latest_version
from suizhi.demo import evaluate, run_months
from suizhi.demo_cli import run_demo
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest
from tests.integration.conftest import CITY_SCALE, CITY_SEED

pytestmark = pytest.mark.integration


def _versions(spark, lake_root: Path) -> dict[str, int]:
    """The current Delta version of every table in the lake."""
    # audit.runs is left out: the audit log records every run, a rerun too. The newest commit
    # file of each log: DeltaTable.history() would cost Spark jobs, 24-60 s for the city's 188 tables.
    tables = sorted(p.parent for p in lake_root.rglob("_delta_log") if p.parent.parent.name != "audit")
    return {str(t.relative_to(lake_root)): latest_version(spark, str(t)) for t in tables}


def _ledger_rows(spark):
    s = current_settings()
    return sorted((r.asDict() for r in read_ledger(spark, Lake(s.lake_root)).drop("landed_at", "silvered_at")
                   .collect()), key=lambda r: r["batch_id"])


def test_every_ledger_count_equals_the_ground_truth(city, spark, monkeypatch):
    home, manifest, _ = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    rows = _ledger_rows(spark)
    assert len(rows) == 115 * 12
    assert against_manifest(rows, manifest) == []
    checks = conservation(read_ledger(spark, Lake(current_settings().lake_root))).collect()
    assert [r.system for r in checks if not r.holds] == []


def test_rerunning_an_interval_changes_nothing(city, spark, monkeypatch):
    home, _, _ = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    lake_root = Path(current_settings().lake_root)
    before_versions, before_rows = _versions(spark, lake_root), _ledger_rows(spark)
    silver_before = spark.read.format("delta").load(str(lake_root / "silver" / "hotline_ticket")).count()
    audited = spark.read.format("delta").load(str(lake_root / "audit" / "runs")).count()
    run_months(2021, [2])
    assert _versions(spark, lake_root) == before_versions
    reruns = spark.read.format("delta").load(str(lake_root / "audit" / "runs")).orderBy("recorded_at").collect()
    assert [(r.action, json.loads(r.writes)) for r in reruns[audited:] if r.action != "retention"] == [
        ("land", {}), ("silver", {}), ("gold", {})]
    assert _ledger_rows(spark) == before_rows
    assert spark.read.format("delta").load(str(lake_root / "silver" / "hotline_ticket")).count() == silver_before


def test_the_evaluation_sums_the_ledger(city, spark, monkeypatch):
    home, manifest, _ = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    evaluate(2021)
    report = json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    months = [m for s in manifest["systems"].values() for m in s["months"].values()]
    volume = next(i for i in report["indicators"] if i["tally"] == "records_aggregated")
    # the sources hold 78,716 rows, 1/14,000 of the city's declared 1.1 billion; 78,415 of them
    # landed (the streams dropped the rest), read as 1,095,793,740 and shown at two significant figures
    assert manifest["sampling"]["rows_generated"] == 78_716
    assert volume["detail"]["sampling"]["rows_landed"] == sum(m["rows"] for m in months) == 78_415
    assert (volume["actual"], volume["actual_text"]) == (
        1_100_000_000, "11亿条（按申报量的 1/14,000 模拟，实际汇聚 78,415条）")
    assert volume["detail"]["unique_records"] == sum(m["inserted"] for m in months)
    by_topic = report["drilldown"]["volumes"]["by_topic"]
    assert sum(1 for t in by_topic if t["inserted"] > 0) == 10
    rows = {i["tally"]: i for i in report["indicators"]}
    assert {t for t, i in rows.items() if i["score"] is None} == set()
    read = set(report["read"])
    assert {"ledger.batches", "silver.operation_record"} <= read and any(t.startswith("gold.") for t in read)


def test_adding_a_system_file_adds_it_to_the_dag_and_the_tallies(tmp_path, spark, monkeypatch, mini_home):
    source = mini_home / "conf" / "systems" / "wjw_covid_test_baiyun.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.update(id="wjw_covid_test_haizhu", name="海珠区核酸检测信息系统", records_per_year=2400)
    (mini_home / "conf" / "systems" / "wjw_covid_test_haizhu.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    manifest = simulate(current_catalog(), 2021, 0.1, 9, Path(current_settings().sources_root))
    run_months(2021, [1])
    rows = _ledger_rows(spark)
    assert [r["system"] for r in rows] == ["wjw_covid_test_baiyun", "wjw_covid_test_haizhu",
                                          "wjw_covid_test_tianhe", "zsj_hotline_12345"]
    assert against_manifest(rows, manifest, {"2021-01"}) == []
    from suizhi.runtime import tally_year
    by_system = {r["system"]: r for r in tally_year(2021)["volumes"]["by_system"]}
    sent = manifest["systems"]["wjw_covid_test_haizhu"]["months"]["2021-01"]["rows"]
    assert by_system["wjw_covid_test_haizhu"]["rows_landed"] == sent


def _checks(printed: str) -> list[str]:
    """The demo's conservation table and ground-truth line, without its timing."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Conservation per system"))
    return [line for line in lines[start:] if not line.startswith("reports in ")]


def test_running_the_demo_again_prints_the_same_numbers(city, spark, monkeypatch, capsys):
    """`make demo` again over the same lake, for its last month: it delivers nothing twice,
    changes no table and prints the same conservation table."""
    home, _, first = city
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    lake_root = Path(current_settings().lake_root)
    versions, rows = _versions(spark, lake_root), _ledger_rows(spark)
    evaluation = json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    capsys.readouterr()
    assert run_demo(2021, CITY_SCALE, CITY_SEED, months=[12]) == 0
    second = capsys.readouterr().out
    assert "rerunning the simulation already delivered to" in second
    checks = _checks(second)
    assert checks == _checks(first)
    assert checks[-1] == "every ledger count equals the simulator's ground truth (1380 batches)"
    assert _versions(spark, lake_root) == versions and _ledger_rows(spark) == rows
    again = json.loads((home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    assert [(i["tally"], i["actual"], i["score"]) for i in again["indicators"]] == [
        (i["tally"], i["actual"], i["score"]) for i in evaluation["indicators"]]
