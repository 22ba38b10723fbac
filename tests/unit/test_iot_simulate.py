"""The simulated IoT system: its registry, the files its devices deliver, and a ground truth
that adds up exactly (what lands, what the stream drops, what it keeps apart, who is silent)."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from suizhi.catalog import load_catalog
from suizhi.simulate.iot import GATEWAY, READINGS, REGISTRY, deliver
from suizhi.simulate.writer import simulate
from tests.conftest import MINI, make_home
from tests.iot_home import IOT_SYSTEM, add_iot_system


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iot")
    home = make_home(tmp, MINI)
    add_iot_system(home)
    root = tmp / "sources"
    return root, simulate(load_catalog(home), 2021, 0.1, 4, root)


def _lines(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(folder.rglob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_months_hold_exactly_the_planned_readings(simulated):
    _, manifest = simulated
    months = manifest["systems"][IOT_SYSTEM]["months"]
    figures = {p: (m["received"], m["rows"], m["ingest_duplicates"], m["ingest_rejected"], m["late"], m["quarantined"])
               for p, m in months.items() if p <= "2021-03"}
    # received, landed, re-sent, late beyond the watermark, late within it, quarantined by silver
    assert figures == {"2021-01": (57, 56, 1, 0, 0, 2), "2021-02": (51, 48, 2, 1, 1, 0),
                       "2021-03": (60, 57, 2, 1, 1, 1)}
    for m in months.values():
        assert m["received"] == m["rows"] + m["ingest_duplicates"] + m["ingest_rejected"]
        assert m["rows"] == m["inserted"] + m["quarantined"] and m["duplicates"] == m["superseded"] == 0
        assert m["quarantined"] == sum(m["quarantined_by"].values())
    assert sum(m["received"] for m in months.values()) == 619
    assert sum(m["ingest_rejected"] for m in months.values()) == 11


def test_devices_are_registered_and_silent_as_planned(simulated):
    root, manifest = simulated
    with open(root / IOT_SYSTEM / REGISTRY, encoding="utf-8", newline="") as fh:
        registry = list(csv.DictReader(fh))
    assert len(registry) == 12  # 120 devices at scale 1
    assert set(registry[0]) == {"device_id", "device_type", "district_code", "installed_on"}
    devices = {p: m["devices"] for p, m in manifest["systems"][IOT_SYSTEM]["months"].items() if p <= "2021-03"}
    assert devices == {"2021-01": {"registered": 11, "reported": 10, "silent": ["GP000002"]},
                       "2021-02": {"registered": 12, "reported": 11, "silent": ["GP000012"]},
                       "2021-03": {"registered": 12, "reported": 12, "silent": []}}


def test_the_files_wait_in_the_spool_until_their_month_is_delivered(simulated, tmp_path):
    root, manifest = simulated
    months = manifest["systems"][IOT_SYSTEM]["months"]
    spool = root / GATEWAY / IOT_SYSTEM
    feb = _lines(spool / "2021-02")
    assert len(feb) == months["2021-02"]["received"]
    assert len({(r["sensor_id"], r["observed_at"]) for r in feb}) == 51 - 2  # the re-sent are exact copies
    late = [r for r in feb if r["observed_at"] < "2021-02"]
    assert len(late) == months["2021-02"]["late"] + months["2021-02"]["ingest_rejected"]
    copy = tmp_path / "sources"
    shutil.copytree(root, copy)
    assert deliver(copy, "2021-02") == months["2021-01"]["files"] + months["2021-02"]["files"]
    landing = copy / IOT_SYSTEM / READINGS
    assert len(_lines(landing)) == 57 + 51
    assert sorted(p.name for p in (copy / GATEWAY / IOT_SYSTEM).iterdir())[0] == "2021-03"
    assert deliver(copy, "2021-02") == 0


def test_same_seed_same_readings(simulated, tmp_path):
    root, manifest = simulated
    home = make_home(tmp_path, MINI)
    add_iot_system(home)
    again = simulate(load_catalog(home), 2021, 0.1, 4, tmp_path / "again")
    assert again["systems"][IOT_SYSTEM] == manifest["systems"][IOT_SYSTEM]
    for path in (root / GATEWAY).rglob("*.jsonl"):
        assert path.read_bytes() == (tmp_path / "again" / path.relative_to(root)).read_bytes()
