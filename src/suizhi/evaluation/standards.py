"""The register of standards (conf/standards.yaml): what was issued, and where the repo implements it."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from suizhi.errors import ConfigError
from suizhi.evaluation.config import _problem, _read


class Standard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    issued: int = Field(ge=2000, le=2100)
    implemented_by: str | None = None  # a path in this repo, relative to its root


def load_standards(path: Path) -> list[Standard]:
    """The register; every problem names the line and field."""
    data, lines, duplicates = _read(Path(path))
    problems = [_problem(path, lines, loc, "given more than once") for loc in duplicates]
    try:
        register = TypeAdapter(list[Standard]).validate_python(data)
    except ValidationError as err:
        raise ConfigError([_problem(path, lines, e["loc"], e["msg"]) for e in err.errors()]) from None
    if problems:
        raise ConfigError(problems)
    return register

