"""The yearly evaluation config (conf/evaluation/<year>.yaml) as typed, validated data.

Every problem names the file, the line and the field, so an evaluator can fix the table
without reading Python.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, model_validator

from suizhi.errors import ConfigError
from suizhi.yamlfile import Document, Strict, read_yaml

Tally = Literal[
    "analysis_reports", "warning_indicators", "major_event_support", "monitoring_indicators",
    "venue_uptime", "standards", "topics_processed", "records_aggregated",
]
Operator = Literal["不少于", "不低于", "不高于", "等于"]
Unit = Literal["份", "个", "次", "条", "%"]
Rule = Literal["full_when_met", "proportional"]
TALLIES: tuple[str, ...] = get_args(Tally)
TOTAL_WEIGHT = 100.0


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


def _cross_check(doc: Document, config: EvaluationConfig) -> list[str]:
    problems = []
    stem = doc.path.stem
    if stem.isdigit() and int(stem) != config.year:
        problems.append(doc.problem(("year",), f"{config.year} must match the file name '{stem}'"))
    seen: dict[str, int] = {}
    for i, ind in enumerate(config.indicators):
        if ind.tally in seen:
            problems.append(doc.problem(("indicators", i, "tally"),
                                        f"'{ind.tally}' is already scored by indicators.{seen[ind.tally]}"))
        seen.setdefault(ind.tally, i)
    weights = sum(ind.weight for ind in config.indicators)
    if not math.isclose(weights + config.budget.weight, TOTAL_WEIGHT, abs_tol=1e-9):
        problems.append(doc.problem(
            ("indicators",),
            f"indicator weights ({weights:g}) plus budget.weight ({config.budget.weight:g}) "
            f"sum to {weights + config.budget.weight:g}, not {TOTAL_WEIGHT:g}",
        ))
    return problems


def load_evaluation(path: Path | str) -> EvaluationConfig:
    """The validated evaluation config at path; raises ConfigError listing every problem with its line and field."""
    doc = read_yaml(path)
    config = doc.validate(EvaluationConfig)
    problems = _cross_check(doc, config)
    if problems:
        raise ConfigError(problems)
    return config
