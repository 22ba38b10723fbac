"""Rules across datasets and schedules on one muck-truck system and the two construction-site
systems it refers to: dangling origin sites, records late for their system's schedule and
every system's delivery, each counted exactly against the simulator's ground truth."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.connectors.extract import extract_batch
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
from suizhi.runtime import current_catalog, current_settings
from suizhi.silver import build_silver
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest
from tests.conftest import REPO

pytestmark = pytest.mark.integration
MONTHS = ("2021-01", "2021-02")
SYSTEMS = ("zjj_earthwork", "zjj_site_supervision", "ghzyj_planning_permit")


def trips_and_sites_home(tmp: Path) -> Path:
    """A catalog of one muck-truck system and the two construction-site systems it refers to."""
    home = tmp / "home"
    (home / "conf" / "systems").mkdir(parents=True)
    for name in ("departments.yaml", "topics.yaml", "governance.yaml"):
        shutil.copy(REPO / "conf" / name, home / "conf" / name)
    shutil.copytree(REPO / "conf" / "env", home / "conf" / "env")
    for system in SYSTEMS:
        shutil.copy(REPO / "conf" / "systems" / f"{system}.yaml", home / "conf" / "systems")
    for folder in ("schemas", "expectations"):
        (home / folder).mkdir()
        for dataset in ("muck_truck_trip", "construction_site"):
            shutil.copy(REPO / folder / f"{dataset}.yaml", home / folder)
    return home


@pytest.fixture(scope="module")
def built(spark, tmp_path_factory):
    home = trips_and_sites_home(tmp_path_factory.mktemp("references"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        settings, catalog = current_settings(), current_catalog()
        lake = Lake(settings.lake_root)
        manifest = simulate(catalog, 2021, 0.3, 2, Path(settings.sources_root))
        # Each run lands both datasets' month: the trips must wait for the sites of the same run.
        for period in MONTHS:
            land(spark, lake, catalog, [extract_batch(s, catalog.contracts[s.dataset], period,
                                                      settings.sources_root, lake)
                                        for s in catalog.systems.values()])
            build_silver(spark, lake, catalog)
        yield lake, manifest


def test_dangling_site_references_are_counted_exactly_and_kept_in_silver(spark, built):
    lake, manifest = built
    assert against_manifest([r.asDict() for r in read_ledger(spark, lake).collect()], manifest, set(MONTHS)) == []
    truth = {p: manifest["systems"]["zjj_earthwork"]["months"][p]["warned_by"]["references"] for p in MONTHS}
    assert truth == {"2021-01": 2, "2021-02": 1}
    results = (spark.read.format("delta").load(lake.table("quality.results"))
               .where(F.col("rule") == "origin_site_registered"))
    found = {r.period: (r.failed, r.dimension, r.action, r.evaluated) for r in results.collect()}
    months = manifest["systems"]["zjj_earthwork"]["months"]
    assert found == {p: (truth[p], "一致性", "warn", months[p]["rows"] - months[p]["quarantined_by"]["contract"])
                     for p in MONTHS}
    # A warning, not a quarantine: the ledger above balances with no row quarantined by the rule.


def test_records_late_for_their_systems_schedule_are_counted_exactly(spark, built):
    """A daily system's February batch may reach back to 31 January, a monthly one to 1 January."""
    lake, manifest = built
    truth = {(s, p): manifest["systems"][s]["months"][p]["warned_by"]["timeliness"] for s in SYSTEMS for p in MONTHS}
    assert truth == {("zjj_earthwork", "2021-01"): 0, ("zjj_earthwork", "2021-02"): 1,
                     ("zjj_site_supervision", "2021-01"): 0, ("zjj_site_supervision", "2021-02"): 2,
                     ("ghzyj_planning_permit", "2021-01"): 0, ("ghzyj_planning_permit", "2021-02"): 0}
    results = (spark.read.format("delta").load(lake.table("quality.results"))
               .where((F.col("type") == "timeliness") & (F.col("dimension") == "时效性")))
    assert {(r.system, r.period): r.failed for r in results.collect()} == truth


def test_every_system_delivered_every_month_so_accessibility_is_whole(spark, built):
    lake, _ = built
    results = spark.read.format("delta").load(lake.table("quality.results")).where("dimension = '可访问性'")
    assert sorted((r.batch_id, r.evaluated, r.failed) for r in results.collect()) == [
        (f"{s}/{p}", 1, 0) for s in sorted(SYSTEMS) for p in MONTHS]
    scores = spark.read.format("delta").load(lake.table("quality.scores"))
    assert {r.dimension for r in scores.collect()} == {"规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"}
