"""Fixtures the Spark tests share."""
from __future__ import annotations

from pathlib import Path

import pytest

from suizhi.connectors.extract import extract_batch
from suizhi.evaluation.publish import publish
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.settings import load_settings
from suizhi.simulate.writer import simulate
from tests.spark.evaluation_lake import CATALOG, REPO, build_year, evaluate


@pytest.fixture
def mini_january(spark, mini_home):
    """The mini catalog's January, simulated and extracted (not landed): lake, catalog, batches, manifest."""
    settings, catalog = current_settings(), current_catalog()
    manifest = simulate(catalog, 2021, 0.1, 3, Path(settings.sources_root))
    lake = Lake(settings.lake_root)
    batches = [extract_batch(s, catalog.contracts[s.dataset], "2021-01", settings.sources_root, lake)
               for s in catalog.systems.values()]
    return lake, catalog, batches, manifest


@pytest.fixture(scope="session")
def seed_year(spark, tmp_path_factory):
    """The simulated 2021 in a lake of its own, the operation reports' pages under its reports root,
    evaluated and published once for the run: lake, built year, tally, evaluation.json data and
    reports/2021/. The published files are never rewritten; test_evaluation_lake's last two tests
    append a report to the lake, so a test tallying it again after them counts that report too."""
    root = tmp_path_factory.mktemp("seed")
    lake = Lake(str(root / "lake"))
    built = build_year(spark, lake, CATALOG, root / "sources", quality=True, reports_root=root / "reports")
    tallied, data = evaluate(spark, lake, root / "sources")
    settings = load_settings(home=REPO, env="local", lake=str(root / "lake"), reports=str(root / "reports"))
    out = publish(settings, tallied)
    return lake, built, tallied, data, out
