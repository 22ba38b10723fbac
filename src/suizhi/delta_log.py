"""Read a Delta table's newest commit straight from its `_delta_log`, without a Spark job.

Landing a batch asks two small questions of a table: is my batch already its newest
commit (a run killed after the commit but before the ledger), and how many rows did my
commit write. Delta answers both in the commitInfo action of the newest
`_delta_log/<version>.json` (Delta protocol, "Commit Provenance Information"). Reading
that one file through Hadoop's FileSystem works on any store the lake lives on and costs
a listing and a read, where `DeltaTable.history()` or a filtered count cost Spark jobs.
"""
from __future__ import annotations

import json
import re

from pyspark.sql import SparkSession

COMMIT = re.compile(r"^(\d{20})\.json$")


def _log_dir(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    log = jvm.org.apache.hadoop.fs.Path(path.rstrip("/") + "/_delta_log")
    return log, log.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def _versions(log, fs) -> list[int]:
    return sorted(int(m.group(1)) for status in fs.listStatus(log) if (m := COMMIT.match(status.getPath().getName())))


def latest_version(spark: SparkSession, path: str) -> int | None:
    """The newest committed version, or None when the table does not exist yet."""
    log, fs = _log_dir(spark, path)
    if not fs.exists(log):
        return None
    versions = _versions(log, fs)
    return versions[-1] if versions else None


def _commit_info(spark: SparkSession, log, fs, version: int) -> dict:
    jvm = spark.sparkContext._jvm
    stream = fs.open(jvm.org.apache.hadoop.fs.Path(log, f"{version:020d}.json"))
    try:
        reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, "UTF-8"))
        while (line := reader.readLine()) is not None:
            action = json.loads(line)
            if "commitInfo" in action:
                return {**action["commitInfo"], "version": version}
    finally:
        stream.close()
    return {"version": version}


def recent_commits(spark: SparkSession, path: str, count: int) -> list[dict]:
    """The commitInfo of the newest `count` commits, newest first; none for no table.

    What `DeltaTable.history(count)` gives, without its Spark job. Delta keeps every
    commit file until its log retention (30 days by default) has passed, so the newest
    few are always there."""
    log, fs = _log_dir(spark, path)
    if count <= 0 or not fs.exists(log):
        return []
    return [_commit_info(spark, log, fs, v) for v in reversed(_versions(log, fs)[-count:])]


def commits_newest_first(spark: SparkSession, path: str):
    """The commitInfo of every commit, newest first, read one file at a time as the caller
    goes back (a landing's recovery stops at the newest commit the ledger holds)."""
    log, fs = _log_dir(spark, path)
    if not fs.exists(log):
        return
    for version in reversed(_versions(log, fs)):
        yield _commit_info(spark, log, fs, version)


def latest_commit(spark: SparkSession, path: str) -> dict | None:
    """The commitInfo of the newest commit (with its `version`), or None for no table."""
    newest = recent_commits(spark, path, 1)
    return newest[0] if newest else None


def commit_metadata(commit: dict | None) -> dict:
    """The JSON object a commit carries as userMetadata, or {}."""
    text = (commit or {}).get("userMetadata")
    if not text or not text.startswith("{"):
        return {}
    return json.loads(text)
