"""Indicator declarations (conf/indicators/): families declared once, expanded to indicators.

A file holds one domain's families. A family names a source dataset and the dimensions
it is broken down by (lists in dimensions.yaml); each of its measures is a Spark SQL
aggregate, optionally filtered, and is expanded once per combination of dimension
values, so "门急诊人次 per hospital" is one line for twelve indicators.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from suizhi.errors import ConfigError
from suizhi.yamlfile import Document, Strict, read_yaml

IDENT = r"^[a-z][a-z0-9_]*$"
LEVELS = ("蓝", "黄", "橙", "红")
AGGREGATE = re.compile(r"^[a-z_]+\(.*\)$", re.S)


class Dimension(Strict):
    """A list of values a family is broken down by, read from one silver column."""

    column: str = Field(pattern=IDENT)
    values: dict[str, str] | list[str] = Field(min_length=1)
    located: bool = Field(False, description="each value is a place in one district (a hospital)")

    def labelled(self) -> list[tuple[str, str]]:
        """(value, label) pairs; a list's values are their own labels."""
        if isinstance(self.values, dict):
            return list(self.values.items())
        return [(v, v) for v in self.values]


class Warning(Strict):
    """When a warning indicator alerts: four thresholds, a direction, and its anti-flapping rule."""

    direction: Literal["above", "below"]
    thresholds: dict[Literal["蓝", "黄", "橙", "红"], float]
    hysteresis: float = Field(0.05, ge=0, lt=1, description="band below 蓝, as a share of it, that counts as calm")
    clear_after: int = Field(2, ge=1, description="consecutive calm periods before an alert clears")

    @model_validator(mode="after")
    def _ordered(self) -> Warning:
        if set(self.thresholds) != set(LEVELS):
            raise ValueError(f"thresholds must give each of {'/'.join(LEVELS)}")
        values = [self.thresholds[level] for level in LEVELS]
        rising = values == sorted(values) if self.direction == "above" else values == sorted(values, reverse=True)
        if not rising or len(set(values)) != 4:
            raise ValueError(f"thresholds must be strictly {'rising' if self.direction == 'above' else 'falling'} "
                             f"from 蓝 to 红, got {values}")
        return self


class Measure(Strict):
    id: str = Field(pattern=IDENT)
    name: str = Field(description="Chinese name; {dimension} placeholders take the value's label")
    measure: str = Field(description="a Spark SQL aggregate over the source dataset")
    filter: str | None = None
    unit: str
    warning: Warning | None = None

    @model_validator(mode="after")
    def _aggregate(self) -> Measure:
        if self.filter and not AGGREGATE.match(self.measure.strip()):
            raise ValueError("a measure with a filter must be a single aggregate call such as sum(x)")
        return self


class Family(Strict):
    source: str = Field(pattern=IDENT)
    by: list[str] = Field(default_factory=list)
    measures: list[Measure] = Field(min_length=1)


class DomainFile(Strict):
    version: Literal[1]
    kind: Literal["monitoring", "warning"]
    domain: str
    families: list[Family] = Field(min_length=1)


@dataclass(frozen=True)
class Indicator:
    """One expanded indicator: a measure at one combination of dimension values."""

    id: str
    name: str
    kind: str
    domain: str
    source: str
    measure: str
    filter: str | None
    unit: str
    by: tuple[tuple[str, str], ...]          # (dimension, column) in family order
    values: tuple[str, ...]                 # the dimension values, same order
    warning: Warning | None
    domain_id: str = ""                     # the declaring file's stem (monitoring_health), for report ids

    @property
    def dimension(self) -> str:
        """How indicator_values names the slice: 'district=440106', '' when citywide."""
        return ",".join(f"{d}={v}" for (d, _), v in zip(self.by, self.values))


def _slug(value: str, index: int, dimension: str) -> str:
    return value if re.fullmatch(r"[A-Za-z0-9]+", value) else f"{dimension}{index:02d}"


