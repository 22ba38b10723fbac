"""Grades on the lake itself (GB/T 43697-2024): table properties and column comments, so
any reader of a Delta table sees its classification without this project's code."""
from __future__ import annotations

import hashlib
import json

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from suizhi.catalog.models import Contract
from suizhi.delta_log import commit_metadata, latest_commit
from suizhi.governance.policy import Policy

PREFIX = "suizhi."


def column_comment(contract: Contract, name: str, policy: Policy, layer: str) -> str | None:
    """`公民身份号码 | 重要 | pii=citizen_id | pseudonymise` (bronze: `raw`)."""
    if name not in {c.name for c in contract.columns}:
        return None
    col = contract.column(name)
    action = policy.action(col) if layer == "silver" else "raw"
    return " | ".join([col.description, col.classification, *([f"pii={col.pii}"] if col.pii else []), action])


# Delta keeps min/max statistics of a file's columns in the table's log, which outlives the
# data files a retention purge deletes: bronze's raw values must not be among them. Its
# reads select by system, batch and period, so those are the statistics it needs.
STATS_COLUMNS = "delta.dataSkippingStatsColumns"
BRONZE_STATS = "_source_system,_batch_id,_period"


def silver_stats(contract: Contract) -> str:
    """What silver's readers select by: system, period, batch, the business key and the two
    times. Delta's default, the first 32 columns, cost the full-scale day's silver some 75 s
    of its 575 s of CPU, for columns no query prunes on."""
    names = ["_source_system", "_period", "_batch_id", *contract.business_key, contract.version_column,
             contract.event_time_column]
    return ",".join(dict.fromkeys(names))


def table_properties(contract: Contract, policy: Policy, layer: str) -> dict[str, str]:
    """The table's grade, owner and retention, and each column's grade, category and
    protection; the statistics are kept to the columns the layer's reads select by."""
    days = getattr(policy.retention, layer).days
    props = {
        f"{PREFIX}layer": layer,
        f"{PREFIX}dataset": contract.dataset,
        f"{PREFIX}grade": contract.classification,
        f"{PREFIX}owner": contract.owner,
        f"{PREFIX}retention.days": "forever" if days is None else str(days),
    }
    for col in contract.columns:
        props[f"{PREFIX}column.{col.name}.grade"] = col.classification
        if col.pii:
            props[f"{PREFIX}column.{col.name}.pii"] = col.pii
        props[f"{PREFIX}column.{col.name}.protection"] = policy.action(col) if layer == "silver" else "raw"
    if layer == "bronze":
        props[STATS_COLUMNS] = BRONZE_STATS
    elif layer == "silver":
        props[STATS_COLUMNS] = silver_stats(contract)
    return props


def graded_schema(schema: T.StructType, contract: Contract, policy: Policy, layer: str) -> T.StructType:
    fields = []
    for f in schema.fields:
        comment = column_comment(contract, f.name, policy, layer)
        fields.append(T.StructField(f.name, f.dataType, f.nullable,
                                    {**f.metadata, "comment": comment} if comment else f.metadata))
    return T.StructType(fields)


def grades_signature(props: dict[str, str]) -> str:
    """A short digest of a table's grade properties, carried in the commits that follow a check."""
    return hashlib.sha256(json.dumps(props, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def ensure_graded_table(spark: SparkSession, path: str, contract: Contract, schema: T.StructType,
                        policy: Policy, layer: str, title: str) -> str:
    """Create the table with its grades, or add missing grade properties to an older table;
    returns the grades' signature, for the caller's next commit to carry as `grades`.

    Nothing is committed when the grades are already there, so reruns change no version.
    Reading a table's properties costs a Spark job; a table whose newest commit carries the
    signature was checked just before that commit and has not changed since, so it is not
    read again (the log's newest commit is a listing and one small file).
    """
    props = table_properties(contract, policy, layer)
    signature = grades_signature(props)
    newest = latest_commit(spark, path)
    if newest is None:
        builder = (DeltaTable.createIfNotExists(spark).location(path)
                   .addColumns(graded_schema(schema, contract, policy, layer)).property("comment", title))
        for key, value in props.items():
            builder = builder.property(key, value)
        builder.execute()
        return signature
    if commit_metadata(newest).get("grades") == signature:
        return signature
    held = DeltaTable.forPath(spark, path).detail().first()["properties"] or {}
    changed = {k: v for k, v in props.items() if held.get(k) != v}
    if changed:
        pairs = ", ".join(f"'{k}' = '{v}'" for k, v in changed.items())
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({pairs})")
    return signature


def grade_bronze(spark: SparkSession, path: str, contract: Contract, schema: T.StructType, dataset: str) -> str:
    """bronze's hook before a batch is appended: the raw table carries its grades too; returns
    the signature the append's commit carries."""
    from suizhi.governance.policy import load_policy
    from suizhi.settings import project_home
    return ensure_graded_table(spark, path, contract, schema, load_policy(project_home()), "bronze",
                               f"bronze.{dataset}: raw records as its systems sent them, kept for the retention "
                               "period")
