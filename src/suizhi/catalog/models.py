"""The catalog as typed data: departments, topics, systems and dataset contracts.

Every model refuses unknown keys, so a misspelt field in conf/ or schemas/ is an error
that names the file and the field rather than a setting silently ignored.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from suizhi.catalog.sources import SourceConfig
from suizhi.yamlfile import Strict

IDENT = r"^[a-z][a-z0-9_]*$"
GRADES = ("核心", "重要", "一般-1级", "一般-2级", "一般-3级", "一般-4级")
Grade = Literal["核心", "重要", "一般-1级", "一般-2级", "一般-3级", "一般-4级"]
PiiCategory = Literal["citizen_id", "phone", "name", "address", "plate", "location", "free_text"]
ColumnType = Literal["string", "integer", "double", "boolean", "date", "timestamp"]


class Department(Strict):
    id: str = Field(pattern=IDENT)
    name: str
    name_en: str


class Topic(Strict):
    id: str = Field(pattern=IDENT)
    name: str


class Simulation(Strict):
    """How the simulator fills a column (shape only; the pipeline never reads it)."""

    kind: Literal[
        "key", "citizen_id", "person_name", "mobile", "district_code", "lng", "lat",
        "event_time", "update_time", "date", "choice", "integer", "number", "text",
        "plate", "address", "boolean", "device_id", "credit_code",
    ]
    prefix: str | None = None
    values: list[str] | None = None
    min: float | None = None
    max: float | None = None
    decimals: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> Simulation:
        if self.kind == "choice" and not self.values:
            raise ValueError("a 'choice' simulation needs 'values'")
        if self.kind in ("integer", "number") and (self.min is None or self.max is None):
            raise ValueError(f"a '{self.kind}' simulation needs 'min' and 'max'")
        return self


class Column(Strict):
    name: str = Field(pattern=IDENT)
    type: ColumnType
    description: str
    required: bool = False
    classification: Grade
    pii: PiiCategory | None = None
    simulate: Simulation


class Contract(Strict):
    """One dataset's contract: grain, business key, version column and every column."""

    version: Literal[1]
    dataset: str = Field(pattern=IDENT)
    title: str
    grain: str
    owner: str = Field(pattern=IDENT, description="department id")
    business_key: list[str] = Field(min_length=1)
    version_column: str
    event_time_column: str
    classification: Grade
    columns: list[Column] = Field(min_length=1)
    new_columns: Literal["add", "refuse", "quarantine"] = Field(
        default="refuse", description="schema drift: a column the source adds is kept in bronze's _extra "
                                      "(and logged), the batch is refused (the task fails), or the batch is "
                                      "quarantined whole in bronze._drifted_batches (the run goes on)")
    missing_columns: Literal["refuse", "quarantine"] = Field(
        default="refuse", description="schema drift: a batch lacking a contract column (a renamed or dropped "
                                      "one) is refused, or quarantined whole in bronze._drifted_batches")

    @model_validator(mode="after")
    def _columns_exist(self) -> Contract:
        names = [c.name for c in self.columns]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"columns declared twice: {sorted(dupes)}")
        for field in ("version_column", "event_time_column"):
            name = getattr(self, field)
            if name not in names:
                raise ValueError(f"{field} '{name}' is not a declared column")
            if self.column(name).type != "timestamp":
                raise ValueError(f"{field} '{name}' must be of type timestamp")
        if not self.column(self.version_column).required:  # silver orders a key's versions by it
            raise ValueError(f"version_column '{self.version_column}' must be required")
        for key in self.business_key:
            if key not in names:
                raise ValueError(f"business_key column '{key}' is not a declared column")
            if not self.column(key).required:
                raise ValueError(f"business_key column '{key}' must be required")
        return self

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


class System(Strict):
    """One departmental business system: where its records come from and what they feed."""

    version: Literal[1]
    id: str = Field(pattern=IDENT)
    name: str
    department: str = Field(pattern=IDENT)
    connector: SourceConfig
    schedule: Literal["@daily", "@weekly", "@monthly"]
    dataset: str = Field(pattern=IDENT)
    topics: list[str] = Field(default_factory=list)
    classification: Grade
    records_per_year: int = Field(gt=0, description="simulated yearly volume at scale 1")
    yearly_volume: int = Field(gt=0, description="the system's real records a year, as its department declares "
                                                 "them; the simulator generates a known fraction of them")

    @field_validator("topics")
    @classmethod
    def _unique_topics(cls, topics: list[str]) -> list[str]:
        if len(set(topics)) != len(topics):
            raise ValueError("a topic is listed twice")
        return topics


def is_identifier(text: str) -> bool:
    return re.match(IDENT, text) is not None


@dataclasses.dataclass(frozen=True)
class Catalog:
    departments: dict[str, Department]
    topics: dict[str, Topic]
    systems: dict[str, System]
    contracts: dict[str, Contract]
    suites: dict = dataclasses.field(default_factory=dict)   # dataset -> suizhi.quality.suite.Suite
    thresholds: object = None                     # suizhi.quality.scores.Thresholds of conf/quality.yaml

    def systems_of(self, dataset: str) -> list[System]:
        return [s for s in self.systems.values() if s.dataset == dataset]

    def datasets(self) -> list[str]:
        """Datasets that at least one system feeds, in a stable order."""
        return sorted({s.dataset for s in self.systems.values()})
