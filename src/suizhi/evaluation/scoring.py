"""Score measured values against conf/evaluation/<year>.yaml, one row per 三级指标.

A value the pipeline cannot measure yet stays None all the way through: its row gets no
score, and the total states which part of the 100 points it covers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from suizhi.errors import EvaluationError
from suizhi.evaluation.config import TALLIES, Budget, EvaluationConfig, Indicator, Project

AT_LEAST = ("不少于", "不低于")
NOT_MEASURED = "未测量"
TARGET_LOW = "目标设置偏低"
NO_DEVIATION = "无"
OPERATORS_EN = {"不少于": "at least", "不低于": "at least", "不高于": "at most", "等于": "exactly"}
UNITS_EN = {"份": "docs", "个": "items", "次": "times", "条": "records", "%": "%"}


@dataclass
class Measure:
    """One value measured from the lake; value None means the pipeline cannot measure it yet."""

    value: float | None
    unit: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorScore:
    """One scored row; the *_text fields are the Chinese cells of the 自评表."""

    level1: str
    level2: str
    name: str
    tally: str
    operator: str
    target: float
    unit: str
    weight: float
    rule: str
    target_text: str         # 不少于30份
    actual: float | None
    actual_text: str         # 36份, 11亿条（按申报量的 1/3,500 模拟，实际汇聚 313,464条）, 未测量
    met: bool | None
    score: float | None
    deviation: str           # 无, 目标设置偏低, 未达标：差 6份 (20.0%), 未测量
    deviation_kind: str      # none, target_low, shortfall, not_measured
    gap: float | None        # |target − actual| when not met
    proposed_target: float | None  # next year's target when target_low
    detail: dict


@dataclass(frozen=True)
class BudgetScore:
    unit: str
    planned: float
    spent: float
    weight: float
    rate: float   # 预算执行率 = spent / planned
    score: float  # weight × min(rate, 1)
    sources: list[tuple[str, float, float]]  # (name, planned, spent)


@dataclass(frozen=True)
class Evaluation:
    """The scored table. measured_weight is budget.weight plus the weights of measured rows."""

    year: int
    project: Project
    annual_goal: str
    budget: BudgetScore
    indicators: list[IndicatorScore]
    total: float
    measured_weight: float
    not_measured: list[str]  # tallies of rows without a measured value


def plain(v: float) -> str:
    """A number without grouping: 30, 99.5, 0.25."""
    return str(int(v)) if float(v).is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


def grouped(v: float) -> str:
    """A number with thousands separators: 300,000 or 1,952.61."""
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.4f}".rstrip("0").rstrip(".")


def cn_count(v: float) -> str:
    """A count in Chinese style: 11亿, 1.2万, 700."""
    for size, word in ((1e8, "亿"), (1e4, "万")):
        if abs(v) >= size:
            return f"{v / size:.2f}".rstrip("0").rstrip(".") + word
    return plain(v)


def quantity(v: float, unit: str, lang: str = "zh") -> str:
    """A value with its unit; counts of 10,000 or more also show the exact integer."""
    if lang == "en":
        return f"{grouped(v)}%" if unit == "%" else f"{grouped(v)} {UNITS_EN.get(unit, unit)}"
    text = f"{cn_count(v)}{unit}" if unit != "%" else f"{plain(v)}%"
    return f"{text} ({grouped(v)})" if unit != "%" and abs(v) >= 1e4 else text


def target_phrase(operator: str, target: float, unit: str, lang: str = "zh") -> str:
    """不少于30份 (at least 30 docs)."""
    if lang == "en":
        return f"{OPERATORS_EN[operator]} {quantity(target, unit, 'en')}"
    short = f"{plain(target)}%" if unit == "%" else f"{cn_count(target)}{unit}"
    return f"{operator}{short}"


def _two_figures_en(v: float) -> str:
    """A count already at two significant figures, in words: 1.1 billion, 970 million, 35,000."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if v >= size:
            return f"{v / size:g} {word}"
    return grouped(v)


def measured_phrase(value: float, unit: str, detail: dict, lang: str = "zh") -> str:
    """The 实际完成指标值 cell. A volume read from a simulation (detail's sampling names the
    fraction it was simulated at) is shown at its two significant figures, with that fraction
    and the rows that landed: 11亿条（按申报量的 1/3,500 模拟，实际汇聚 313,464条）."""
    sampled = (detail or {}).get("sampling") or {}
    if not sampled.get("simulated_at"):
        return quantity(value, unit, lang)
    landed, at = sampled["rows_landed"], sampled["simulated_at"]
    if lang == "en":
        return (f"{_two_figures_en(value)} {UNITS_EN.get(unit, unit)} (simulated at {at} of the declared "
                f"volume; {quantity(landed, unit, 'en')} landed)")
    return f"{cn_count(value)}{unit}（按申报量的 {at} 模拟，实际汇聚 {grouped(landed)}{unit}）"


