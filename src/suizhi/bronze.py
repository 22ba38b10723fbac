"""Land staged batches in `bronze.<dataset>`: raw, append-only, once per batch.

The systems of a dataset share its contract, so they share its bronze table, and
`_source_system` says whose each row is. A run appends all of a dataset's pending batches
in one commit, whose userMetadata names every batch it holds with its system, period,
rows read and source: a month costs one bronze commit per dataset, not one per system,
and Delta skips other months' files by `_period` when silver reads a batch back.
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import reduce

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog import Catalog
from suizhi.catalog.models import Contract
from suizhi.connectors import Batch
from suizhi.connectors.base import DEFERRED, DRIFTED, EXTRA, SOURCE_FILE, SOURCE_LINE
from suizhi.delta_log import commit_metadata, commits_newest_first
from suizhi.errors import LakeError
from suizhi.governance.grading import STATS_COLUMNS, grade_bronze
from suizhi.ingest import with_ingest_metadata
from suizhi.lake import Lake
from suizhi.ledger import check_balanced, imbalance, read_ledger, record_landing
from suizhi.spark import COMPILE_ROWS, sized_session

RAW_RECORD = "record"  # the kept-apart tables' raw text of a record or a line
DRIFTED_SCHEMA = T.StructType([T.StructField(n, T.StringType()) for n in
                               ("batch_id", "system", "dataset", "period", "reason", SOURCE_FILE)]
                              + [T.StructField(SOURCE_LINE, T.LongType()), T.StructField(RAW_RECORD, T.StringType()),
                                 T.StructField(EXTRA, T.StringType()),
                                 T.StructField("_ingested_at", T.TimestampType())])
log = logging.getLogger(__name__)


INGEST_FIELDS = [T.StructField(n, T.StringType()) for n in ("_batch_id", "_source_system", "_period")] + [
    T.StructField("_ingested_at", T.TimestampType()), T.StructField("_record_hash", T.StringType())]


def staged_schema(contract: Contract) -> T.StructType:
    """The staged parquet's schema, given so Spark need not infer it with a job of its own."""
    return T.StructType([T.StructField(c.name, T.StringType()) for c in contract.columns]
                        + [T.StructField(SOURCE_FILE, T.StringType()), T.StructField(SOURCE_LINE, T.LongType()),
                           T.StructField(EXTRA, T.StringType())])


def ingest_schema(contract: Contract) -> T.StructType:
    """A bronze table's schema: the staged columns, then what `with_ingest_metadata` adds."""
    return T.StructType(staged_schema(contract).fields + INGEST_FIELDS)


def bronze_table(dataset: str) -> str:
    return f"bronze.{dataset}"


def _ledger_row(batch: Batch, **counts) -> dict:
    return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, **counts}


