"""Load a month of a JDBC system into its departmental database: SQLite file (embedded
default) or a PostgreSQL server when connection suizhi_departmental_db points at one.

Each table holds the contract's columns as text (departments' own systems hold what the
pipeline must judge, "N/A" included), a row id, and the watermark column: when the row
was written at the source, inside the month it belongs to.
"""
from __future__ import annotations

import calendar
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from suizhi.catalog.models import System
from suizhi.connectors.connections import Conn, get_connection
from suizhi.simulate.serve_files import cell

TS = "%Y-%m-%d %H:%M:%S"


def month_bounds(period: str) -> tuple[str, str]:
    """[first second of the month, first second of the next) as local time text."""
    year, month = map(int, period.split("-"))
    start = datetime(year, month, 1)
    end = start + timedelta(days=calendar.monthrange(year, month)[1])
    return start.strftime(TS), end.strftime(TS)


def synced_times(period: str, n: int) -> list[str]:
    """n write times spread over the month, in order."""
    lo, hi = (datetime.strptime(t, TS) for t in month_bounds(period))
    span = (hi - lo).total_seconds()
    return [(lo + timedelta(seconds=int(i * span / max(n, 1)))).strftime(TS) for i in range(n)]


def _statements(system: System, columns: list[str], period: str, placeholder: str) -> tuple[str, str, str]:
    cfg = system.connector
    cols = ", ".join(f"{c} TEXT" for c in columns)
    row_id = "BIGSERIAL PRIMARY KEY" if placeholder == "%s" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    create = f"CREATE TABLE IF NOT EXISTS {cfg.table} ({cfg.row_id_column} {row_id}, {cols}, {cfg.watermark_column} TEXT)"
    lo, hi = month_bounds(period)
    delete = f"DELETE FROM {cfg.table} WHERE {cfg.watermark_column} >= '{lo}' AND {cfg.watermark_column} < '{hi}'"
    insert = (f"INSERT INTO {cfg.table} ({', '.join(columns)}, {cfg.watermark_column}) "
              f"VALUES ({', '.join([placeholder] * (len(columns) + 1))})")
    return create, delete, insert


def load_month(sources_root: Path, system: System, period: str, columns: list[str], records: list[dict]) -> None:
    """Replace the month's rows of the system's table, in one transaction."""
    conn: Conn = get_connection(system.connector.conn_id, str(sources_root), system.id)
    rows = [[None if r[c] is None else cell(r[c]) for c in columns] + [t]
            for r, t in zip(records, synced_times(period, len(records)))]
    if conn.conn_type == "sqlite":
        Path(conn.schema).parent.mkdir(parents=True, exist_ok=True)
        create, delete, insert = _statements(system, columns, period, "?")
        with closing(sqlite3.connect(conn.schema, timeout=60)) as db, db:
            db.execute(create)
            db.execute(delete)
            db.executemany(insert, rows)
        return
    import psycopg
    create, delete, insert = _statements(system, columns, period, "%s")
    with psycopg.connect(host=conn.host, port=conn.port or 5432, user=conn.login, password=conn.password,
                         dbname=conn.schema) as db, db.cursor() as cur:
        cur.execute(create)
        cur.execute(delete)
        cur.executemany(insert, rows)
