"""Airflow connections by id: where a database or API is, and its credentials.

Resolved from AIRFLOW_CONN_<ID> in the environment (an Airflow connection URI), then from
Airflow itself when a task runs, then from the embedded default of the local environment
(the simulator's SQLite file). Nothing here is ever read from conf/.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from suizhi.errors import SourceError

DEPARTMENTAL_DB = "suizhi_departmental_db"
CITY_API = "suizhi_city_api"


@dataclass(frozen=True)
class Conn:
    conn_type: str
    host: str
    port: int | None
    login: str
    password: str
    schema: str

    @classmethod
    def from_uri(cls, uri: str) -> Conn:
        parts = urlsplit(uri)
        if parts.scheme == "sqlite":  # sqlite:////abs/path.db (Airflow's form: one slash more than the path)
            return cls("sqlite", "", None, "", "",
                       unquote(parts.path[1:] if parts.path.startswith("//") else parts.path))
        return cls(parts.scheme, parts.hostname or "", parts.port, unquote(parts.username or ""),
                   unquote(parts.password or ""), unquote(parts.path.lstrip("/")))

    @property
    def base_url(self) -> str:
        scheme = "https" if self.conn_type == "https" else "http"
        return f"{scheme}://{self.host}{f':{self.port}' if self.port else ''}"


def env_name(conn_id: str) -> str:
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def embedded_defaults(sources_root: str) -> dict[str, str]:
    """Connections of the embedded default: the simulator's SQLite file under the sources folder."""
    return {DEPARTMENTAL_DB: f"sqlite:///{Path(sources_root, '_jdbc', 'departments.db').resolve()}"}


def _from_airflow(conn_id: str) -> str | None:
    """The connection from Airflow, asked only inside a running task (the task runner is loaded):
    elsewhere, as in the simulator or a test, asking would wait on a server that is not there."""
    if "airflow.sdk.execution_time.task_runner" not in sys.modules:
        return None
    try:
        from airflow.sdk import Connection
        return Connection.get(conn_id).get_uri()
    except Exception:  # outside a task, or not defined: fall through to the embedded default
        return None


def get_connection(conn_id: str, sources_root: str, system: str = "") -> Conn:
    uri = os.environ.get(env_name(conn_id)) or _from_airflow(conn_id) or embedded_defaults(sources_root).get(conn_id)
    if not uri:
        raise SourceError(f"system {system}: connection '{conn_id}' is not defined: set {env_name(conn_id)} "
                          "or add it to Airflow's connections")
    return Conn.from_uri(uri)
