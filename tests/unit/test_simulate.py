"""The simulator is deterministic, scales linearly, and its ground truth adds up."""
from __future__ import annotations

import json
import random

from suizhi.catalog import load_catalog
from suizhi.simulate.plan import plan_year
from suizhi.simulate.writer import plan_counts, simulate
from tests.conftest import MINI


def test_every_month_accounts_for_each_row_once():
    for plan in plan_year(random.Random(3), 5000):
        t = plan.truth()
        assert t["rows"] == t["inserted"] + t["duplicates"] + t["superseded"] + t["quarantined"]


def test_the_planned_year_holds_exactly_the_requested_distinct_records():
    plans = plan_year(random.Random(3), 5000)
    assert sum(p.inserted for p in plans) == 5000
    # a later version is of an existing key, and each key has at most one
    revised = [r.key for p in plans for r in p.rows if r.version]
    assert len(revised) == len(set(revised))


def test_same_seed_same_bytes_and_manifest(tmp_path):
    catalog = load_catalog(MINI)
    first = simulate(catalog, 2021, 0.05, 11, tmp_path / "a")
    second = simulate(catalog, 2021, 0.05, 11, tmp_path / "b")
    assert first == second
    for path in (tmp_path / "a").rglob("*_2021-*"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()


def test_volume_grows_linearly_with_scale(tmp_path):
    catalog = load_catalog(MINI)
    small = simulate(catalog, 2021, 0.1, 1, tmp_path / "s")["totals"]["records"]
    large = simulate(catalog, 2021, 0.3, 1, tmp_path / "l")["totals"]["records"]
    assert (small, large) == (1300, 3900)   # 13,000 records a year at scale 1


def test_the_manifest_says_what_fraction_of_the_declared_volume_it_generated(tmp_path):
    catalog = load_catalog(MINI)  # three systems declaring 48,000,000 records a year
    manifest = simulate(catalog, 2021, 0.1, 5, tmp_path)
    assert manifest["totals"]["rows"] == 1374
    assert manifest["sampling"] == {"fraction": 1374 / 48_000_000, "rows_generated": 1374,
                                    "declared_volume": 48_000_000, "systems": 3, "months": 12, "scale": 0.1}
    assert json.loads((tmp_path / "manifest.json").read_text())["sampling"] == manifest["sampling"]
    planned = plan_counts(catalog, 2021, 0.1, 5)  # the same year planned without its records
    assert planned["sampling"] == manifest["sampling"] and planned["totals"]["rows"] == 1374


def test_the_drop_files_hold_what_the_manifest_says(tmp_path):
    catalog = load_catalog(MINI)
    manifest = simulate(catalog, 2021, 0.1, 5, tmp_path)
    csv_rows = len((tmp_path / "zsj_hotline_12345" / "zsj_hotline_12345_2021-04.csv").read_text().splitlines()) - 1
    assert csv_rows == manifest["systems"]["zsj_hotline_12345"]["months"]["2021-04"]["rows"]
    lines = (tmp_path / "wjw_covid_test_tianhe" / "wjw_covid_test_tianhe_2021-04.jsonl").read_text().splitlines()
    assert len(lines) == manifest["systems"]["wjw_covid_test_tianhe"]["months"]["2021-04"]["rows"]
    assert set(json.loads(lines[0])) == {c.name for c in catalog.contracts["covid_test"].columns}
    assert json.loads((tmp_path / "manifest.json").read_text())["totals"] == manifest["totals"]


def test_each_defect_is_quarantined_in_whatever_role_the_plan_gave_it(tmp_path):
    manifest = simulate(load_catalog(MINI), 2021, 0.6, 7, tmp_path)
    for truth in manifest["systems"].values():
        for month in truth["months"].values():
            assert month["quarantined"] == sum(month["quarantined_by"].values())
            assert month["rows"] == month["inserted"] + month["duplicates"] + month["superseded"] + month["quarantined"]
    assert manifest["totals"] == {"rows": 8229, "inserted": 7699, "duplicates": 155, "superseded": 230,
                                  "quarantined": 145, "late": 74, "records": 7800,
                                  "identifiers_in_text": 174}
