"""Load a month of a JDBC system into its departmental database: SQLite file (embedded
default), or a PostgreSQL, MySQL or MariaDB server when the system's connection points at one.

Each table holds the contract's columns as text (departments' own systems hold what the
pipeline must judge, "N/A" included), a row id, and the watermark column: when the row
was written at the source, inside the month it belongs to, as local time text, or as a
DATETIME on MySQL and MariaDB as their systems keep it (tables in utf8mb4).
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from suizhi.catalog.models import System
from suizhi.connectors.connections import Conn, get_connection
from suizhi.connectors.dialects import Dialect, dialect
from suizhi.connectors.watermark import TS, month_bounds
from suizhi.simulate.serve_files import cell


def synced_times(period: str, n: int) -> list[str]:
    """n write times spread over the month, in order."""
    lo, hi = (datetime.strptime(t, TS) for t in month_bounds(period))
    span = (hi - lo).total_seconds()
    return [(lo + timedelta(seconds=int(i * span / max(n, 1)))).strftime(TS) for i in range(n)]


# The row id and the watermark column's type, and how a table is created, per database family.
TABLES = {"sqlite": ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", ""),
          "postgresql": ("BIGSERIAL PRIMARY KEY", "TEXT", ""),
          "mysql": ("BIGINT AUTO_INCREMENT PRIMARY KEY", "DATETIME", " DEFAULT CHARSET=utf8mb4")}


def _statements(system: System, columns: list[str], period: str, sql: Dialect) -> tuple[str, str, str]:
    cfg, q = system.connector, sql.name
    row_id, synced, options = TABLES[sql.family]
    cols = ", ".join(f"{q(c)} TEXT" for c in columns)
    create = (f"CREATE TABLE IF NOT EXISTS {q(cfg.table)} ({q(cfg.row_id_column)} {row_id}, {cols}, "
              f"{q(cfg.watermark_column)} {synced}){options}")
    lo, hi = month_bounds(period)
    synced_in = f"{q(cfg.watermark_column)} >= '{lo}' AND {q(cfg.watermark_column)} < '{hi}'"
    delete = f"DELETE FROM {q(cfg.table)} WHERE {synced_in}"
    placeholder = "?" if sql.family == "sqlite" else "%s"
    insert = (f"INSERT INTO {q(cfg.table)} ({', '.join(map(q, columns))}, {q(cfg.watermark_column)}) "
              f"VALUES ({', '.join([placeholder] * (len(columns) + 1))})")
    return create, delete, insert


def load_month(sources_root: Path, system: System, period: str, columns: list[str], records: list[dict]) -> None:
    """Replace the month's rows of the system's table, in one transaction."""
    conn: Conn = get_connection(system.connector.conn_id, str(sources_root), system.id)
    sql = dialect(conn, system.id)
    rows = [[None if r[c] is None else cell(r[c]) for c in columns] + [t]
            for r, t in zip(records, synced_times(period, len(records)))]
    create, delete, insert = _statements(system, columns, period, sql)
    if sql.family == "sqlite":
        Path(conn.schema).parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(conn.schema, timeout=60)) as db, db:
            db.execute(create)
            db.execute(delete)
            db.executemany(insert, rows)
        return
    if sql.family == "mysql":
        import pymysql
        db = pymysql.connect(host=conn.host, port=conn.port or sql.port, user=conn.login, password=conn.password,
                             database=conn.schema, charset="utf8mb4")
        with closing(db), db.cursor() as cur:
            cur.execute(create)  # DDL commits on its own in MySQL; the month's rows in one transaction
            cur.execute(delete)
            cur.executemany(insert, rows)
            db.commit()
        return
    import psycopg
    with psycopg.connect(host=conn.host, port=conn.port or sql.port, user=conn.login, password=conn.password,
                         dbname=conn.schema) as db, db.cursor() as cur:
        cur.execute(create)
        cur.execute(delete)
        cur.executemany(insert, rows)
