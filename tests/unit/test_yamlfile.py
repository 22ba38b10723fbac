"""The one YAML loader: every error names the file, the line and the field."""
from __future__ import annotations

import pytest
from pydantic import Field

from suizhi.errors import ConfigError
from suizhi.yamlfile import Strict, load_yaml


class Retention(Strict):
    days: int = Field(gt=0)
    layer: str


class Policy(Strict):
    version: int
    retention: list[Retention]


GOOD = "version: 1\nretention:\n  - days: 30\n    layer: bronze\n  - days: 90\n    layer: silver\n"


def _problems(tmp_path, text: str) -> tuple[str, list[str]]:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_yaml(path, Policy)
    return str(path), err.value.problems


def test_a_valid_file_loads_as_its_frozen_model(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")
    policy = load_yaml(path, Policy)
    assert [(r.days, r.layer) for r in policy.retention] == [(30, "bronze"), (90, "silver")]
    with pytest.raises(ValueError):
        policy.version = 2


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    path, problems = _problems(tmp_path, "version: 1\nretention: [\n  - days: 30\n")
    assert problems == [f"{path}: line 3: cannot be read as YAML: while parsing a flow node\n"
                        "expected the node content, but found '-'\n"
                        f'  in "{path}", line 3, column 3:\n'
                        "      - days: 30\n"
                        "      ^"]


def test_an_unknown_field_names_the_file_line_and_field(tmp_path):
    path, problems = _problems(tmp_path, GOOD.replace("    layer: silver\n", "    layer: silver\n    dayz: 3\n"))
    assert problems == [f"{path}: line 7: field 'retention.1.dayz': Extra inputs are not permitted"]


def test_a_wrong_type_names_the_file_line_and_field(tmp_path):
    path, problems = _problems(tmp_path, GOOD.replace("days: 90", "days: ninety"))
    assert problems == [f"{path}: line 5: field 'retention.1.days': Input should be a valid integer, "
                        "unable to parse string as an integer"]


def test_a_missing_field_names_the_mapping_it_belongs_in(tmp_path):
    path, problems = _problems(tmp_path, GOOD.replace("    layer: bronze\n", ""))
    assert problems == [f"{path}: line 3: field 'retention.0.layer': Field required"]


def test_a_missing_top_level_field_has_no_line_to_name(tmp_path):
    path, problems = _problems(tmp_path, GOOD.replace("version: 1\n", ""))
    assert problems == [f"{path}: field 'version': Field required"]


def test_a_key_given_twice_names_its_second_line(tmp_path):
    path, problems = _problems(tmp_path, GOOD + "version: 2\n")
    assert problems == [f"{path}: line 7: field 'version': given more than once"]


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "absent.yaml"
    with pytest.raises(ConfigError) as err:
        load_yaml(path, Policy)
    assert err.value.problems == [f"{path}: cannot be read: [Errno 2] No such file or directory: '{path}'"]
