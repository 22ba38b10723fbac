"""The operator's own system lands like any other: drops → bronze → silver, then counted."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from suizhi.bronze import land
from suizhi.catalog import load_catalog
from suizhi.connectors.extract import extract_batch
from suizhi.evaluation.lake_measures import VersionedReader, operations_measures
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
from suizhi.settings import load_settings
from suizhi.silver import build_silver
from suizhi.simulate.writer import simulate_system
from suizhi.verify import against_manifest
from tests.conftest import MINI, REPO, make_home

pytestmark = [pytest.mark.spark, pytest.mark.slow]  # twelve months landed one by one


def test_the_operators_calendar_lands_through_bronze_and_silver(spark, tmp_path):
    home = make_home(tmp_path, MINI)
    system = yaml.safe_load((REPO / "conf" / "systems" / "zsj_operations.yaml").read_text(encoding="utf-8"))
    system["topics"] = []  # the mini catalog has no event_support topic
    for f in (home / "conf" / "systems").glob("*.yaml"):
        f.unlink()
    (home / "conf" / "systems" / "zsj_operations.yaml").write_text(yaml.safe_dump(system, allow_unicode=True),
                                                                    encoding="utf-8")
    shutil.copy(REPO / "schemas" / "operation_record.yaml", home / "schemas")
    shutil.copy(REPO / "expectations" / "operation_record.yaml", home / "expectations")
    catalog = load_catalog(home)
    settings = load_settings(home=home, env="local")
    lake, ops = Lake(settings.lake_root), catalog.systems["zsj_operations"]
    truth = simulate_system(catalog, ops, 2021, 1.0, 1, Path(settings.sources_root))
    manifest = {"systems": {"zsj_operations": truth}}
    for m in range(1, 13):  # one month at a time, as the ingest DAG lands them
        batch = extract_batch(ops, catalog.contracts["operation_record"], f"2021-{m:02d}", settings.sources_root, lake)
        land(spark, lake, catalog, [batch], 1)
    build_silver(spark, lake, catalog, 1)
    assert against_manifest([r.asDict() for r in read_ledger(spark, lake).collect()], manifest) == []
    assert [truth["months"][f"2021-{m:02d}"]["rows"] for m in range(1, 13)] == [0, 0, 0, 0, 0, 8, 7, 8, 7, 7, 10, 10]
    reader = VersionedReader(spark, lake)
    measures = operations_measures(reader, 2021)
    events, uptime = measures["major_event_support"], measures["venue_uptime"]
    assert events["value"] == 19 and events["detail"]["by_level"] == {"国家级": 3, "省级": 5, "市级": 11}
    assert events["detail"]["events"][0] == {"record_id": "YY202100005", "started_at": "2021-06-18 09:00",
                                             "level": "市级", "title": "2021广州国际投资年会"}
    assert uptime["value"] == 100.0 and uptime["detail"]["inspections"] == {"月度巡检": 7, "周巡检": 31}
    assert uptime["detail"]["operating_minutes"] == 308_160 and uptime["detail"]["outage_minutes"] == 0
    assert list(reader.read) == ["silver.operation_record"]
