"""Environment overlays: conf/env/<name>.yaml chosen by SUIZHI_ENV (default local)."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from suizhi.errors import ConfigError
from suizhi.yamlfile import read_yaml


class SparkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    master: str
    conf: dict[str, str] = Field(default_factory=dict)


class DemoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    silver_every: int = Field(default=1, ge=1, description="months the demo ingests between two silver and gold runs")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    home: Path
    env: str
    lake: str
    sources: str
    reports: str
    spark: SparkSettings
    parallel_commits: int = Field(ge=1)
    demo: DemoSettings = Field(default_factory=DemoSettings)

    def resolve(self, location: str) -> str:
        """A path under home unless it is already absolute or a URI."""
        if "://" in location or Path(location).is_absolute():
            return location
        return str(self.home / location)

    @property
    def lake_root(self) -> str:
        return self.resolve(self.lake)

    @property
    def sources_root(self) -> str:
        return self.resolve(self.sources)

    @property
    def reports_root(self) -> str:
        return self.resolve(self.reports)


def project_home() -> Path:
    """SUIZHI_HOME, or the checkout this package was installed from."""
    if "SUIZHI_HOME" in os.environ:
        return Path(os.environ["SUIZHI_HOME"]).resolve()
    return Path(__file__).resolve().parents[2]


def load_settings(env: str | None = None, home: Path | None = None, **overrides) -> Settings:
    """Settings of one environment; keyword overrides replace top-level keys (tests use them)."""
    home = Path(home) if home else project_home()
    env = env or os.environ.get("SUIZHI_ENV", "local")
    path = home / "conf" / "env" / f"{env}.yaml"
    if not path.is_file():
        raise ConfigError([f"{path}: environment '{env}' has no file (SUIZHI_ENV names one of conf/env/)"])
    doc = read_yaml(path)
    return doc.validate(Settings, {**(doc.data or {}), **overrides, "home": home, "env": env})


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
