"""The JDBC kind on the embedded default: SQLite files read through Spark JDBC, sliced by
the month, counted at the source; a renamed column refuses the batch, naming the table.
And PostgreSQL's timestamps as the server holds them."""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
import yaml
from pyspark.sql import functions as F

from suizhi.connectors.base import DEFERRED
from suizhi.connectors.connections import DEPARTMENTAL_DB, Conn, embedded_defaults, env_name
from suizhi.connectors.extract import extract_batch
from suizhi.connectors.jdbc import jdbc_url
from suizhi.connectors.staging import stage_deferred
from suizhi.errors import SchemaDrift, SourceError
from suizhi.lake import Lake
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.serve_api import free_port
from suizhi.simulate.writer import simulate

pytestmark = pytest.mark.spark


@pytest.fixture
def hotline_db(mini_home, monkeypatch):
    """The mini hotline as a JDBC table in the simulator's SQLite file, months simulated."""
    monkeypatch.delenv(env_name(DEPARTMENTAL_DB), raising=False)
    path = mini_home / "conf" / "systems" / "zsj_hotline_12345.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["connector"] = {"kind": "jdbc", "conn_id": DEPARTMENTAL_DB, "table": "hotline", "partitions": 3}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = current_settings()
    manifest = simulate(current_catalog(), 2021, 0.1, 6, Path(settings.sources_root))
    database = embedded_defaults(settings.sources_root)[DEPARTMENTAL_DB].removeprefix("sqlite:///")
    return settings, manifest, database


def _stage(spark, settings, period="2021-02"):
    catalog, lake = current_catalog(), Lake(settings.lake_root)
    system = catalog.systems["zsj_hotline_12345"]
    batch = extract_batch(system, catalog.contracts[system.dataset], period, settings.sources_root, lake)
    assert batch.staged.startswith(DEFERRED) and batch.rows_read == -1
    [staged] = stage_deferred(spark, lake, catalog, settings.sources_root, [batch])
    return staged


def test_the_month_is_read_in_slices_and_counted_at_the_source(spark, hotline_db):
    settings, manifest, database = hotline_db
    staged = _stage(spark, settings)
    truth = manifest["systems"]["zsj_hotline_12345"]["months"]["2021-02"]["rows"]
    with closing(sqlite3.connect(database)) as db:
        in_table = db.execute("SELECT COUNT(*) FROM hotline").fetchone()[0]
    assert (staged.rows_read, in_table) == (truth, sum(m["rows"] for m in
                                                        manifest["systems"]["zsj_hotline_12345"]["months"].values()))
    rows = spark.read.parquet(staged.staged)
    assert rows.count() == truth and rows.select("_source_line").distinct().count() == truth
    assert staged.source == {"table": "hotline", "watermark": "synced_at",
                             "from": "2021-02-01 00:00:00", "to": "2021-03-01 00:00:00"}


def test_a_renamed_column_refuses_the_batch_naming_the_table(spark, hotline_db):
    settings, _, database = hotline_db
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("ALTER TABLE hotline RENAME COLUMN caller_mobile TO phone")
    with pytest.raises(SchemaDrift, match=r"system zsj_hotline_12345: table hotline: columns differ from "
                                          r"schemas/hotline_ticket.yaml \(missing \['caller_mobile'\], "
                                          r"unexpected \['phone'\]; new_columns: refuse, missing_columns: refuse\)"):
        _stage(spark, settings)


def test_a_database_that_is_down_is_named_with_the_system_and_table(spark, hotline_db, monkeypatch):
    settings, _, _ = hotline_db
    monkeypatch.setenv(env_name(DEPARTMENTAL_DB), f"postgresql://suizhi:secret@127.0.0.1:{free_port()}/departments")
    with pytest.raises(SourceError, match=r"system zsj_hotline_12345: table hotline \(synced_at >= '2021-02-01 "
                                          r"00:00:00' AND synced_at < '2021-03-01 00:00:00'\): "
                                          r".*Couldn't connect to the database"):
        _stage(spark, settings)


def test_a_missing_database_file_is_named_and_not_created(spark, hotline_db):
    settings, _, database = hotline_db
    Path(database).unlink()
    with pytest.raises(SourceError, match=re.escape(f"system zsj_hotline_12345: SQLite database {database} "
                                                    f"(connection {DEPARTMENTAL_DB}) does not exist")):
        _stage(spark, settings)
    assert not Path(database).exists()


def test_postgresql_timestamps_keep_their_wall_clock_time(spark, postgres):
    conn = Conn.from_uri(postgres)
    with psycopg.connect(host=conn.host, port=conn.port, user=conn.login, password=conn.password,
                         dbname=conn.schema) as db:
        db.execute("CREATE TABLE stamps (local_time timestamp, instant timestamptz)")
        db.execute("INSERT INTO stamps VALUES ('2021-02-01 00:00:00', '2021-01-31 16:00:00+00')")
    url, props = jdbc_url(conn, "zsj_hotline_12345")
    read = spark.read.jdbc(url, "stamps", properties=props)
    assert [tuple(r) for r in read.select(*[F.col(c).cast("string") for c in read.columns]).collect()] == \
        [("2021-02-01 00:00:00", "2021-02-01 00:00:00")]
