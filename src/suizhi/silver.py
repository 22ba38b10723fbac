"""Build `silver.<dataset>` from landed bronze batches: conform, quarantine, dedup, MERGE.

Every bronze row of a batch gets exactly one disposition: quarantined (it cannot conform
to the contract), duplicate (an exact copy of a row seen in the batch or held in silver),
superseded (an older version of its business key, incoming or retired from silver), or
inserted (a new key). The counts travel in the MERGE commit's metadata, so a run killed
after the commit is recognised and never counted twice.
"""
from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import chain

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.catalog.models import Contract
from suizhi.conform import conform
from suizhi.delta_log import commit_metadata, latest_commit, latest_version, recent_commits
from suizhi.governance.protect import protect_silver
from suizhi.lake import Lake
from suizhi.ledger import STREAM, check_balanced, read_ledger, record_silver
from suizhi.quality import checks
from suizhi.quality.suite import build_order, referenced
from suizhi.spark import sized_session

KEEP_META = ["_source_system", "_batch_id", "_period", "_ingested_at", "_record_hash", "_source_file", "_source_line"]
log = logging.getLogger(__name__)
COUNTS = ("inserted", "superseded", "duplicates", "quarantined")
# Silver takes consecutive pending periods of a dataset in one pass while their rows landed
# stay within this: a backfill or a catch-up of small periods costs one pass, not one each.
PASS_ROWS = 4_000_000


def _exists(spark: SparkSession, path: str) -> bool:
    return latest_version(spark, path) is not None


def committed_counts(spark: SparkSession, path: str, latest: int) -> dict[str, dict]:
    """Batch counts recorded in silver's own latest commits.

    Only silver's passes write this table, one commit per pass over one or more periods,
    and the ledger is written after them: a run killed in between left its passes as the
    latest commits, so reading as many commits as there are pending periods recovers all
    of them.
    """
    found: dict[str, dict] = {}
    for commit in reversed(recent_commits(spark, path, latest)):
        found.update(commit_metadata(commit).get("batches", {}))
    return found


def classify(incoming: DataFrame, current: DataFrame | None, contract: Contract,
             periods: list[str] | None = None) -> DataFrame:
    """Add `_disposition` to every conformed incoming row, against the current silver rows.

    One pass over `incoming`: rows with problems are quarantined, and the windows that find
    copies and the newest version are partitioned by whether a row has problems, so a
    broken row never outranks or copies a good one.

    With several `periods`, each row is classified as if its period ran on its own after
    the earlier ones: against the newest of silver's version and the versions its key has
    in earlier periods, which is what silver would hold by then (a period's winner replaces
    silver's row only when it is newer). The counts per batch are those of running the
    periods one by one, in one pass instead of one per period."""
    key = ["_source_system", *contract.business_key]
    version = contract.version_column
    ok = F.size("_problems") == 0
    rows = incoming.withColumn("_ok", ok)
    group = [*key, "_period"] if periods and len(periods) > 1 else key
    copies = Window.partitionBy("_ok", *group, "_record_hash").orderBy("_source_file", "_source_line")
    rows = rows.withColumn("_copy", F.row_number().over(copies))
    state = F.struct(F.col(version).alias("v"), F.col("_record_hash").alias("h"))  # a row's (version, hash)
    if current is None:
        rows = rows.withColumn("_cur", F.lit(None).cast("struct<v: timestamp, h: string>"))
    else:
        rows = rows.join(current.select(*key, state.alias("_cur")), key, "left")
    if group != key:
        # The newest (version, hash) of the key's good rows in earlier periods; a version is
        # required by the contract, so the newest is what silver would hold after them.
        order = F.array_position(F.array(*[F.lit(p) for p in sorted(periods)]), F.col("_period"))
        earlier = Window.partitionBy("_ok", *key).orderBy(order).rangeBetween(Window.unboundedPreceding, -1)
        rows = rows.withColumn("_cur", F.greatest(F.col("_cur"), F.max(state).over(earlier)))
    rows = rows.withColumn("_cur_hash", F.col("_cur.h")).withColumn("_cur_version", F.col("_cur.v")).drop("_cur")
    fresh = (F.col("_copy") == 1) & (F.col("_cur_hash").isNull() | (F.col("_cur_hash") != F.col("_record_hash")))
    ranking = Window.partitionBy("_ok", *group).orderBy(F.when(fresh, 0).otherwise(1), F.col(version).desc(),
                                                       F.col("_record_hash").desc())
    rows = rows.withColumn("_rank", F.row_number().over(ranking))
    beats = (F.col("_cur_hash").isNull() | (F.col(version) > F.col("_cur_version"))
             | ((F.col(version) == F.col("_cur_version")) & (F.col("_record_hash") > F.col("_cur_hash"))))
    disposition = (
        F.when(~F.col("_ok"), "quarantined")
        .when(~fresh, "duplicate")
        .when((F.col("_rank") == 1) & beats & F.col("_cur_hash").isNull(), "inserted")
        .when((F.col("_rank") == 1) & beats, "replaced")
        .otherwise("superseded")
    )
    return rows.withColumn("_disposition", disposition).drop("_ok", "_copy", "_rank", "_cur_hash", "_cur_version")


