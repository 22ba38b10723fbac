"""The 自评表 scoring against conf/evaluation/2021.yaml: the seed's numbers, misses, gaps, bad config."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest

from suizhi.errors import ConfigError, EvaluationError
from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.render import display_width, narrative, render_table
from suizhi.evaluation.report_json import SCHEMA, to_json, write_reports
from suizhi.evaluation.scoring import Measure, floor_2sf, score

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "conf" / "evaluation" / "2021.yaml"
# The seed's 实际完成指标值, in the order of its table.
SEED = {
    "analysis_reports": (36, "份"), "warning_indicators": (277, "个"), "major_event_support": (19, "次"),
    "monitoring_indicators": (700, "个"), "venue_uptime": (100.0, "%"), "standards": (10, "份"),
    "topics_processed": (10, "个"), "records_aggregated": (1_100_000_000, "条"),
}


@pytest.fixture(scope="module")
def config():
    return load_evaluation(CONFIG)


def seed_measures(**changes) -> dict[str, Measure]:
    values = {k: Measure(v, u) for k, (v, u) in SEED.items()}
    values.update(changes)
    return values


def rows_by_tally(evaluation):
    return {r.tally: r for r in evaluation.indicators}


def test_the_config_is_the_seed_table(config):
    assert config.year == 2021
    assert config.budget.planned == config.budget.spent == 1952.61
    assert [s.name for s in config.budget.sources] == ["财政拨款（市本级支出）", "财政拨款（转移支付）", "其他资金"]
    assert [i.tally for i in config.indicators] == list(SEED)
    assert [i.weight for i in config.indicators] == [12, 12, 12, 12, 10, 10, 10, 12]
    assert [(i.operator, i.target, i.unit) for i in config.indicators][-1] == ("不少于", 1_000_000_000, "条")
    assert config.annual_goal.startswith("完成承载运营服务的运营场地")


def test_the_seed_values_score_the_seed(config):
    ev = score(config, seed_measures())
    assert [r.score for r in ev.indicators] == [12, 12, 12, 12, 10, 10, 10, 12]
    assert ev.budget.rate == 1.0 and ev.budget.score == 10
    assert ev.total == 100.0 and ev.measured_weight == 100 and ev.not_measured == []
    low = {r.name: r.proposed_target for r in ev.indicators if r.deviation == "目标设置偏低"}
    assert low == {"运行监测服务": 700, "汇聚数据量": 1_100_000_000}
    assert all(r.deviation == "无" and r.proposed_target is None
               for r in ev.indicators if r.name not in low)
    rows = rows_by_tally(ev)
    assert rows["analysis_reports"].target_text == "不少于30份"
    assert rows["records_aggregated"].target_text == "不少于10亿条"
    assert rows["records_aggregated"].actual_text == "11亿条 (1,100,000,000)"


def test_the_seed_table_renders_aligned(config):
    text = render_table(score(config, seed_measures()))
    assert "总分：100.00" in text and "1,952.61" in text and "100.00%" in text
    assert "目标设置偏低；建议下年目标不少于700个" in text
    assert "目标设置偏低；建议下年目标不少于11亿条" in text
    for block in _grids(text):  # every line of one bordered grid has the same display width
        assert len({display_width(line) for line in block}) == 1, block


def _grids(text: str) -> list[list[str]]:
    """The bordered grids of a rendered table; two rules in a row end one grid and start the next."""
    grids, prev = [[]], ""
    for line in text.splitlines():
        if not line.startswith(("|", "+")):
            continue
        if line.startswith("+") and prev.startswith("+"):
            grids.append([])
        grids[-1].append(line)
        prev = line
    assert len(grids) == 4
    return grids


def test_missed_targets_score_by_their_rule(config):
    ev = score(config, seed_measures(analysis_reports=Measure(24, "份"), venue_uptime=Measure(99.0, "%")))
    rows = rows_by_tally(ev)
    reports, venue = rows["analysis_reports"], rows["venue_uptime"]
    assert (reports.met, reports.score) == (False, 9.6)  # proportional: 12 × 24/30
    assert reports.deviation == "未达标：差 6份 (20.0%)"
    assert (venue.met, venue.score) == (False, 0.0)      # full_when_met
    assert venue.deviation == "未达标：差 0.5个百分点 (0.5%)"
    assert ev.total == 87.6 and ev.measured_weight == 100


def test_a_value_that_is_not_measured_gets_no_score(config):
    gap = Measure(None, "条", {"reason": "汇聚量尚未接入台账"})
    ev = score(config, seed_measures(records_aggregated=gap))
    row = rows_by_tally(ev)["records_aggregated"]
    assert (row.actual, row.met, row.score, row.proposed_target) == (None, None, None, None)
    assert ev.not_measured == ["records_aggregated"]
    assert ev.total == 88.0 and ev.measured_weight == 88
    line = next(ln for ln in render_table(ev).splitlines() if "汇聚数据量" in ln)
    assert line.count("未测量") >= 3  # actual, score and the deviation cell
    assert "总分：88.00（已测量部分满分 88，共 100）" in render_table(ev)
    assert "not measured" in render_table(ev, lang="en")
    data = to_json(ev)
    assert data["indicators"][-1]["score"] is None and data["not_measured"] == ["records_aggregated"]


def test_a_tally_left_out_counts_as_not_measured(config):
    measures = seed_measures()
    del measures["venue_uptime"]
    ev = score(config, measures)
    assert ev.not_measured == ["venue_uptime"] and ev.total == 90.0


def test_floor_to_two_significant_figures():
    assert [floor_2sf(x) for x in (700, 738, 19, 1.1e9, 1_149_999_999, 7.35)] == [
        700, 730, 19, 1.1e9, 1.1e9, 7.3]


def test_measures_that_do_not_fit_are_refused(config):
    with pytest.raises(EvaluationError, match="venue_uptime.*'个'"):
        score(config, seed_measures(venue_uptime=Measure(100.0, "个")))
    with pytest.raises(EvaluationError, match="unknown tallies"):
        score(config, {**seed_measures(), "reports": Measure(1, "份")})


def test_reports_are_written_for_excel_and_machines(config, tmp_path):
    ev = score(config, seed_measures(records_aggregated=Measure(None, "条")))
    json_path, csv_path = write_reports(ev, tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert "汇聚数据量" in json_path.read_text(encoding="utf-8")  # not \u escapes
    assert set(data) >= {"year", "project", "budget", "indicators", "total", "measured_weight", "not_measured"}
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))
    required = json.loads(SCHEMA.read_text())["properties"]["indicators"]["items"]["required"]
    assert set(data["indicators"][0]) == set(required)
    assert [r["actual_text"] for r in data["indicators"]] == [
        "36份", "277个", "19次", "700个", "100%", "10份", "10个", "未测量"]
    assert data["indicators"][7]["target_text"] == "不少于10亿条"
    assert data["indicators"][3]["proposed_target"] == 700 and data["total"] == 88.0
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [r["row"] for r in rows] == ["indicator"] * 8 + ["budget", "total"]
    assert rows[-1]["score"] == "88.0" and rows[-2]["score"] == "10.0"
    assert rows[7]["score"] == "" and rows[0]["name"] == "运营分析报告数量"


# --- broken copies of the real file: each error names the file, the line and the field ---

def _broken(tmp_path: Path, edit) -> tuple[Path, list[str]]:
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    edit(lines)
    path = tmp_path / "2021.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def _line_after(lines: list[str], anchor: str, prefix: str) -> int:
    """1-based number of the first line starting with prefix (stripped) after the anchor line."""
    start = next(i for i, ln in enumerate(lines) if anchor in ln)
    return next(i for i in range(start, len(lines)) if lines[i].strip().startswith(prefix)) + 1


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_evaluation(path)
    return str(info.value)


def test_an_unknown_key_names_its_line(tmp_path):
    def edit(lines):
        at = next(i for i, ln in enumerate(lines) if "name: 重大活动服务保障次数" in ln)
        lines.insert(at + 1, "    colour: red")
    path, lines = _broken(tmp_path, edit)
    line = _line_after(lines, "重大活动服务保障次数", "colour:")
    assert f"{path}: line {line}: field 'indicators.2.colour': Extra inputs are not permitted" in _error(path)


def test_a_negative_weight_names_its_line(tmp_path):
    def edit(lines):
        at = _line_after(lines, "name: 运行监测服务", "weight:") - 1
        lines[at] = lines[at].replace("weight: 12", "weight: -12")
    path, lines = _broken(tmp_path, edit)
    line = _line_after(lines, "name: 运行监测服务", "weight:")
    message = _error(path)
    assert f"{path}: line {line}: field 'indicators.3.weight': Input should be greater than 0" in message


def test_weights_that_do_not_sum_to_100_are_refused(tmp_path):
    def edit(lines):
        at = _line_after(lines, "name: 运营专题数量", "weight:") - 1
        lines[at] = lines[at].replace("weight: 10", "weight: 8")
    path, lines = _broken(tmp_path, edit)
    line = lines.index("indicators:") + 1
    message = _error(path)
    assert f"{path}: line {line}: field 'indicators':" in message
    assert "sum to 98, not 100" in message


def test_an_unknown_tally_and_a_missing_field_name_their_lines(tmp_path):
    def edit(lines):
        at = _line_after(lines, "name: 编制标准规范数量", "tally:") - 1
        lines[at] = "    tally: standard"
        del lines[_line_after(lines, "name: 运营专题数量", "rule:") - 1]
    path, lines = _broken(tmp_path, edit)
    message = _error(path)
    assert f"{path}: line {_line_after(lines, '编制标准规范数量', 'tally:')}: field 'indicators.5.tally'" in message
    item = _line_after(lines, "name: 编制标准规范数量", "- level1:")  # the item of 运营专题数量
    assert f"{path}: line {item}: field 'indicators.6.rule': Field required" in message


def test_a_key_given_twice_and_bad_yaml_are_refused(tmp_path):
    def edit(lines):
        lines.insert(lines.index("year: 2021") + 1, "year: 2021")
    path, _ = _broken(tmp_path, edit)
    assert f"{path}: line 6: field 'year': given more than once" in _error(path)
    path.write_text("year: [2021\n", encoding="utf-8")
    assert f"{path}: line 2: cannot be read as YAML" in _error(path)


# --- the standards register and the English reports ---

def test_the_standards_register_holds_the_seeds_ten():
    from suizhi.evaluation.lake_measures import standards_measure
    m = standards_measure(ROOT, 2021)
    assert m["value"] == 10 and m["detail"]["implemented_in_repo"] == 8
    quality = next(s for s in m["detail"]["standards"] if s["name"].endswith("数据质量规范"))
    assert quality["implemented_by"] == "expectations/"


def test_a_broken_standards_register_names_its_line(tmp_path):
    from suizhi.evaluation.standards import load_standards
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "standards.yaml"
    path.write_text("- name: 数据质量规范\n  issued: 2021\n  implemented_by: expectations/\n"
                    "- name: 数据安全规范\n  issued: next year\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_standards(path)
    assert err.value.problems == [f"{path}: line 5: field '1.issued': Input should be a valid integer, "
                                  "unable to parse string as an integer"]
    path.write_text("- name: 数据质量规范\n  issued: 2021\n  implemented_by: expectations/\n", encoding="utf-8")
    from suizhi.evaluation.lake_measures import standards_measure
    detail = standards_measure(tmp_path, 2021)["detail"]  # counted, and the missing folder named
    assert (detail["implemented_in_repo"], detail["implementation_missing"]) == (0, ["expectations/"])


def test_english_labels_on_request(config, tmp_path):
    from suizhi.evaluation.excel import build_workbook
    from suizhi.evaluation.markdown import render_markdown
    data = to_json(score(config, seed_measures()), "en")
    ws = build_workbook(data).active
    assert (ws["A1"].value, ws["B13"].value, ws["I13"].value) == (
        "Project expenditure performance self-evaluation", "Level 1", "Deviation analysis and remedy")
    assert data["indicators"][3]["deviation_text"] == "target set too low; propose next year: at least 700 items"
    assert data["indicators"][0]["target_text"] == "at least 30 docs"
    assert "| 效益 | 经济效益 | 运行监测服务 | at least 500 items | 700 items | 12 | 12.00 |" in render_markdown(data)


def test_what_was_achieved_opens_with_the_years_facts_in_each_language():
    data = {"year": 2021, "indicators": [], "summary": {
        "departments": 35, "systems": 115, "devices": 84_000, "records_to_date": 1_100_000_000,
        "vital_sign_items": 3548}}
    assert narrative(data)["achieved"] == (
        "截止2021年12月31日，对接35个市直部门共115个业务系统，接入物联网感知设备终端8.4万个，"
        "累计归集城市运行数据11亿条，形成城市体征数据项3,548个。")
    assert narrative(data, "en")["achieved"] == (
        "By 31 December 2021: 115 business systems of 35 municipal departments connected, 84,000 IoT devices, "
        "1,100,000,000 city records aggregated to date and 3,548 vital-sign data items. ")
    assert narrative({"year": 2021, "indicators": []})["achieved"] == ""
