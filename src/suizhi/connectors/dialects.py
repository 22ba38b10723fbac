"""The database families the jdbc kind reads: how each is reached through JDBC and how its
SQL quotes a name. A connection's type picks the family; aliases share one driver.

Names are quoted in every statement the pipeline and the simulator send: PostgreSQL and
SQLite quote with double quotes, MySQL and MariaDB with backticks (double quotes are
string literals there unless the server runs with ANSI_QUOTES). Catalog names are
lower-case identifiers, so a quoted name is the same table or column as the unquoted one
on all three, and a column named like a keyword (`rank`, `range`) still works.
"""
from __future__ import annotations

from dataclasses import dataclass

from suizhi.connectors.connections import Conn
from suizhi.errors import SourceError


@dataclass(frozen=True)
class Dialect:
    family: str
    url: str
    driver: str
    port: int | None = None
    quote: str = '"'
    properties: tuple[tuple[str, str], ...] = ()

    def name(self, identifier: str) -> str:
        return f"{self.quote}{identifier}{self.quote}"


# PostgreSQL's driver reads a `timestamp` (without time zone) in the JVM's zone and Spark shows it
# in the session's, eight hours late on a UTC JVM; read as Spark's timestamp without zone, it
# keeps the wall-clock time stored. A `timestamptz` is an instant, shown in the session's zone.
POSTGRESQL = Dialect("postgresql", "jdbc:postgresql://{host}:{port}/{schema}", "org.postgresql.Driver", 5432,
                     properties=(("preferTimestampNTZ", "true"),))
# Text in UTF-8 (the driver maps it to utf8mb4, so every Chinese character survives). DATETIME
# carries no zone: the session is set to Shanghai time and the driver reads DATETIME in it, so
# Spark (session zone Asia/Shanghai) shows the wall-clock time the source holds, and TIMESTAMP
# columns (instants) come out in Shanghai time too. The zone is written as its offset because
# servers without time zone tables (MariaDB and MySQL as installed) refuse `Asia/Shanghai` in
# SET time_zone; Shanghai has kept UTC+8 without daylight saving since 1991.
# A cursor fetches rows in batches: without it the driver holds a slice's whole result in memory.
MYSQL = Dialect("mysql", "jdbc:mysql://{host}:{port}/{schema}?useUnicode=true&characterEncoding=UTF-8"
                "&connectionTimeZone=%2B08:00&forceConnectionTimeZoneToSession=true&useCursorFetch=true",
                "com.mysql.cj.jdbc.Driver", 3306, "`", (("fetchsize", "10000"),))
DRIVERS = {"sqlite": Dialect("sqlite", "jdbc:sqlite:{schema}", "org.sqlite.JDBC"),
           "postgresql": POSTGRESQL, "postgres": POSTGRESQL,
           "mysql": MYSQL, "mariadb": MYSQL}


def dialect(conn: Conn, system: str) -> Dialect:
    if conn.conn_type not in DRIVERS:
        raise SourceError(f"system {system}: connection type '{conn.conn_type}' is not a supported database "
                          f"({', '.join(sorted(DRIVERS))})")
    return DRIVERS[conn.conn_type]