def expand(domain_file: DomainFile, dimensions: dict[str, Dimension], path: Path) -> list[Indicator]:
    out = []
    for f, family in enumerate(domain_file.families):
        for d in family.by:
            if d not in dimensions:
                raise ConfigError([f"{path}: field 'families.{f}.by': unknown dimension '{d}' (see dimensions.yaml)"])
        lists = [[(i, v, label) for i, (v, label) in enumerate(dimensions[d].labelled())] for d in family.by]
        by = tuple((d, dimensions[d].column) for d in family.by)
        for m in family.measures:
            for combo in itertools.product(*lists):
                labels = {d: label for d, (_, _, label) in zip(family.by, combo)}
                suffix = "".join(f".{_slug(v, i, d)}" for d, (i, v, _) in zip(family.by, combo))
                try:
                    name = m.name.format(**labels)
                except KeyError as exc:
                    raise ConfigError([f"{path}: measure '{m.id}': field 'name': placeholder {exc} "
                                       "is not in 'by'"]) from exc
                out.append(Indicator(f"{m.id}{suffix}", name, domain_file.kind, domain_file.domain, family.source,
                                     m.measure, m.filter, m.unit, by, tuple(v for _, v, _ in combo), m.warning,
                                     path.stem))
    return out


def _read(path: Path, problems: list[str]) -> Document | None:
    try:
        return read_yaml(path)
    except ConfigError as exc:
        problems += exc.problems
        return None


def load_dimensions(home: Path) -> dict[str, Dimension]:
    """The value lists of conf/indicators/dimensions.yaml, by name."""
    path = Path(home) / "conf" / "indicators" / "dimensions.yaml"
    if not path.exists():
        return {}
    problems: list[str] = []
    doc = _read(path, problems)
    raw = doc.data if doc else None
    if doc and not isinstance(raw, dict):
        problems.append(f"{path}: field '(top level)': must map each dimension's name to its column and values")
    dimensions = {}
    for name, spec in (raw.items() if isinstance(raw, dict) else []):
        try:
            dimensions[name] = doc.validate(Dimension, spec, prefix=(str(name),))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return dimensions


def load_indicators(home: Path, contracts: dict | None = None) -> list[Indicator]:
    """Every indicator declared under conf/indicators/, expanded; ids are unique.

    With `contracts`, each family's source and dimension columns are checked against the
    dataset contracts, so a typo fails here and not in Spark. Every problem of every file
    is reported at once, each with its file and field.
    """
    folder = Path(home) / "conf" / "indicators"
    if not folder.exists():
        return []
    problems: list[str] = []
    try:
        dimensions = load_dimensions(home)
    except ConfigError as exc:
        problems += exc.problems
        dimensions = {}
    indicators: list[Indicator] = []
    declared_in: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "dimensions.yaml":
            continue
        doc = _read(path, problems)
        if doc is None:
            continue
        try:
            domain_file = doc.validate(DomainFile)
            problems += _check_sources(path, domain_file, dimensions, contracts) if contracts is not None else []
            found = expand(domain_file, dimensions, path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        for ind in found:
            if ind.id in declared_in:
                problems.append(f"{path}: indicator id '{ind.id}' is also declared in {declared_in[ind.id].name}")
            declared_in.setdefault(ind.id, path)
        indicators += found
    if problems:
        raise ConfigError(list(dict.fromkeys(problems)))
    return indicators


def _check_sources(path: Path, domain_file: DomainFile, dimensions: dict, contracts: dict) -> list[str]:
    problems = []
    for f, family in enumerate(domain_file.families):
        contract = contracts.get(family.source)
        if contract is None:
            problems.append(f"{path}: field 'families.{f}.source': no contract schemas/{family.source}.yaml")
            continue
        columns = {c.name: c for c in contract.columns}
        for b, dim in enumerate(family.by):
            column = dimensions[dim].column if dim in dimensions else None
            if column is None:
                continue  # expand() names the unknown dimension
            if column not in columns:
                problems.append(f"{path}: field 'families.{f}.by.{b}': dimension '{dim}' reads column '{column}', "
                                f"which is not in {family.source}")
            elif columns[column].pii:
                problems.append(f"{path}: field 'families.{f}.by.{b}': dimension '{dim}' reads column '{column}', "
                                f"which is personal ({columns[column].pii})")
    return problems