def _count(classified: DataFrame, batch_ids: list[str], sums: list) -> tuple[dict[str, dict], list]:
    """Rows per batch and disposition, with the suite's rule aggregates `sums` in the same job;
    returns the counts and the grouped rows, which `checks.judge` sums per batch."""
    counts = {b: dict.fromkeys(COUNTS, 0) for b in batch_ids}
    names = {"inserted": "inserted", "replaced": "superseded", "superseded": "superseded",
             "duplicate": "duplicates", "quarantined": "quarantined"}
    grouped = classified.groupBy("_batch_id", "_disposition").agg(F.count(F.lit(1)).alias("_n"), *sums).collect()
    for row in grouped:
        counts[row["_batch_id"]][names[row["_disposition"]]] += row["_n"]
    return counts, grouped


def _quarantine(session: SparkSession, lake: Lake, dataset: str, ids: list[str], rows: DataFrame) -> None:
    path = lake.table(f"quarantine.{dataset}")
    # The quarantine is written just before silver's MERGE: if a killed run got no further,
    # its rows are the table's newest commit and are not appended twice.
    if commit_metadata(latest_commit(session, path)).get("batches") == sorted(ids):
        return
    (rows.write.format("delta").mode("append")
         .option("userMetadata", json.dumps({"dataset": dataset, "batches": sorted(ids)}))
         .save(path))


