"""conf/governance.yaml as typed data, and the pseudonymisation key it points to."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from suizhi.catalog.models import GRADES, Column, Contract
from suizhi.errors import ConfigError, GovernanceError
from suizhi.masking import CATEGORIES
from suizhi.yamlfile import Strict, read_yaml

Action = Literal["pseudonymise", "mask", "generalise", "scan", "keep"]
MIN_KEY_LENGTH = 16


class Pseudonym(Strict):
    key_env: str = "SUIZHI_PSEUDONYM_KEY"
    airflow_conn_id: str | None = None
    length: int = Field(32, ge=16, le=64)


class LayerRetention(Strict):
    days: int | None = Field(None, ge=0)
    vacuum_hours: int = Field(168, ge=0)


Keep = Literal["until_landed", "with_bronze", "kept"]
ConnectorKind = Literal["file_drop", "rest_api", "jdbc", "iot_stream"]
# The places outside bronze where the pipeline keeps what a source sent, or names of it, and
# what the pipeline does with each: the configuration states it, and is checked against it.
RAW_COPIES: dict[str, Keep] = {"staging": "until_landed", "landing_archive": "with_bronze",
                               "kept_apart": "with_bronze", "stream_checkpoints": "kept"}


class RawCopy(Strict):
    """A place outside bronze that holds a source's records (or only their file names)."""
    location: str
    holds: str
    records: bool  # whether it holds the records themselves, not only names and offsets
    keep: Keep
    connectors: list[ConnectorKind]


class Retention(Strict):
    bronze: LayerRetention
    silver: LayerRetention = LayerRetention()
    audit: LayerRetention = LayerRetention()
    copies: dict[str, RawCopy]

    @model_validator(mode="after")
    def _every_copy(self) -> Retention:
        if sorted(self.copies) != sorted(RAW_COPIES):
            raise ValueError(f"copies: expected exactly {list(RAW_COPIES)}, got {sorted(self.copies)}")
        wrong = [f"copies.{n}.keep: '{c.keep}', but suizhi keeps it '{RAW_COPIES[n]}'"
                 for n, c in self.copies.items() if c.keep != RAW_COPIES[n]]
        wrong += [f"copies.{n}: holds records, so it cannot be kept" for n, c in self.copies.items()
                  if c.records and c.keep == "kept"]
        if wrong:
            raise ValueError("; ".join(wrong))
        return self


class Policy(Strict):
    version: Literal[1]
    protect: dict[str, Action]
    grades: dict[str, Action] = Field(default_factory=dict)
    pseudonym: Pseudonym = Pseudonym()
    retention: Retention

    @model_validator(mode="after")
    def _complete(self) -> Policy:
        unknown = sorted(set(self.protect) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"protect: unknown categories {unknown}; expected {list(CATEGORIES)}")
        missing = sorted(set(CATEGORIES) - set(self.protect))
        if missing:
            raise ValueError(f"protect: no action for categories {missing}; every category needs one")
        if self.protect["free_text"] not in ("scan", "mask"):
            raise ValueError("protect.free_text: must be 'scan' or 'mask'")
        bad = sorted(set(self.grades) - set(GRADES))
        if bad:
            raise ValueError(f"grades: unknown grades {bad}; expected {list(GRADES)}")
        return self

    def action(self, column: Column) -> Action:
        """What silver does to a column: by its category, else by its grade, else keep."""
        if column.pii:
            return self.protect[column.pii]
        return self.grades.get(column.classification, "keep")

    def check_contract(self, contract: Contract) -> list[str]:
        """Protections that would break the contract: a business key must stay deterministic."""
        problems = [f"schemas/{contract.dataset}.yaml: business_key column '{c.name}' would be "
                    f"'{self.action(c)}'d; only 'pseudonymise' keeps keys joinable"
                    for c in contract.columns
                    if c.name in contract.business_key and self.action(c) not in ("keep", "pseudonymise")]
        problems += [f"schemas/{contract.dataset}.yaml: column '{c.name}' is {c.type}; '{self.action(c)}' "
                     "applies to string columns (a location may only be generalised)"
                     for c in contract.columns
                     if c.type != "string" and self.action(c) != "keep"
                     and not (c.pii == "location" and self.action(c) == "generalise")]
        return problems


def load_policy(home: Path) -> Policy:
    """conf/governance.yaml under home, read once per process until the file changes: bronze and
    silver ask for it with every batch."""
    path = Path(home) / "conf" / "governance.yaml"
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read: {exc}"]) from exc
    return _policy(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _policy(path: Path, mtime_ns: int, size: int) -> Policy:
    doc = read_yaml(path)
    return doc.validate(Policy, doc.data or {})  # an empty file is the defaults


def pseudonym_key(policy: Policy) -> bytes:
    """The HMAC key: the environment variable, else the Airflow connection's password."""
    value = os.environ.get(policy.pseudonym.key_env)
    if not value and policy.pseudonym.airflow_conn_id:
        value = _connection_password(policy.pseudonym.airflow_conn_id)
    if not value:
        raise GovernanceError(
            f"no pseudonymisation key: set the environment variable {policy.pseudonym.key_env} or the "
            f"password of Airflow connection '{policy.pseudonym.airflow_conn_id}' (conf/governance.yaml, "
            "field pseudonym)")
    if len(value) < MIN_KEY_LENGTH:
        raise GovernanceError(f"the pseudonymisation key in {policy.pseudonym.key_env} is shorter than "
                              f"{MIN_KEY_LENGTH} characters")
    return value.encode("utf-8")


def _connection_password(conn_id: str) -> str | None:
    try:
        from airflow.sdk import BaseHook
    except ImportError:
        return None
    try:
        return BaseHook.get_connection(conn_id).password
    except Exception:  # noqa: BLE001 - outside a task, or no such connection: the caller explains
        return None


def check_policy(home: Path) -> list[str]:
    """Every problem of conf/governance.yaml and of the contracts under it."""
    from suizhi.catalog import load_catalog
    try:
        policy = load_policy(home)
    except ConfigError as err:
        return err.problems
    return [p for c in load_catalog(home).contracts.values() for p in policy.check_contract(c)]


def ensure_local_key(home: Path) -> None:
    """The embedded default's key, when none is set: made once under var/secrets (mode 600),
    outside the repository and the lake, and put in this process's environment."""
    policy = load_policy(home)
    if os.environ.get(policy.pseudonym.key_env):
        return
    import secrets
    path = Path(home) / "var" / "secrets" / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    os.environ[policy.pseudonym.key_env] = path.read_text(encoding="utf-8").strip()
