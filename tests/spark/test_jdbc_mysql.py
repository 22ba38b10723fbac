"""The JDBC kind on a real MariaDB server through the MySQL driver: the month read in slices,
each counted at the source, the ledger equal to the simulator's ground truth, Chinese text
and DATETIME values as the server holds them; drift and a server that is down name the
system and the table."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pymysql
import pytest
import yaml
from pyspark.sql import functions as F

from suizhi.bronze import land
from suizhi.connectors.base import DEFERRED
from suizhi.connectors.connections import DEPARTMENTAL_DB, Conn, env_name, get_connection
from suizhi.connectors.dialects import MYSQL
from suizhi.connectors.extract import extract_batch
from suizhi.connectors.jdbc import jdbc_url, slices, within
from suizhi.connectors.staging import stage_deferred
from suizhi.errors import SchemaDrift, SourceError
from suizhi.lake import Lake
from suizhi.ledger import read_ledger
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.serve_api import free_port
from suizhi.simulate.serve_db import synced_times
from suizhi.simulate.writer import simulate

pytestmark = pytest.mark.spark
SYSTEM, PERIOD = "zsj_hotline_12345", "2021-02"


def _query(uri: str, sql: str) -> list[tuple]:
    conn = Conn.from_uri(uri)
    with closing(pymysql.connect(host=conn.host, port=conn.port, user=conn.login, password=conn.password,
                                 database=conn.schema, charset="utf8mb4", autocommit=True)) as db, db.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


@pytest.fixture
def hotline_mysql(mini_home, monkeypatch, mariadb):
    """The mini hotline as a table on the MariaDB server (connection type mysql), months simulated."""
    _query(mariadb, "DROP TABLE IF EXISTS hotline")
    monkeypatch.setenv(env_name(DEPARTMENTAL_DB), mariadb)
    path = mini_home / "conf" / "systems" / f"{SYSTEM}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["connector"] = {"kind": "jdbc", "conn_id": DEPARTMENTAL_DB, "table": "hotline", "partitions": 3}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = current_settings()
    manifest = simulate(current_catalog(), 2021, 0.1, 6, Path(settings.sources_root))
    return settings, manifest["systems"][SYSTEM]["months"], mariadb


def _stage(spark, settings):
    catalog, lake = current_catalog(), Lake(settings.lake_root)
    system = catalog.systems[SYSTEM]
    batch = extract_batch(system, catalog.contracts[system.dataset], PERIOD, settings.sources_root, lake)
    assert batch.staged.startswith(DEFERRED) and batch.rows_read == -1
    [staged] = stage_deferred(spark, lake, catalog, settings.sources_root, [batch])
    return staged


def test_the_month_is_read_in_slices_counted_at_the_source_and_ledgered(spark, hotline_mysql):
    settings, months, uri = hotline_mysql
    truth = months[PERIOD]["rows"]
    staged = _stage(spark, settings)
    [(in_table,)] = _query(uri, "SELECT COUNT(*) FROM hotline")
    assert (staged.rows_read, in_table) == (truth, sum(m["rows"] for m in months.values()))
    # one parquet part per JDBC slice, each holding what the server counts in that slice
    at_source = [_query(uri, f"SELECT COUNT(*) FROM hotline WHERE {within(MYSQL, 'synced_at', a, b)}")[0][0]
                 for a, b in slices(PERIOD, 3)]
    expected = [sum(a <= t < b for t in synced_times(PERIOD, truth)) for a, b in slices(PERIOD, 3)]
    parts = sorted(Path(staged.staged).glob("part-*.parquet"))
    assert at_source == expected == [spark.read.parquet(str(p)).count() for p in parts]
    assert (len(parts), sum(expected)) == (3, truth)

    land(spark, Lake(settings.lake_root), current_catalog(), [staged], 1)
    [row] = read_ledger(spark, Lake(settings.lake_root)).collect()
    assert (row.system, row.period, row.rows_read, row.rows_landed) == (SYSTEM, PERIOD, truth, truth)
    bronze = (spark.read.format("delta").load(Lake(settings.lake_root).table("bronze.hotline_ticket"))
              .where(F.col("_source_system") == SYSTEM))
    assert (bronze.count(), bronze.select("_source_line").distinct().count()) == (truth, truth)


def test_chinese_text_and_datetimes_arrive_as_the_server_holds_them(spark, hotline_mysql):
    settings, months, uri = hotline_mysql
    truth = months[PERIOD]["rows"]
    staged = spark.read.parquet(_stage(spark, settings).staged)
    columns = [c.name for c in current_catalog().contracts["hotline_ticket"].columns]
    month = within(MYSQL, "synced_at", *slices(PERIOD, 1)[0])
    held = _query(uri, f"SELECT row_id, {', '.join(columns)} FROM hotline WHERE {month}")
    read = staged.select("_source_line", *columns).collect()
    assert sorted(tuple(r) for r in read) == sorted(held) and len(held) == truth
    names = {r.caller_name for r in read if r.caller_name}
    assert all("\u4e00" <= n[0] <= "\u9fff" for n in names) and len(names) > 1
    # DATETIME through the driver, shown in the session's zone (Asia/Shanghai; the JVM's may differ)
    url, props = jdbc_url(get_connection(DEPARTMENTAL_DB, settings.sources_root, SYSTEM), SYSTEM)
    synced = spark.read.jdbc(url, "hotline", predicates=[month], properties=props)
    assert dict(synced.dtypes)["synced_at"] == "timestamp"
    shown = sorted(r[0] for r in synced.select(F.col("synced_at").cast("string")).collect())
    assert shown == synced_times(PERIOD, truth)


def test_a_renamed_column_refuses_the_batch_naming_the_table(spark, hotline_mysql):
    settings, _, uri = hotline_mysql
    _query(uri, "ALTER TABLE hotline RENAME COLUMN caller_mobile TO phone")
    with pytest.raises(SchemaDrift, match=r"system zsj_hotline_12345: table hotline: columns differ from "
                                          r"schemas/hotline_ticket.yaml \(missing \['caller_mobile'\], "
                                          r"unexpected \['phone'\]; new_columns: refuse, missing_columns: refuse\)"):
        _stage(spark, settings)


def test_a_server_that_is_down_is_named_with_the_system_and_table(spark, hotline_mysql, monkeypatch):
    settings, _, _ = hotline_mysql
    monkeypatch.setenv(env_name(DEPARTMENTAL_DB), f"mariadb://suizhi:secret@127.0.0.1:{free_port()}/departments")
    with pytest.raises(SourceError, match=r"system zsj_hotline_12345: table hotline \(synced_at >= '2021-02-01 "
                                          r"00:00:00' AND synced_at < '2021-03-01 00:00:00'\): "
                                          r".*Couldn't connect to the database"):
        _stage(spark, settings)


def test_mysql_and_mariadb_connections_share_the_driver_and_port_3306():
    for scheme in ("mysql", "mariadb"):
        url, props = jdbc_url(Conn.from_uri(f"{scheme}://etl:p%40ss@db.example/departments"), SYSTEM)
        assert url == ("jdbc:mysql://db.example:3306/departments?useUnicode=true&characterEncoding=UTF-8"
                       "&connectionTimeZone=%2B08:00&forceConnectionTimeZoneToSession=true&useCursorFetch=true")
        assert props == {"driver": "com.mysql.cj.jdbc.Driver", "fetchsize": "10000", "user": "etl", "password": "p@ss"}