def _land_drifted(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> dict:
    """A batch its contract's drift policy quarantines lands whole in bronze._drifted_batches:
    each record as JSON with its file and line and the batch's reason, raw as bronze is and
    none of it in the dataset's table. The ledger counts its rows as rejected at ingest, so
    rows read = landed + rejected still balances. Delta's transaction id (the batch id)
    makes a rerun write nothing twice."""
    contract = catalog.contracts[batch.dataset]
    staged = spark.read.schema(staged_schema(contract)).parquet(batch.staged)
    meta = {"batch_id": batch.batch_id, "system": batch.system, "dataset": batch.dataset, "period": batch.period}
    held = staged.select(*[F.lit(v).alias(k) for k, v in meta.items()], F.lit(batch.source["drift"]).alias("reason"),
                         F.col(SOURCE_FILE), F.col(SOURCE_LINE),
                         F.to_json(F.struct(*[c.name for c in contract.columns])).alias("record"), F.col(EXTRA),
                         F.current_timestamp().alias("_ingested_at"))
    (held.write.format("delta").mode("append").option("txnAppId", f"suizhi-drift-{batch.batch_id}")
     .option("txnVersion", 0)
     .option("userMetadata", json.dumps({**meta, "source": batch.source}, ensure_ascii=False))
     .save(lake.table(DRIFTED)))
    log.warning("system %s: batch %s (%d records) quarantined in %s: %s", batch.system, batch.batch_id,
                batch.rows_read, DRIFTED, batch.source["drift"])
    return _ledger_row(batch, rows_landed=0, ingest_duplicates=0, ingest_rejected=batch.rows_read)


def _unrecorded(spark: SparkSession, path: str, recorded: set[str]) -> dict[str, dict]:
    """The landings in the table that the ledger does not hold yet: {batch id: its commit}.

    A run killed after a bronze commit but before the ledger left that commit among the
    newest landings, so the log is read back from the newest commit to the newest landing
    whose batches the ledger holds. Commits that land no batches (a stream's micro-batches,
    a purge, a grade change) are passed over."""
    found: dict[str, dict] = {}
    for commit in commits_newest_first(spark, path):
        held = commit_metadata(commit).get("batches")
        if not held:
            continue
        if set(held) <= recorded:
            break
        found.update({b: commit for b in held if b not in recorded})
    return found


def _rows_written(spark: SparkSession, path: str, commit: dict) -> dict[str, int]:
    """Rows each batch of a landing commit wrote. The commit's row count settles it when it
    equals what its batches read; otherwise each batch is counted in the table as of that
    commit, so a short write shows in the ledger and the conservation check."""
    held = commit_metadata(commit)["batches"]
    written = int((commit.get("operationMetrics") or {}).get("numOutputRows", -1))
    if written == sum(b["rows_read"] for b in held.values()):
        return {b: m["rows_read"] for b, m in held.items()}
    counted = {r["_batch_id"]: r["count"] for r in spark.read.format("delta").option("versionAsOf", commit["version"])
               .load(path).where(F.col("_batch_id").isin(list(held))).groupBy("_batch_id").count().collect()}
    return {b: counted.get(b, 0) for b in held}


def _append_batches(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str, batches: list[Batch],
                    recorded: set[str], grades: str) -> list[dict]:
    """Append a dataset's batches in one commit, unless a killed run already committed them
    (then the rows landed are those that commit wrote)."""
    started = time.monotonic()
    contract = catalog.contracts[dataset]
    path = lake.table(bronze_table(dataset))
    landed = _unrecorded(spark, path, recorded)
    todo = [b for b in batches if b.batch_id not in landed]
    for b in todo:
        if not b.staged or b.staged.startswith(DEFERRED):
            raise LakeError(f"system {b.system}: batch {b.batch_id} has no staged records (source {b.source}); its "
                            "files were archived but it is not in the ledger: move them back to the landing "
                            "folder and rerun the interval")
    # Delta commits nothing for an empty append: a system with nothing to report lands zero rows.
    filled = [b for b in todo if b.rows_read]
    if filled:
        rows = sum(b.rows_read for b in filled)
        session = sized_session(spark, rows) if rows >= COMPILE_ROWS else spark
        names, schema = [c.name for c in contract.columns], staged_schema(contract)
        df = reduce(DataFrame.unionByName, [with_ingest_metadata(session.read.schema(schema).parquet(b.staged), b,
                                                                 names) for b in filled])
        meta = {"dataset": dataset, "grades": grades, "batches": {
            b.batch_id: {"system": b.system, "period": b.period, "rows_read": b.rows_read, "source": b.source}
            for b in filled}}
        # mergeSchema: a table landed before drift was handled gains the (empty) _extra column
        (df.write.format("delta").mode("append").option("mergeSchema", "true")
         .option("userMetadata", json.dumps(meta, ensure_ascii=False)).save(path))
        landed = _unrecorded(spark, path, recorded)
        missing = sorted(b.batch_id for b in filled if b.batch_id not in landed)
        if missing:
            raise LakeError(f"dataset {dataset}: bronze table {path} holds no landing of batches {missing} after "
                            "appending them (another job rewrote its log?); rerun the interval")
    counts: dict[str, int] = {}
    for commit in {c["version"]: c for c in landed.values()}.values():
        counts.update(_rows_written(spark, path, commit))
    log.info("landed %d batches of %s (%d rows) in %.1f s", len(batches), dataset,
             sum(counts.get(b.batch_id, 0) for b in batches), time.monotonic() - started)
    return [_ledger_row(b, rows_landed=counts.get(b.batch_id, 0)) for b in batches]


def _land_dataset(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str, batches: list[Batch],
                  recorded: set[str]) -> list[dict]:
    """One dataset's pending batches (`recorded`: the ledger's batch ids). Its table has one
    writer at a time: each streamed system in period order, then one append of every
    delivered batch. Batches a drift policy sets apart go to bronze._drifted_batches instead.

    The table is created and graded first, so a dataset whose batches were all set apart
    or empty still has its (empty) table for silver to read."""
    from suizhi.connectors.iot_stream import land_stream
    contract = catalog.contracts[dataset]
    grades = grade_bronze(spark, lake.table(bronze_table(dataset)), contract, ingest_schema(contract), dataset)
    order = sorted(batches, key=lambda b: (b.system, b.period))
    rows = [land_stream(spark, lake, catalog, b) for b in order if b.kind == "iot_stream"]
    rows += [_land_drifted(spark, lake, catalog, b) for b in order
             if b.kind != "iot_stream" and b.source.get("drift")]
    delivered = [b for b in order if b.kind != "iot_stream" and not b.source.get("drift")]
    if delivered:
        rows += _append_batches(spark, lake, catalog, dataset, delivered, recorded, grades)
    return rows


def create_shared_tables(spark: SparkSession, lake: Lake, tables) -> None:
    """Create the tables (name, schema) that several datasets write, before they land in
    parallel: two first appends to a missing table would both try to create it and one fails.
    A raw record kept apart (`record`, `_extra`) gets no statistics in the table's log, which
    outlives the rows a retention purge deletes."""
    for name, schema in tables:
        if not DeltaTable.isDeltaTable(spark, lake.table(name)):
            builder = DeltaTable.createIfNotExists(spark).location(lake.table(name)).addColumns(schema)
            if RAW_RECORD in schema.fieldNames():
                builder = builder.property(STATS_COLUMNS, ",".join(
                    f.name for f in schema.fields if f.name not in (RAW_RECORD, EXTRA)
                    and not isinstance(f.dataType, (T.ArrayType, T.MapType, T.StructType))))
            builder.execute()


def land(spark: SparkSession, lake: Lake, catalog: Catalog, batches: list[Batch], parallel: int = 4) -> list[dict]:
    """Append every batch not yet in the ledger to its dataset's bronze table; returns the new ledger rows.

    Raises ConservationError naming each batch whose rows read at source are not all landed
    or dropped by its stream; the batches that balance are in the ledger by then."""
    recorded = {r.batch_id for r in read_ledger(spark, lake).select("batch_id").collect()}
    pending: dict[str, list[Batch]] = defaultdict(list)
    for b in batches:
        if b.batch_id not in recorded:
            pending[b.dataset].append(b)
    waiting = [b for dataset in pending.values() for b in dataset]
    shared = [(DRIFTED, DRIFTED_SCHEMA)] if any(b.source.get("drift") for b in waiting) else []
    if any(b.kind == "iot_stream" for b in waiting):
        from suizhi.connectors.iot_stream import SHARED_TABLES
        shared += SHARED_TABLES
    create_shared_tables(spark, lake, shared)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        rows = [r for landed in pool.map(lambda d: _land_dataset(spark, lake, catalog, d, pending[d], recorded),
                                         sorted(pending))
                for r in landed]
    # DESIGN.md invariant 1 before the ledger commits: every row read at source landed in bronze
    # or was dropped by its stream. A batch that does not add up stays out of the ledger, so
    # silver and the evaluation never count it, and fails the landing by name.
    record_landing(spark, lake, [r for r in rows if imbalance(r, counted=False) is None])
    check_balanced(rows, "landing", counted=False,
                   then=" (left out of ledger.batches, so silver and the evaluation do not count them; what landed "
                        "stays in bronze, and a rerun of the interval checks it again)")
    return rows
