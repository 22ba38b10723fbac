"""The register of standards (conf/standards.yaml): what was issued, and where the repo implements it."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field, TypeAdapter

from suizhi.yamlfile import Strict, load_yaml


class Standard(Strict):
    name: str = Field(min_length=1)
    issued: int = Field(ge=2000, le=2100)
    implemented_by: str | None = None  # a path in this repo, relative to its root


def load_standards(path: Path) -> list[Standard]:
    """The register; every problem names the line and field."""
    return load_yaml(path, TypeAdapter(list[Standard]))
