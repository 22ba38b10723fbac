"""The volume row reads the year at the fraction of the declared volume the simulation generated,
so any scale reads the seed's 11亿, and real sources (no manifest) read the rows landed."""
from __future__ import annotations

import json

import pytest

from suizhi.catalog import load_catalog
from suizhi.errors import EvaluationError
from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.render import render_table
from suizhi.evaluation.report_json import to_json
from suizhi.evaluation.sampling import fraction_text, read_sampling, round_2sf, volume, volume_detail
from suizhi.evaluation.scoring import Measure, score
from suizhi.simulate.writer import plan_counts
from tests.conftest import REPO

SEED_VOLUME = 1_100_000_000  # the records the hub aggregated in 2021, the city's declared yearly volume
OTHERS = {"analysis_reports": (36, "份"), "warning_indicators": (277, "个"), "major_event_support": (19, "次"),
          "monitoring_indicators": (700, "个"), "venue_uptime": (100.0, "%"), "standards": (10, "份"),
          "topics_processed": (10, "个")}


@pytest.fixture(scope="module")
def config():
    return load_evaluation(REPO / "conf" / "evaluation" / "2021.yaml")


def volume_row(config, rows_landed: int, sampling):
    """The 汇聚数据量 row for rows_landed read at sampling, as the tally measures it."""
    measure = Measure(volume(rows_landed, sampling), "条", {"sampling": volume_detail(rows_landed, sampling)})
    measures = {k: Measure(v, u) for k, (v, u) in OTHERS.items()} | {"records_aggregated": measure}
    ev = score(config, measures)
    return ev, next(r for r in ev.indicators if r.tally == "records_aggregated")


# scale, rows generated at the sources, rows they land, the fraction the row names
SCALES = [(0.5, 157_408, 156_794, "1/7,000"), (1, 314_710, 313_464, "1/3,500"), (2, 629_423, 626_926, "1/1,700")]


@pytest.mark.parametrize(("scale", "generated", "landed", "named"), SCALES)
def test_every_scale_reads_the_seeds_11_billion_and_names_its_fraction(config, tmp_path, scale, generated, landed,
                                                                       named):
    manifest = plan_counts(load_catalog(REPO), 2021, scale, 2021)
    totals = manifest["totals"]
    assert totals["rows"] == landed
    # at the source: every row landed and every reading a stream dropped as re-sent or late
    assert generated == landed + totals["ingest_duplicates"] + totals["ingest_rejected"]
    assert manifest["sampling"] == {"fraction": generated / SEED_VOLUME, "rows_generated": generated,
                                    "declared_volume": SEED_VOLUME, "systems": 115, "months": 12, "scale": scale}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    sampling = read_sampling(tmp_path, 2021)
    assert sampling.fraction == generated / SEED_VOLUME
    assert sampling.manifest == str((tmp_path / "manifest.json").resolve())
    assert fraction_text(manifest["sampling"]["fraction"]) == named

    ev, row = volume_row(config, landed, sampling)
    assert row.actual == SEED_VOLUME  # landed / fraction, 1.0956e9, to two significant figures
    assert row.actual_text == f"11亿条（按申报量的 {named} 模拟，实际汇聚 {landed:,}条）"
    assert (row.met, row.score, row.deviation, row.proposed_target) == (True, 12, "目标设置偏低", SEED_VOLUME)
    assert "目标设置偏低；建议下年目标不少于11亿条" in render_table(ev)
    assert to_json(ev, "en")["indicators"][-1]["actual_text"] == (
        f"1.1 billion records (simulated at {named} of the declared volume; {landed:,} records landed)")
    assert to_json(ev)["indicators"][-1]["detail"]["sampling"]["simulated_at"] == named


def test_sources_without_a_manifest_are_the_whole_volume(config, tmp_path):
    sampling = read_sampling(tmp_path, 2021)  # the departments' own sources: nothing simulated
    assert (sampling.fraction, sampling.manifest) == (1.0, None)
    assert read_sampling(None, 2021) == sampling
    _, row = volume_row(config, 1_123_456_789, sampling)
    assert row.actual == 1_123_456_789  # exact: a count, not an extrapolation
    assert row.actual_text == "11.23亿条 (1,123,456,789)"
    assert (row.deviation, row.proposed_target) == ("目标设置偏低", 1_100_000_000)


def test_a_simulated_year_short_of_its_batches_reads_short(config, tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"year": 2021, "sampling": {"fraction": 314_710 / SEED_VOLUME}}), encoding="utf-8")
    _, row = volume_row(config, 278_501, read_sampling(tmp_path, 2021))  # 278,501 / 0.0002861 = 973,439,000
    assert (row.actual, row.met, row.score) == (970_000_000, False, 11.64)
    assert row.deviation == "未达标：差 30,000,000条 (3.0%)"
    assert row.actual_text == "9.7亿条（按申报量的 1/3,500 模拟，实际汇聚 278,501条）"


def test_a_manifest_that_cannot_say_the_fraction_is_refused(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"year": 2022, "sampling": {"fraction": 0.0003}}), encoding="utf-8")
    with pytest.raises(EvaluationError, match=f"{path}: the sources hold a simulation of 2022, not of 2021"):
        read_sampling(tmp_path, 2021)
    path.write_text(json.dumps({"year": 2021, "systems": {}}), encoding="utf-8")  # an older simulator's
    with pytest.raises(EvaluationError, match=f"{path}: no 'sampling.fraction'"):
        read_sampling(tmp_path, 2021)
    path.write_text(json.dumps({"year": 2021, "sampling": {"fraction": 0}}), encoding="utf-8")
    with pytest.raises(EvaluationError, match="got {'fraction': 0}"):
        read_sampling(tmp_path, 2021)


def test_two_significant_figures():
    assert [round_2sf(x) for x in (1_095_644_879, 973_439_000, 3_495.28, 1_747.63, 6_988.2, 1_050, 0.456)] == [
        1.1e9, 9.7e8, 3_500, 1_700, 7_000, 1_100, 0.46]
    assert [fraction_text(f) for f in (1 / 3_495.28, 1 / 35, 1 / 1.55, 1.0, 2.5)] == [
        "1/3,500", "1/35", "1/1.6", "1×", "2.5×"]
