"""Views by role (conf/roles.yaml): engineers, governance staff and evaluators each get the
views their work needs. Bronze, the only layer with clear personal data, is in no role's
views. The embedded default cannot refuse a query, so the views exist for every session;
on a cluster the catalog grants each role its own views only."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pyspark.sql import SparkSession

from suizhi.lake import Lake
from suizhi.yamlfile import Strict, read_yaml

LAYERS = ("silver", "quarantine", "ledger", "audit", "gold")


class View(Strict):
    table: str = Field(pattern=r"^[a-z]+\.([a-z0-9_]+|\*)$")
    drop: list[str] = Field(default_factory=list)

    @field_validator("table")
    @classmethod
    def _layer(cls, table: str) -> str:
        if table.split(".")[0] not in LAYERS:
            raise ValueError(f"layer of '{table}' must be one of {list(LAYERS)} (bronze holds clear personal data)")
        return table


class Role(Strict):
    description: str
    views: list[View]


class Roles(Strict):
    version: Literal[1]
    roles: dict[Literal["engineers", "governance", "evaluators"], Role]


def load_roles(home: Path) -> Roles:
    path = Path(home) / "conf" / "roles.yaml"
    doc = read_yaml(path)
    return doc.validate(Roles, doc.data or {})


def _tables(lake: Lake, pattern: str) -> list[str]:
    layer, _, name = pattern.partition(".")
    if name != "*":
        return [pattern]
    folder = Path(lake.table(f"{layer}.x")).parent
    if not folder.is_dir():
        return []
    return sorted(f"{layer}.{p.name}" for p in folder.iterdir() if (p / "_delta_log").is_dir())


def create_role_views(spark: SparkSession, lake: Lake, roles: Roles) -> dict[str, list[str]]:
    """Create `<role>__<layer>__<name>` views over the lake's tables; returns them per role."""
    made: dict[str, list[str]] = {}
    for role, spec in roles.roles.items():
        for view in spec.views:
            for table_name in _tables(lake, view.table):
                path = lake.table(table_name)
                if not (Path(path) / "_delta_log").is_dir() and "://" not in path:
                    continue
                df = spark.read.format("delta").load(path)
                df = df.drop(*[c for c in view.drop if c in df.columns])
                name = f"{role}__{table_name.replace('.', '__')}"
                df.createOrReplaceTempView(name)
                made.setdefault(role, []).append(name)
    return made