def describe_deviation(row: IndicatorScore, lang: str = "zh") -> str:
    """The deviation cell: 无, 目标设置偏低, 未达标：差 6份 (20.0%) or 未测量 (English with lang='en')."""
    zh = lang != "en"
    if row.deviation_kind == "not_measured":
        return NOT_MEASURED if zh else "not measured"
    if row.deviation_kind == "target_low":
        return TARGET_LOW if zh else "target set too low"
    if row.deviation_kind == "none":
        return NO_DEVIATION if zh else "none"
    over = row.actual > row.target
    pct = f"{row.gap / row.target * 100:.1f}%"
    if row.unit == "%":
        amount = f"{plain(round(row.gap, 4))}个百分点" if zh else f"{plain(round(row.gap, 4))} points"
    else:
        amount = f"{grouped(row.gap)}{row.unit}" if zh else quantity(row.gap, row.unit, lang)
    causes = row.detail.get("causes") or []
    if zh:
        why = f"；原因：{'；'.join(causes)}" if causes else ""
        return f"未达标：{'超' if over else '差'} {amount} ({pct}){why}"
    why = f"; causes: {'; '.join(causes)}" if causes else ""
    return f"not met: {'over' if over else 'short'} by {amount} ({pct}){why}"


def floor_2sf(x: float) -> float:
    """x rounded down to two significant figures: 738 → 730, 700 → 700, 1.1e9 → 1.1e9."""
    if x <= 0:
        return 0.0
    d = Decimal(repr(float(x)))
    exp = d.adjusted() - 1
    digits = d.scaleb(-exp).to_integral_value(rounding=ROUND_FLOOR)
    return float(digits.scaleb(exp))


def _met(operator: str, actual: float, target: float) -> bool:
    if math.isclose(actual, target, rel_tol=1e-9):
        return True
    if operator in AT_LEAST:
        return actual > target
    if operator == "不高于":
        return actual < target
    return False


def _points(ind: Indicator, actual: float, target: float, met: bool) -> float:
    if met:
        return ind.weight
    if ind.rule == "full_when_met" or ind.operator == "等于":
        return 0.0
    if ind.operator in AT_LEAST:
        return ind.weight * actual / target
    return ind.weight * target / actual  # 不高于, missed: actual > target > 0


def _score_indicator(ind: Indicator, measure: Measure | None) -> IndicatorScore:
    target = ind.target
    base = dict(
        level1=ind.level1, level2=ind.level2, name=ind.name, tally=ind.tally,
        operator=ind.operator, target=target, unit=ind.unit, weight=ind.weight, rule=ind.rule,
        target_text=target_phrase(ind.operator, target, ind.unit),
    )
    if measure is None or measure.value is None:
        detail = dict(measure.detail) if measure is not None else {"reason": "no measure supplied"}
        return IndicatorScore(
            **base, actual=None, actual_text=NOT_MEASURED, met=None, score=None,
            deviation=NOT_MEASURED, deviation_kind="not_measured", gap=None,
            proposed_target=None, detail=detail,
        )
    actual = float(measure.value)
    met = _met(ind.operator, actual, target)
    kind, gap, proposed = "none", None, None
    limit = target * (1 + ind.deviation_margin)
    if not met:
        kind, gap = "shortfall", abs(target - actual)
    elif ind.operator in AT_LEAST and actual > limit and not math.isclose(actual, limit, rel_tol=1e-9):
        kind, proposed = "target_low", floor_2sf(actual)
    row = IndicatorScore(
        **base, actual=actual, actual_text=measured_phrase(actual, ind.unit, measure.detail), met=met,
        score=round(_points(ind, actual, target, met), 2), deviation="", deviation_kind=kind,
        gap=gap, proposed_target=proposed, detail=dict(measure.detail),
    )
    return replace(row, deviation=describe_deviation(row))


def _score_budget(budget: Budget) -> BudgetScore:
    rate = budget.spent / budget.planned
    return BudgetScore(
        unit=budget.unit, planned=budget.planned, spent=budget.spent, weight=budget.weight,
        rate=rate, score=round(budget.weight * min(rate, 1.0), 2),
        sources=[(s.name, s.planned, s.spent) for s in budget.sources],
    )


def _check_measures(config: EvaluationConfig, measures: dict[str, Measure]) -> None:
    problems = []
    unknown = sorted(set(measures) - set(TALLIES))
    if unknown:
        problems.append(f"unknown tallies {unknown}; known: {', '.join(TALLIES)}")
    for ind in config.indicators:
        m = measures.get(ind.tally)
        if m is None:
            continue
        if m.unit != ind.unit:
            problems.append(f"tally '{ind.tally}' measured in '{m.unit}' but {ind.name} is in '{ind.unit}'")
        if m.value is not None and not (math.isfinite(m.value) and m.value >= 0):
            problems.append(f"tally '{ind.tally}' has value {m.value!r}; a measure is a finite number ≥ 0 or None")
    if problems:
        raise EvaluationError("; ".join(problems))


def score(config: EvaluationConfig, measures: dict[str, Measure]) -> Evaluation:
    """Score every indicator and the budget; a tally missing from measures counts as not measured."""
    _check_measures(config, measures)
    rows = [_score_indicator(ind, measures.get(ind.tally)) for ind in config.indicators]
    budget = _score_budget(config.budget)
    measured = [r for r in rows if r.score is not None]
    return Evaluation(
        year=config.year, project=config.project, annual_goal=config.annual_goal, budget=budget,
        indicators=rows,
        total=round(budget.score + sum(r.score for r in measured), 2),
        measured_weight=budget.weight + sum(r.weight for r in measured),
        not_measured=[r.tally for r in rows if r.score is None],
    )
