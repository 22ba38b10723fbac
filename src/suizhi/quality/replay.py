"""Replay corrected quarantined rows into silver.

A correction names the quarantined row by its id (`_record_hash`, as `suizhi quarantine
list` shows it) and gives the whole corrected record. It goes through conform and the
suite again, then the same classify and MERGE as its batch did; a row that still fails
stays quarantined. The ledger moves each replayed row from `quarantined` to the
disposition it now gets, so conservation still holds, and `ledger.replays` records which
row was replayed into which batch, and when; replaying a row twice changes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog import Catalog
from suizhi.conform import conform
from suizhi.delta_log import latest_version
from suizhi.errors import QualityError
from suizhi.ingest import record_hash
from suizhi.lake import Lake
from suizhi.quality import checks

REPLAYS = T.StructType([T.StructField(n, T.StringType()) for n in ("quarantine_id", "dataset", "batch_id",
                                                                      "disposition")]
                       + [T.StructField("replayed_at", T.TimestampType())])
MOVES = {"inserted": "inserted", "replaced": "superseded", "superseded": "superseded", "duplicate": "duplicates"}


def read_corrections(path: Path) -> dict[str, dict]:
    """A JSON-lines file: {"id": <quarantine id>, "record": {column: value, ...}} per line."""
    out = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            item = json.loads(line)
            if set(item) != {"id", "record"}:
                raise QualityError(f"{path}: line {n}: a correction holds exactly 'id' and 'record'")
            out[item["id"]] = item["record"]
    return out


def _replayed(spark: SparkSession, lake: Lake) -> set[str]:
    path = lake.table("ledger.replays")
    if latest_version(spark, path) is None:
        return set()
    return {r.quarantine_id for r in spark.read.format("delta").load(path).select("quarantine_id").collect()}


def replay(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str, corrections: dict[str, dict]) -> dict:
    """Replay corrections of `dataset`'s quarantined rows; returns {disposition: rows}."""
    from suizhi.governance.audit import record_audit
    from suizhi.governance.protect import protect_silver
    from suizhi.silver import _merge, classify  # silver's own MERGE and classification
    contract = catalog.contracts[dataset]
    done = _replayed(spark, lake)
    wanted = [i for i in corrections if i not in done]
    if not wanted:
        return {}
    found = {r._record_hash: r for r in spark.read.format("delta").load(lake.table(f"quarantine.{dataset}"))
             .where(F.col("_record_hash").isin(wanted)).collect()}
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise QualityError(f"{dataset}: no quarantined row with id {', '.join(unknown)} (see `suizhi quarantine list`)")
    names = [c.name for c in contract.columns]
    rows = [[None if corrections[i].get(c) is None else str(corrections[i][c]) for c in names]
            + [o._source_system, o._batch_id, o._period, f"replay:{o._source_file}", o._source_line, i]
            for i, o in found.items()]
    schema = ", ".join(f"`{c}` string" for c in names) + (", _source_system string, _batch_id string, _period string,"
                                                           " _source_file string, _source_line long, _replay_of string")
    raw = (spark.createDataFrame(rows, schema).withColumn("_ingested_at", F.current_timestamp())
           .withColumn("_record_hash", record_hash(names)))
    keys = checks.referenced_keys(spark, lake, catalog, dataset)
    checked = checks.check(conform(raw, contract), catalog, dataset, keys).localCheckpoint()
    path = lake.table(f"silver.{dataset}")
    current = spark.read.format("delta").load(path) if latest_version(spark, path) is not None else None
    classified = classify(checked, current, contract).localCheckpoint()
    outcome = [(r._replay_of, r._batch_id, r._disposition) for r in
               classified.select("_replay_of", "_batch_id", "_disposition").collect()]
    moved = [(i, b, d) for i, b, d in outcome if d != "quarantined"]
    winners = classified.where(F.col("_disposition").isin("inserted", "replaced"))
    columns = names + ["_source_system", "_batch_id", "_period", "_ingested_at", "_record_hash", "_source_file",
                       "_source_line"]
    # Replayed rows enter silver like any other: protected by the governance policy first.
    protected_rows, protected, grades = protect_silver(spark, path, contract, winners.select(*columns))
    replayed = sorted(i for i, _, _ in moved)
    _merge(spark, path, contract, protected_rows, {"dataset": dataset, "replay": replayed, "protections": protected,
                                                  "grades": grades})
    _record(spark, lake, dataset, moved)
    record_audit(spark, lake, "quarantine_replay", writes={f"silver.{dataset}": latest_version(spark, path)},
                 protections=protected, details={"dataset": dataset, "replayed": replayed})
    return {d: sum(1 for _, _, x in outcome if x == d) for d in sorted({x for _, _, x in outcome})}


def _record(spark: SparkSession, lake: Lake, dataset: str, moved: list[tuple[str, str, str]]) -> None:
    """Move the replayed rows' counts in ledger.batches and note each in ledger.replays."""
    if not moved:
        return
    deltas: dict[str, dict[str, int]] = {}
    for _, batch, disposition in moved:
        d = deltas.setdefault(batch, {"inserted": 0, "superseded": 0, "duplicates": 0})
        d[MOVES[disposition]] += 1
    updates = spark.createDataFrame([[b, d["inserted"], d["superseded"], d["duplicates"]] for b, d in deltas.items()],
                                    "batch_id string, inserted long, superseded long, duplicates long")
    total = "u.inserted + u.superseded + u.duplicates"
    (DeltaTable.forPath(spark, lake.ledger).alias("l").merge(updates.alias("u"), "l.batch_id = u.batch_id")
     .whenMatchedUpdate(set={"inserted": "l.inserted + u.inserted", "superseded": "l.superseded + u.superseded",
                             "duplicates": "l.duplicates + u.duplicates", "quarantined": f"l.quarantined - ({total})"})
     .execute())
    log = spark.createDataFrame([[i, dataset, b, MOVES[d]] for i, b, d in moved],
                                "quarantine_id string, dataset string, batch_id string, disposition string")
    (log.withColumn("replayed_at", F.current_timestamp()).write.format("delta").mode("append")
     .save(lake.table("ledger.replays")))
