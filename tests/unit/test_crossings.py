"""Injected threshold crossings change one field set of one record and no count of the ground truth."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from suizhi.catalog import load_catalog
from suizhi.simulate import crossings, writer
from suizhi.simulate.serve_files import drop_path
from tests.conftest import make_home


@pytest.fixture
def three_systems(tmp_path):
    """The first system of each dataset the crossings touch, all sending CSV drops to compare."""
    home = make_home(tmp_path)
    keep = {"qxj_radar_nowcast", "cgj_gas_pipeline_iot", "gaj_traffic_checkpoint"}
    for path in (home / "conf" / "systems").glob("*.yaml"):
        if path.stem not in keep:
            path.unlink()
        else:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data["connector"] = {"kind": "file_drop", "format": "csv"}
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_catalog(home)


def _rows(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        return list(csv.DictReader(open(path, encoding="utf-8")))
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_crossings_keep_the_ground_truth_and_appear_once(three_systems, tmp_path, monkeypatch):
    with_crossings = writer.simulate(three_systems, 2021, 0.05, 11, tmp_path / "with")
    monkeypatch.setattr(crossings, "CROSSINGS", [])
    monkeypatch.setattr(writer, "crossings_for", lambda *a: [])
    without = writer.simulate(three_systems, 2021, 0.05, 11, tmp_path / "without")
    assert with_crossings["totals"] == without["totals"]
    assert {s: t["months"] for s, t in with_crossings["systems"].items()} == \
        {s: t["months"] for s, t in without["systems"].items()}
    assert [(c["system"], c["period"], c["level"]) for c in with_crossings["crossings"]] == [
        ("cgj_gas_pipeline_iot", "2021-03", "红"), ("gaj_traffic_checkpoint", "2021-09", "橙"),
        ("qxj_radar_nowcast", "2021-06", "黄")]
    for c in with_crossings["crossings"]:
        system = three_systems.systems[c["system"]]
        changed = [(a, b) for a, b in zip(_rows(drop_path(tmp_path / "with", system, c["period"])),
                                          _rows(drop_path(tmp_path / "without", system, c["period"]))) if a != b]
        assert len(changed) == 1
        assert all(str(changed[0][0][k]).lower() == str(v).lower() for k, v in c["fields"].items())
