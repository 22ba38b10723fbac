"""Relational databases read through Spark JDBC: PostgreSQL, MySQL and MariaDB, or SQLite
files for the embedded default.

One code path serves them all. The run's month bounds the watermark column, so a rerun reads
the same rows; the month's count is taken at the source with its own query, and the rows
Spark read must match it. Reading happens in the landing job, which holds the Spark
session; the extract task only checks that the connection is defined.
"""
from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.catalog.models import Contract, System
from suizhi.connectors.base import (
    DEFERRED,
    EXTRA,
    SOURCE_FILE,
    SOURCE_LINE,
    Batch,
    Extracted,
    drift_source,
    drifted_columns,
)
from suizhi.connectors.connections import Conn, get_connection
from suizhi.connectors.dialects import Dialect, dialect
from suizhi.connectors.watermark import TS, month_bounds
from suizhi.errors import SourceError, SourceMismatch

log = logging.getLogger(__name__)


def jdbc_url(conn: Conn, system: str) -> tuple[str, dict]:
    """The connection's JDBC URL and Spark read properties (driver, credentials)."""
    found = dialect(conn, system)
    props = {"driver": found.driver, **dict(found.properties)}
    if conn.login:
        props.update(user=conn.login, password=conn.password)
    if conn.conn_type == "sqlite":
        # Read-only (SQLITE_OPEN_READONLY): a source is never written, and opening a file
        # that does not exist must fail, not leave an empty database at the source's path.
        props["open_mode"] = "1"
    return found.url.format(host=conn.host, port=conn.port or found.port, schema=conn.schema), props


def within(sql: Dialect, column: str, lo: str, hi: str) -> str:
    """The [lo, hi) watermark predicate in the database's quoting (local time text compares as
    text in SQLite and as a timestamp against DATETIME or timestamp columns)."""
    return f"{sql.name(column)} >= '{lo}' AND {sql.name(column)} < '{hi}'"


def slices(period: str, n: int) -> list[tuple[str, str]]:
    """The month cut into n contiguous [from, to) watermark ranges, one parallel read each."""
    lo, hi = (datetime.strptime(t, TS) for t in month_bounds(period))
    step = (hi - lo) / n
    cuts = [lo + step * i for i in range(n)] + [hi]
    return [(a.strftime(TS), b.strftime(TS)) for a, b in zip(cuts, cuts[1:])]


class Jdbc:
    def __init__(self, sources_root: str):
        self.sources_root = sources_root

    def extract(self, system: System, contract: Contract, period: str) -> Extracted:
        cfg = system.connector
        jdbc_url(get_connection(cfg.conn_id, self.sources_root, system.id), system.id)
        lo, hi = month_bounds(period)
        return Extracted(None, -1, {"table": cfg.table, "watermark": cfg.watermark_column, "from": lo, "to": hi})


def stage_jdbc(spark: SparkSession, catalog: Catalog, sources_root: str, batch: Batch) -> Batch:
    """Read a JDBC batch into its staging parquet; the count is the source's own for the interval."""
    system = catalog.systems[batch.system]
    contract, cfg = catalog.contracts[system.dataset], system.connector
    conn = get_connection(cfg.conn_id, sources_root, system.id)
    (url, props), sql = jdbc_url(conn, system.id), dialect(conn, system.id)
    if conn.conn_type == "sqlite" and not Path(conn.schema).is_file():
        raise SourceError(f"system {system.id}: SQLite database {conn.schema} (connection {cfg.conn_id}) "
                          "does not exist")
    lo, hi, wm = batch.source["from"], batch.source["to"], cfg.watermark_column
    where, table = f"{wm} >= '{lo}' AND {wm} < '{hi}'", sql.name(cfg.table)
    try:
        counted = spark.read.jdbc(url, f"(SELECT COUNT(*) AS n FROM {table} WHERE {within(sql, wm, lo, hi)}) counted",
                                  properties=props).first()[0]
        rows = spark.read.jdbc(url, table, properties=props,
                               predicates=[within(sql, wm, a, b) for a, b in slices(batch.period, cfg.partitions)])
        found = [c for c in rows.columns if c not in (cfg.row_id_column, cfg.watermark_column)]
        held: list[str] = []
        extra = drifted_columns(system, contract, found, f"table {cfg.table}", held)
        staged = batch.staged[len(DEFERRED):]
        (rows.select(*[(F.col(c.name) if c.name in rows.columns else F.lit(None)).cast("string").alias(c.name)
                       for c in contract.columns],
                     F.lit(f"table {cfg.table}").alias(SOURCE_FILE),
                     F.col(cfg.row_id_column).cast("long").alias(SOURCE_LINE),
                     (F.to_json(F.struct(*[F.col(c).cast("string") for c in extra])) if extra
                      else F.lit(None).cast("string")).alias(EXTRA))
         .write.mode("overwrite").parquet(staged))
    except SourceError:
        raise
    except Exception as exc:  # the driver's errors (refused connection, bad SQL) as the system's
        raise SourceError(f"system {system.id}: table {cfg.table} ({where}): {str(exc).splitlines()[0]}") from exc
    read = spark.read.parquet(staged).count()
    if read != counted:
        raise SourceMismatch(f"system {system.id}: table {cfg.table} ({where}): read {read} rows, the source "
                             f"counts {counted}; the table changed while it was read, rerun the interval")
    log.info("staged %s from %s: %d rows", batch.batch_id, cfg.table, read)
    return dataclasses.replace(batch, rows_read=int(counted), staged=staged, source=drift_source(batch.source, held))
