"""The yearly evaluation config (conf/evaluation/<year>.yaml) as typed, validated data.

Every problem names the file, the line and the field, so an evaluator can fix the table
without reading Python.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import Field, ValidationError, model_validator

from suizhi.catalog.models import Strict
from suizhi.errors import ConfigError

Tally = Literal[
    "analysis_reports", "warning_indicators", "major_event_support", "monitoring_indicators",
    "venue_uptime", "standards", "topics_processed", "records_aggregated",
]
Operator = Literal["不少于", "不低于", "不高于", "等于"]
Unit = Literal["份", "个", "次", "条", "%"]
Rule = Literal["full_when_met", "proportional"]
TALLIES: tuple[str, ...] = get_args(Tally)
TOTAL_WEIGHT = 100.0

YamlPath = tuple[str | int, ...]


class Project(Strict):
    name: str = Field(min_length=1)         # 项目名称
    department: str = Field(min_length=1)   # 主管部门
    implementer: str = Field(min_length=1)  # 实施单位


class FundSource(Strict):
    """One line of 项目资金, e.g. 财政拨款（市本级支出）."""

    name: str = Field(min_length=1)
    planned: float = Field(ge=0)
    spent: float = Field(ge=0)


class Budget(Strict):
    """年度预算数 and 实际支出 in 万元; the score is weight × execution rate (capped at 1)."""

    unit: Literal["万元"] = "万元"
    planned: float = Field(gt=0)
    spent: float = Field(ge=0)
    weight: float = Field(ge=0, le=TOTAL_WEIGHT)
    sources: list[FundSource] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sources_add_up(self) -> Budget:
        if self.sources:
            for attr in ("planned", "spent"):
                total = sum(getattr(s, attr) for s in self.sources)
                if not math.isclose(total, getattr(self, attr), abs_tol=0.005):
                    raise ValueError(f"sources' {attr} add up to {total:.2f}, not {getattr(self, attr):.2f}")
        return self


class Indicator(Strict):
    """One 三级指标: what was promised (operator, target, unit) and how it scores."""

    level1: str = Field(min_length=1)  # 一级指标
    level2: str = Field(min_length=1)  # 二级指标
    name: str = Field(min_length=1)    # 三级指标
    tally: Tally
    operator: Operator
    target: float = Field(gt=0)
    unit: Unit
    weight: float = Field(gt=0, le=TOTAL_WEIGHT)
    rule: Rule
    deviation_margin: float = Field(default=0.2, ge=0)

    @model_validator(mode="after")
    def _percent_in_range(self) -> Indicator:
        if self.unit == "%" and self.target > 100:
            raise ValueError(f"a percentage target cannot exceed 100 (got {self.target:g})")
        return self


class EvaluationConfig(Strict):
    year: int = Field(ge=2000, le=2100)
    project: Project
    annual_goal: str = Field(min_length=1)  # 年度预期绩效目标
    budget: Budget
    indicators: list[Indicator] = Field(min_length=1)


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that also records the line of every mapping key and sequence item."""

    def load_with_lines(self) -> tuple[object, dict[YamlPath, int], list[YamlPath]]:
        """The document, the 1-based line of each path in it, and keys given twice."""
        node = self.get_single_node()
        lines: dict[YamlPath, int] = {(): 1}
        duplicates: list[YamlPath] = []
        if node is None:
            return None, lines, duplicates
        self._record(node, (), lines, duplicates, set())
        return self.construct_document(node), lines, duplicates

    def _record(self, node, path, lines, duplicates, active) -> None:
        if id(node) in active:  # a recursive alias; its contents are recorded already
            return
        active.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (str(key.value),)
                if sub in lines:
                    duplicates.append(sub)
                lines[sub] = key.start_mark.line + 1
                self._record(value, sub, lines, duplicates, active)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[path + (i,)] = item.start_mark.line + 1
                self._record(item, path + (i,), lines, duplicates, active)
        active.discard(id(node))


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _line_of(lines: dict[YamlPath, int], loc: tuple) -> int:
    """The line of loc, or of its nearest ancestor present in the file (a missing key)."""
    for n in range(len(loc), -1, -1):
        if tuple(loc[:n]) in lines:
            return lines[tuple(loc[:n])]
    return 1


def _problem(path: Path, lines: dict[YamlPath, int], loc: tuple, msg: str) -> str:
    return f"{path}:{_line_of(lines, loc)}: field '{_dotted(loc)}': {msg}"


def _read(path: Path) -> tuple[object, dict[YamlPath, int], list[YamlPath]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from None
    loader = _LineLoader(text)
    try:
        return loader.load_with_lines()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else f"{path}"
        raise ConfigError([f"{where}: cannot be read as YAML: {exc}"]) from None
    finally:
        loader.dispose()


def _cross_check(path: Path, config: EvaluationConfig, lines: dict[YamlPath, int]) -> list[str]:
    problems = []
    if path.stem.isdigit() and int(path.stem) != config.year:
        problems.append(_problem(path, lines, ("year",), f"{config.year} must match the file name '{path.stem}'"))
    seen: dict[str, int] = {}
    for i, ind in enumerate(config.indicators):
        if ind.tally in seen:
            problems.append(_problem(path, lines, ("indicators", i, "tally"),
                                     f"'{ind.tally}' is already scored by indicators.{seen[ind.tally]}"))
        seen.setdefault(ind.tally, i)
    weights = sum(ind.weight for ind in config.indicators)
    if not math.isclose(weights + config.budget.weight, TOTAL_WEIGHT, abs_tol=1e-9):
        problems.append(_problem(
            path, lines, ("indicators",),
            f"indicator weights ({weights:g}) plus budget.weight ({config.budget.weight:g}) "
            f"sum to {weights + config.budget.weight:g}, not {TOTAL_WEIGHT:g}",
        ))
    return problems


def load_evaluation(path: Path | str) -> EvaluationConfig:
    """The validated evaluation config at path; raises ConfigError listing every problem as file:line: field."""
    path = Path(path)
    data, lines, duplicates = _read(path)
    problems = [_problem(path, lines, loc, "given more than once") for loc in duplicates]
    try:
        config = EvaluationConfig.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(_problem(path, lines, e["loc"], msg))
        raise ConfigError(problems) from None
    problems.extend(_cross_check(path, config, lines))
    if problems:
        raise ConfigError(problems)
    return config
