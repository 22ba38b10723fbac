"""The audit log `audit.runs`: an append-only Delta table, one row per run of a stage.

Each row says who or what started the run (an Airflow DAG run and task, or a user at
the command line), the tables and Delta versions it read and wrote, the protections it
applied, and any retention purge or quarantine replay it made.
"""
from __future__ import annotations

import getpass
import json
import uuid

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.delta_log import latest_version
from suizhi.lake import Lake

TABLE = "audit.runs"
SCHEMA = T.StructType([
    T.StructField("run_id", T.StringType(), False),
    T.StructField("action", T.StringType(), False),
    T.StructField("status", T.StringType(), False),
    T.StructField("started_by", T.StringType(), False),
    T.StructField("dag_id", T.StringType()),
    T.StructField("dag_run_id", T.StringType()),
    T.StructField("task_id", T.StringType()),
    T.StructField("reads", T.StringType(), False, {"comment": "JSON: table -> Delta version read"}),
    T.StructField("writes", T.StringType(), False, {"comment": "JSON: table -> [version before, version after]"}),
    T.StructField("protections", T.StringType(), False, {"comment": "JSON: dataset -> column -> action, counts"}),
    T.StructField("details", T.StringType(), False, {"comment": "JSON: purges, replays, counts"}),
    T.StructField("recorded_at", T.TimestampType(), False),
])


def started_by() -> dict:
    """The Airflow task running this code, or the user at the command line."""
    try:
        from airflow.sdk import get_current_context
        ctx = get_current_context()
        ti = ctx["ti"]
        return {"started_by": f"airflow:{ti.dag_id}/{ti.run_id}/{ti.task_id}", "dag_id": ti.dag_id,
                "dag_run_id": ti.run_id, "task_id": ti.task_id}
    except Exception:  # noqa: BLE001 - not inside an Airflow task
        return {"started_by": f"cli:{getpass.getuser()}", "dag_id": None, "dag_run_id": None, "task_id": None}


def table_versions(spark: SparkSession, lake: Lake, tables: list[str]) -> dict[str, int | None]:
    return {t: latest_version(spark, lake.table(t)) for t in sorted(set(tables))}


def ensure_audit(spark: SparkSession, lake: Lake) -> DeltaTable:
    return (DeltaTable.createIfNotExists(spark).location(lake.table(TABLE)).addColumns(SCHEMA)
            .property("comment", "audit.runs: append-only, one row per run of a pipeline stage")
            .property("delta.appendOnly", "true")
            .property("suizhi.grade", "重要").property("suizhi.retention.days", "forever")
            .execute())


def record_audit(spark: SparkSession, lake: Lake, action: str, *, reads: dict | None = None,
                 writes: dict | None = None, protections: dict | None = None, details: dict | None = None,
                 status: str = "success", run_id: str | None = None) -> str:
    """Append one audit row; returns its run id. Stages, retention and quarantine replays call this."""
    run_id = run_id or str(uuid.uuid4())
    row = {"run_id": run_id, "action": action, "status": status, **started_by(),
           "reads": json.dumps(reads or {}, ensure_ascii=False, sort_keys=True),
           "writes": json.dumps(writes or {}, ensure_ascii=False, sort_keys=True),
           "protections": json.dumps(protections or {}, ensure_ascii=False, sort_keys=True),
           "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
           "recorded_at": None}
    ensure_audit(spark, lake)
    df = spark.createDataFrame([row], _nullable(SCHEMA)).withColumn(
        "recorded_at", F.current_timestamp())
    df.select(*[f.name for f in SCHEMA.fields]).write.format("delta").mode("append").save(lake.table(TABLE))
    return run_id


def _nullable(schema: T.StructType) -> T.StructType:
    return T.StructType([T.StructField(f.name, f.dataType, True) for f in schema.fields])


def read_audit(spark: SparkSession, lake: Lake) -> DataFrame:
    ensure_audit(spark, lake)
    return spark.read.format("delta").load(lake.table(TABLE))
