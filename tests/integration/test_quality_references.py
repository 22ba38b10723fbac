"""A muck-truck trip names its origin site: the references rule finds exactly the dangling
references the simulator left, with the sites of the same run counted as registered."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.connectors import extract_batch
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
