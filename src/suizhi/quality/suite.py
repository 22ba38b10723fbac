"""Expectation suites as data: one `expectations/<dataset>.yaml` per contract.

Each expectation names a rule type, the column(s) it reads, its GB/T 36344-2018 dimension
and its action: `warn` counts failures, `quarantine` sends the failing rows to
`quarantine.<dataset>`, `fail` stops the run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from suizhi.catalog.models import Contract
from suizhi.errors import ConfigError
from suizhi.yamlfile import Strict, load_yaml

DIMENSIONS = ("规范性", "完整性", "准确性", "一致性", "时效性", "可访问性")
Dimension = Literal["规范性", "完整性", "准确性", "一致性", "时效性", "可访问性"]
Action = Literal["warn", "quarantine", "fail"]
RuleType = Literal["not_null", "in_set", "between", "citizen_id", "credit_code", "mobile", "landline",
                   "guangzhou_division", "in_guangzhou", "timeliness", "not_before", "address_in_district",
                   "references"]
# Rule types that read a second column, and the parameter that names it.
PAIRED = {"in_guangzhou": "lat column", "not_before": "earlier column", "address_in_district": "district column"}
# The contract itself (conform.py) is the first rule of every suite: type and required values.
CONTRACT_RULE = "contract"


class Reference(Strict):
    """The record a column names in another dataset: `column` of `silver.<dataset>`."""

    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    column: str


class Expectation(Strict):
    rule: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="unique within the suite")
    type: RuleType
    column: str
    other: str | None = Field(None, description="second column of in_guangzhou, not_before, address_in_district")
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    max_lag_days: int | None = Field(None, ge=0, description="timeliness: days allowed before the batch period")
    per_schedule: bool = Field(False, description="timeliness: allow one interval of the system's schedule as well")
    references: Reference | None = Field(None,
                                         description="references: the dataset and column that must hold the value")
    dimension: Dimension
    action: Action
    description: str

    @model_validator(mode="after")
    def _parameters(self) -> Expectation:
        if self.type in PAIRED and not self.other:
            raise ValueError(f"a '{self.type}' expectation needs 'other' (the {PAIRED[self.type]})")
        if self.type not in PAIRED and self.other:
            raise ValueError(f"a '{self.type}' expectation takes no 'other'")
        if self.type == "in_set" and not self.values:
            raise ValueError("an 'in_set' expectation needs 'values'")
        if self.type == "between" and self.min is None and self.max is None:
            raise ValueError("a 'between' expectation needs 'min' or 'max'")
        if self.type == "timeliness" and self.max_lag_days is None and not self.per_schedule:
            raise ValueError("a 'timeliness' expectation needs 'max_lag_days' or 'per_schedule: true'")
        if self.type != "timeliness" and (self.per_schedule or self.max_lag_days is not None):
            raise ValueError("only a 'timeliness' expectation takes 'max_lag_days' or 'per_schedule'")
        if (self.type == "references") != (self.references is not None):
            raise ValueError("a 'references' expectation needs 'references: {dataset, column}', and only it takes one")
        return self

    @property
    def columns(self) -> list[str]:
        return [self.column] + ([self.other] if self.other else [])


class Suite(Strict):
    version: Literal[1]
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    expectations: list[Expectation]

    @model_validator(mode="after")
    def _unique_rules(self) -> Suite:
        names = [e.rule for e in self.expectations]
        dupes = sorted({n for n in names if names.count(n) > 1} | ({CONTRACT_RULE} & set(names)))
        if dupes:
            raise ValueError(f"rule names must be unique and not '{CONTRACT_RULE}': {dupes}")
        return self

    def of_action(self, action: str) -> list[Expectation]:
        return [e for e in self.expectations if e.action == action]


def _check_columns(path: Path, suite: Suite, contract: Contract) -> list[str]:
    names = {c.name for c in contract.columns}
    problems = []
    for i, e in enumerate(suite.expectations):
        for field, column in (("column", e.column), ("other", e.other)):
            if column is not None and column not in names:
                problems.append(f"{path}: field 'expectations.{i}.{field}': rule '{e.rule}' reads column "
                                f"'{column}', which schemas/{contract.dataset}.yaml does not declare")
    return problems


def _check_references(path: Path, suite: Suite, contracts: dict[str, Contract]) -> list[str]:
    problems = []
    for i, e in enumerate(suite.expectations):
        ref, where = e.references, f"{path}: field 'expectations.{i}.references"
        if ref is None:
            continue
        if ref.dataset == suite.dataset:
            problems.append(f"{where}.dataset': rule '{e.rule}' references its own dataset; name another one")
        elif ref.dataset not in contracts:
            problems.append(f"{where}.dataset': rule '{e.rule}' references '{ref.dataset}', which has no "
                            f"contract schemas/{ref.dataset}.yaml")
        elif ref.column not in {c.name for c in contracts[ref.dataset].columns}:
            problems.append(f"{where}.column': rule '{e.rule}' references column '{ref.column}', which "
                            f"schemas/{ref.dataset}.yaml does not declare")
    return problems


def referenced(suites: dict[str, Suite], dataset: str) -> set[str]:
    """The datasets whose silver tables the suite of `dataset` reads."""
    suite = suites.get(dataset)
    return {e.references.dataset for e in suite.expectations if e.references} if suite else set()


def build_order(suites: dict[str, Suite], datasets: list[str]) -> list[list[str]]:
    """`datasets` in waves, each after every dataset it references: a reference is checked
    against silver once the run's batches of the referenced dataset are merged, whatever
    order threads would otherwise take. Raises ConfigError on a cycle of references."""
    left, waves = sorted(datasets), []
    while left:
        wave = [d for d in left if not referenced(suites, d) & (set(left) - {d})]
        if not wave:
            raise ConfigError([f"expectations/{d}.yaml: references form a cycle among {left}" for d in left[:1]])
        waves.append(wave)
        left = [d for d in left if d not in wave]
    return waves


def collect_suites(root: Path, contracts: dict[str, Contract]) -> tuple[dict[str, Suite], list[str]]:
    """Every suite under root/expectations, and every problem naming its file and field."""
    suites: dict[str, Suite] = {}
    problems: list[str] = []
    folder = Path(root) / "expectations"
    for dataset in sorted(contracts):
        path = folder / f"{dataset}.yaml"
        if not path.exists():
            problems.append(f"{path}: missing: every dataset needs a suite beside schemas/{dataset}.yaml")
            continue
        try:
            suite = load_yaml(path, Suite)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if suite.dataset != dataset:
            problems.append(f"{path}: field 'dataset': '{suite.dataset}' must match the file name '{dataset}'")
            continue
        problems.extend(_check_columns(path, suite, contracts[dataset]))
        problems.extend(_check_references(path, suite, contracts))
        suites[dataset] = suite
    try:
        build_order(suites, list(suites))
    except ConfigError as exc:
        problems.extend(exc.problems)
    for path in sorted(folder.glob("*.yaml")):
        if path.stem not in contracts:
            problems.append(f"{path}: no contract schemas/{path.stem}.yaml for this suite")
    return suites, problems


def load_suites(root: Path, contracts: dict[str, Contract]) -> dict[str, Suite]:
    """The validated suites; raises ConfigError listing every problem."""
    suites, problems = collect_suites(root, contracts)
    if problems:
        raise ConfigError(problems)
    return suites