def _merge(session: SparkSession, path: str, contract: Contract, winners: DataFrame, metadata: dict) -> None:
    if not _exists(session, path):
        DeltaTable.createIfNotExists(session).location(path).addColumns(winners.schema).property(
            "comment", f"silver.{contract.dataset}: {contract.grain}").execute()
    key = ["_source_system", *contract.business_key]
    # The counts ride in the commit: committed_counts() finds them if the ledger is not written.
    session.conf.set("spark.databricks.delta.commitInfo.userMetadata", json.dumps(metadata, ensure_ascii=False))
    try:
        (DeltaTable.forPath(session, path).alias("t")
         .merge(winners.alias("s"), " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in key))
         .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())
    finally:
        session.conf.unset("spark.databricks.delta.commitInfo.userMetadata")


def _append(path: str, winners: DataFrame, metadata: dict) -> None:
    """Every winner is a key silver does not hold yet: a blind append commits the same rows
    as the MERGE would, without reading the table, and carries the same counts."""
    (winners.write.format("delta").mode("append")
     .option("userMetadata", json.dumps(metadata, ensure_ascii=False)).save(path))


def build_periods(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str,
                  pending: dict[str, list[tuple[str, str]]], recorded: dict[str, dict],
                  validation: checks.RuleValidation | None = None) -> dict[str, dict]:
    """Process the batches (system, batch id) of one or more periods of one dataset in one
    pass and one commit; returns counts per batch, the same as running the periods in order.

    `recorded` holds the counts silver's commits already carry: those batches are done.
    Great Expectations judges the pass's rule counts in `validation` (the run's context)
    before anything is written: a fail verdict stops the pass with nothing committed.
    """
    started = time.monotonic()
    contract = catalog.contracts[dataset]
    path = lake.table(f"silver.{dataset}")
    done = {b: recorded[b] for batches in pending.values() for _, b in batches if b in recorded}
    todo = {p: [(s, b) for s, b in batches if b not in recorded] for p, batches in pending.items()}
    periods = sorted(p for p, batches in todo.items() if batches)
    if not periods:
        return done
    batches = [sb for p in periods for sb in todo[p]]
    ids = [b for _, b in batches]
    # One table per dataset: the periods let Delta skip other months' files before the ids are compared.
    raw = (spark.read.format("delta").load(lake.table(f"bronze.{dataset}"))
           .where(F.col("_period").isin(periods) & F.col("_batch_id").isin(ids)))
    current = spark.read.format("delta").load(path) if _exists(spark, path) else None
    # Conform, the suite's rules (quarantine-rule failures join _problems) and classify are
    # one pass, checkpointed once: the counts, the quarantine append and the write start
    # from materialised rows instead of re-analysing it.
    keys = checks.referenced_keys(spark, lake, catalog, dataset)
    conformed = checks.check(conform(raw, contract), catalog, dataset, keys)
    classified = classify(conformed, current, contract, periods).localCheckpoint()
    # Dispositions and rule counts are one aggregation of the classified rows: one job.
    dispositions, grouped = _count(classified, ids, checks.rule_sums(catalog, dataset))
    judged = checks.judge(classified, catalog, dataset, batches, grouped, validation)
    counts = {b: c | judged[b] for b, c in dispositions.items()}
    if any(c["quarantined"] for c in counts.values()):
        _quarantine(spark, lake, dataset, ids, checks.quarantine_rows(classified, contract))
    columns = [c.name for c in contract.columns] + KEEP_META
    winners = classified.where(F.col("_disposition").isin("inserted", "replaced"))
    if len(periods) > 1:  # a key won in several periods: silver keeps the last period's winner
        last = Window.partitionBy("_source_system", *contract.business_key).orderBy(F.col("_period").desc())
        winners = winners.withColumn("_last", F.row_number().over(last)).where(F.col("_last") == 1)
    winners, protected, grades = protect_silver(spark, path, contract, winners.select(*columns))
    metadata = {"dataset": dataset, "periods": periods, "batches": counts, "protections": protected,
                "grades": grades}
    kinds = {r["_disposition"] for r in grouped}
    if "inserted" in kinds and "replaced" not in kinds:
        _append(path, winners, metadata)
    else:  # an empty append commits nothing, and the counts must ride in a commit
        _merge(spark, path, contract, winners, metadata)
    log.info("silver.%s %s: %s in %.1f s", dataset, ", ".join(periods), counts, time.monotonic() - started)
    return done | counts


def passes(pending: dict[str, list[tuple[str, str]]], rows: dict[str, int], limit: int = PASS_ROWS) -> list[dict]:
    """The pending periods in order, cut into runs of consecutive periods of at most `limit`
    rows landed (a period over it is a pass of its own): each run is one pass of silver."""
    cut: list[dict] = []
    held = 0
    for period in sorted(pending):
        if not cut or held + rows.get(period, 0) > limit:
            cut.append({})
            held = 0
        cut[-1][period] = pending[period]
        held += rows.get(period, 0)
    return cut


def _build_dataset(spark: SparkSession, lake: Lake, catalog: Catalog, dataset: str,
                   pending: dict[str, list[tuple[str, str]]], rows: dict[str, int] | None = None,
                   validation: checks.RuleValidation | None = None) -> dict[str, dict]:
    """`rows` landed per pending period size the session and the passes (unknown: one pass)."""
    rows = rows or {}
    # Its own SQL conf: commit metadata must not leak across threads.
    session = sized_session(spark, sum(rows.values()))
    recorded = committed_counts(session, lake.table(f"silver.{dataset}"), len(pending) + 1)
    counts: dict[str, dict] = {}
    for run in passes(pending, rows):
        counts.update(build_periods(session, lake, catalog, dataset, run, recorded, validation))
    return counts


def build_silver(spark: SparkSession, lake: Lake, catalog: Catalog, parallel: int = 4,
                 validation: checks.RuleValidation | None = None) -> dict[str, dict]:
    """Process every landed batch that silver has not counted yet; returns counts per batch.

    Great Expectations judges every dataset's pass in `validation`, the run's context, whose
    results `checks.rule_validation` renders as Data Docs; without it the run makes its own."""
    validation = validation or checks.RuleValidation()
    # One read of the ledger: the batches to count, and the landings that 可访问性 scores.
    ledger = read_ledger(spark, lake).select("dataset", "period", "system", "batch_id", "rows_read", "rows_landed",
                                            *STREAM, "silvered_at").collect()
    todo = [r for r in ledger if r.silvered_at is None]
    pending: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in todo:
        pending[r.dataset][r.period].append((r.system, r.batch_id))
        rows[r.dataset][r.period] += r.rows_landed or 0
    # A dataset whose suite references another waits for it: its rule then reads the
    # referenced silver with this run's batches merged, however the threads are scheduled.
    # Submitted in build order, every dataset a task waits for was taken up before it.
    started: dict[str, Future] = {}

    def build(dataset: str, first: list[Future]) -> dict[str, dict]:
        for future in first:
            future.result()
        return _build_dataset(spark, lake, catalog, dataset, pending[dataset], rows[dataset], validation)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for dataset in chain.from_iterable(build_order(catalog.suites, sorted(pending))):
            first = [started[d] for d in sorted(referenced(catalog.suites, dataset)) if d in started]
            started[dataset] = pool.submit(build, dataset, first)
        counts = {b: c for d in started for b, c in started[d].result().items()}
    # Scores first: a run killed before the ledger is written redoes both, and scores are
    # added once per batch and rule, so none is lost or counted twice.
    checks.record(spark, lake, catalog, counts, {r.batch_id: (r.dataset, r.system, r.period) for r in todo},
                  {(r.system, r.period) for r in ledger})
    record_silver(spark, lake, [{"batch_id": b, **c} for b, c in counts.items()])
    # The ledger now holds what happened; a batch whose counts do not add up fails the run,
    # so nothing downstream (gold, the evaluation) counts it as if it did.
    check_balanced([r.asDict() | counts[r.batch_id] for r in todo if r.batch_id in counts], "silver")
    return counts
