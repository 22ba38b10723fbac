"""Fixtures the Spark tests share."""
from __future__ import annotations

from pathlib import Path

import pytest

from suizhi.connectors.extract import extract_batch
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate


@pytest.fixture
def mini_january(spark, mini_home):
    """The mini catalog's January, simulated and extracted (not landed): lake, catalog, batches, manifest."""
    settings, catalog = current_settings(), current_catalog()
    manifest = simulate(catalog, 2021, 0.1, 3, Path(settings.sources_root))
    lake = Lake(settings.lake_root)
    batches = [extract_batch(s, catalog.contracts[s.dataset], "2021-01", settings.sources_root, lake)
               for s in catalog.systems.values()]
    return lake, catalog, batches, manifest
