"""IoT readings through Spark Structured Streaming (connector kind iot_stream).

Devices deliver small JSON Lines files to <sources>/<system>/readings/<day>/. Each run
takes every file that has arrived since the last (trigger availableNow; the checkpoint
under lake/_checkpoints/<system> remembers the files taken and the micro-batches done)
and hands each micro-batch to `_micro_batch`, which:

- keeps apart, in `bronze._rejected_readings` with the reason, the readings it cannot
  place: a line that is not a JSON object, one whose columns differ from the contract
  (missing, or added when its drift policy refuses them; added ones are kept in _extra
  when it allows them), no device, no reading time, or a reading time before
  the watermark (the newest reading time of earlier micro-batches less the connector's
  `watermark`, as Spark's own watermark is computed);
- drops re-sent readings: a device and reading time seen earlier in the micro-batch, or
  already in the system's rows of `bronze.<dataset>` at or after the watermark;
- appends the rest to `bronze.<dataset>` and records the micro-batch's counts and the
  devices heard from in `ledger.stream_batches`, and each file's sha-256 in the commits.

Spark archives the files of a committed micro-batch to <sources>/<system>/_archive/
(cleanSource=archive, under the file's full path) when it starts the next micro-batch,
so a replayed one still finds its files; with trigger availableNow the last micro-batch
of a run is archived by the next run that finds new files.

The watermark and deduplication are applied here rather than by Spark's
withWatermark/dropDuplicatesWithinWatermark: those drop late rows without handing them
to the sink, and report what they dropped only in progress events, which a crash
between a micro-batch and the ledger loses. Here every count is written with the
micro-batch, and every write is idempotent on (stream, micro-batch) through Delta's
txnAppId/txnVersion, so a micro-batch replayed after a crash lands nothing twice.
Several systems stream at once into the same ledger tables (bronze lands datasets in
parallel threads; the systems of one dataset stream one after another, as its table has
one writer at a time): those tables are created before any stream starts, and the device
accounting, which reads before it writes, takes a lock.
"""
from __future__ import annotations

import csv
import json
import logging
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.errors import StreamingQueryException
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog import Catalog
from suizhi.catalog.models import Contract, System
from suizhi.connectors.base import EXTRA, SOURCE_FILE, SOURCE_LINE, Batch, Extracted
from suizhi.errors import SourceError
from suizhi.ingest import with_ingest_metadata
from suizhi.lake import Lake

log = logging.getLogger(__name__)
READINGS, REGISTRY, ARCHIVE = "readings", "devices.csv", "_archive"
RAW, KEYS, MISSING, ADDED, AT, PATH = "_raw", "_keys", "_missing", "_added", "_reading_at", "_path"
TS = "%Y-%m-%d %H:%M:%S"
REJECTED, STREAM_BATCHES, ACTIVITY = "bronze._rejected_readings", "ledger.stream_batches", "ledger.device_activity"
BATCH_SCHEMA = T.StructType([
    T.StructField("system", T.StringType()), T.StructField("stream_batch", T.LongType()),
    T.StructField("batch_id", T.StringType()), T.StructField("period", T.StringType()),
    T.StructField("files", T.LongType()), T.StructField("rows_read", T.LongType()),
    T.StructField("rows_landed", T.LongType()), T.StructField("ingest_duplicates", T.LongType()),
    T.StructField("ingest_rejected", T.LongType()), T.StructField("newest_reading", T.StringType()),
    T.StructField("watermark", T.StringType()), T.StructField("devices", T.ArrayType(T.StringType())),
])
REJECTED_SCHEMA = T.StructType([
    T.StructField("system", T.StringType()), T.StructField("period", T.StringType()),
    T.StructField("stream_batch", T.LongType()), T.StructField("reason", T.StringType()),
    T.StructField("device", T.StringType()), T.StructField("reading_time", T.StringType()),
    T.StructField(SOURCE_FILE, T.StringType()), T.StructField(SOURCE_LINE, T.LongType()),
    T.StructField("record", T.StringType()), T.StructField("rejected_at", T.TimestampType()),
])
ACTIVITY_SCHEMA = T.StructType([
    T.StructField("system", T.StringType()), T.StructField("period", T.StringType()),
    T.StructField("registered", T.LongType()), T.StructField("reported", T.LongType()),
    T.StructField("silent", T.LongType()), T.StructField("silent_devices", T.ArrayType(T.StringType())),
])


class IotStream:
    """The extract step only checks the landing folder and registry: Spark reads while landing."""

    def __init__(self, sources_root: str):
        self.root = Path(sources_root)

    def extract(self, system: System, contract: Contract, period: str) -> Extracted:
        folder = self.root / system.id
        if not (folder / REGISTRY).exists():
            raise SourceError(f"system {system.id}: no device registry {folder / REGISTRY} "
                              f"(columns device_id, device_type, district_code, installed_on)")
        return Extracted(None, -1, {"landing": str(folder / READINGS), "registry": str(folder / REGISTRY),
                                    "archive": str(folder / ARCHIVE), "watermark": system.connector.watermark})

    def purge_delivered(self, system: System, period: str, now: str) -> list[str]:
        """Delete the archived reading files that arrived in the period (their day folder
        names the arrival day, and a month's run lands what arrived in it) once its bronze
        batch is purged. Returns the names deleted, relative to the system's folder."""
        folder = self.root / system.id
        gone = []
        for path in sorted((folder / ARCHIVE).glob(f"**/{READINGS}/{period}-*/*.jsonl")):
            path.unlink()
            gone.append(path.relative_to(folder).as_posix())
        for day in sorted({Path(folder / g).parent for g in gone}):
            if not any(day.iterdir()):
                day.rmdir()
        return gone


_ONE_ACCOUNTANT = threading.Lock()  # device accounting's MERGE reads the table it writes
# The tables every stream writes. bronze.land creates them before streams start in parallel:
# first writes racing to create one conflict.
SHARED_TABLES = ((STREAM_BATCHES, BATCH_SCHEMA), (REJECTED, REJECTED_SCHEMA), (ACTIVITY, ACTIVITY_SCHEMA))


def _app_id(system: str) -> str:
    return f"suizhi-stream-{system}"


def _append(df: DataFrame, path: str, system: str, k: int, meta: dict) -> None:
    """An idempotent append: Delta skips it when this stream's micro-batch k is already in the table."""
    (df.write.format("delta").mode("append").option("mergeSchema", "true")
     .option("txnAppId", _app_id(system)).option("txnVersion", k)
     .option("userMetadata", json.dumps(meta, ensure_ascii=False)).save(path))


def _exists(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def _earlier(spark: SparkSession, lake: Lake, system: str, k: int) -> list:
    path = lake.table(STREAM_BATCHES)
    if not _exists(spark, path):
        return []
    return (spark.read.format("delta").load(path)
            .filter((F.col("system") == system) & (F.col("stream_batch") < k)).collect())


def _micro_batch(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch, df: DataFrame, k: int) -> None:
    from suizhi.governance.grading import grade_bronze
    system = catalog.systems[batch.system]
    contract, cfg = catalog.contracts[system.dataset], system.connector
    names = [c.name for c in contract.columns]
    dev, when = cfg.device_column, cfg.time_column
    newest = max((r.newest_reading for r in _earlier(spark, lake, system.id, k) if r.newest_reading), default=None)
    watermark = ((datetime.strptime(newest, TS) - timedelta(seconds=cfg.watermark_seconds)).strftime(TS)
                 if newest else None)
    line = Window.partitionBy(SOURCE_FILE).orderBy("_order")
    numbered = (df.withColumn("_order", F.monotonically_increasing_id())
                .withColumn(SOURCE_LINE, F.row_number().over(line).cast("long")).drop("_order")
                .filter(F.trim(F.col(RAW)) != ""))
    rows = _parse(numbered, contract).withColumn(AT, F.to_timestamp(F.col(when))).persist()
    files = [r[0] for r in rows.select(SOURCE_FILE).distinct().collect()]
    digests = _sha256(spark, [r[0] for r in df.select(PATH).distinct().collect()])
    late = F.lit(False) if watermark is None else F.col(AT) < F.to_timestamp(F.lit(watermark))
    reason = (F.when(F.col(KEYS).isNull(), "malformed JSON line: not a JSON object")
              .when(F.size(F.col(MISSING)) > 0, F.concat(F.lit("columns missing: "), F.array_join(F.col(MISSING), ", "),
                                                          F.lit(f" (schemas/{contract.dataset}.yaml)")))
              .when((F.size(F.col(ADDED)) > 0) & F.lit(contract.new_columns != "add"),  # a reading is its own batch
                    F.concat(F.lit("unexpected columns: "), F.array_join(F.col(ADDED), ", "),
                             F.lit(f" (schemas/{contract.dataset}.yaml new_columns: {contract.new_columns})")))
              .when(F.col(dev).isNull(), f"no {dev}")
              .when(F.col(AT).isNull(), f"{when} is missing or not a time")
              .when(late, f"late beyond watermark: {when} before {watermark} "
                          f"(newest reading {newest} less {cfg.watermark})"))
    rows = rows.withColumn("_reason", reason)
    kept = rows.filter(F.col("_reason").isNull())
    first = Window.partitionBy(dev, AT).orderBy(SOURCE_FILE, SOURCE_LINE)
    kept = kept.withColumn("_copy", F.row_number().over(first)).filter(F.col("_copy") == 1).drop("_copy")
    path = lake.table(f"bronze.{system.dataset}")
    if _exists(spark, path):
        seen = (spark.read.format("delta").load(path)
                .filter((F.col("_source_system") == system.id) & ~F.col(SOURCE_FILE).isin(files)))
        if watermark is not None:
            seen = seen.filter(F.col(when) >= watermark)  # the raw text first, so Delta can skip files
        seen = seen.select(F.col(dev).alias("_d"), F.to_timestamp(F.col(when)).alias("_t"))
        if watermark is not None:
            seen = seen.filter(F.col("_t") >= F.to_timestamp(F.lit(watermark)))
        kept = kept.join(seen, (kept[dev] == seen["_d"]) & (kept[AT] == seen["_t"]), "left_anti")
    landed = with_ingest_metadata(kept.select(*names, SOURCE_FILE, SOURCE_LINE, EXTRA), batch, names).persist()
    counts = rows.agg(F.count(F.lit(1)).alias("read"), F.count("_reason").alias("rejected"),
                      F.date_format(F.max(AT), "yyyy-MM-dd HH:mm:ss").alias("newest"),
                      F.sort_array(F.collect_set(dev)).alias("devices")).first()
    n_landed = landed.count()
    meta = {"batch_id": batch.batch_id, "stream_batch": k,
            "source": {"files": len(files), "watermark": watermark, "sha256": digests}}
    grades = grade_bronze(spark, path, contract, landed.schema, system.dataset)
    _append(landed, path, system.id, k, {**meta, "rows_read": counts["read"], "grades": grades})
    rejected = rows.filter(F.col("_reason").isNotNull()).select(
        F.lit(system.id).alias("system"), F.lit(batch.period).alias("period"),
        F.lit(k).cast("long").alias("stream_batch"),
        F.col("_reason").alias("reason"), F.col(dev).alias("device"), F.col(when).alias("reading_time"),
        SOURCE_FILE, SOURCE_LINE,
        F.col(RAW).alias("record"),
        F.current_timestamp().alias("rejected_at"))
    if counts["rejected"]:
        _append(rejected, lake.table(REJECTED), system.id, k, meta)
    duplicates = counts["read"] - counts["rejected"] - n_landed
    row = (system.id, k, batch.batch_id, batch.period, len(files), counts["read"], n_landed, duplicates,
           counts["rejected"], counts["newest"], watermark, list(counts["devices"]))
    _append(spark.createDataFrame([row], BATCH_SCHEMA), lake.table(STREAM_BATCHES), system.id, k, meta)
    log.info("%s micro-batch %d: %d readings in %d files, %d landed, %d re-sent dropped, %d kept apart "
             "(watermark %s)", system.id, k, counts["read"], len(files), n_landed, duplicates, counts["rejected"],
             watermark)
    rows.unpersist()
    landed.unpersist()


def _sha256(spark: SparkSession, paths: list[str]) -> dict[str, str]:
    """Each file's sha-256 by name, read by the executors (no shared disk assumed)."""
    if not paths:
        return {}
    found = spark.read.format("binaryFile").load(paths).select(
        F.element_at(F.split("path", "/"), -1).alias("name"), F.sha2("content", 256).alias("sha256")).collect()
    return dict(sorted((r.name, r.sha256) for r in found))


def _parse(lines: DataFrame, contract: Contract) -> DataFrame:
    """Each line's contract columns as raw text, the keys it lacks or adds, and the added ones
    as JSON in _extra when the contract's drift policy keeps them."""
    names = [c.name for c in contract.columns]
    declared = F.array(*[F.lit(n) for n in names])
    schema = T.StructType([T.StructField(n, T.StringType()) for n in names])
    added = F.array_except(F.col(KEYS), declared)
    everything = F.from_json(F.col(RAW), T.MapType(T.StringType(), T.StringType()))
    extra = F.when(F.size(added) > 0, F.to_json(F.map_filter(everything, lambda k, v: F.array_contains(added, k))))
    return (lines.withColumn(KEYS, F.json_object_keys(F.col(RAW)))
            .withColumn("_parsed", F.from_json(F.col(RAW), schema))
            .select(RAW, SOURCE_FILE, SOURCE_LINE, KEYS, *[F.col(f"_parsed.{n}").alias(n) for n in names],
                    F.array_except(declared, F.col(KEYS)).alias(MISSING), added.alias(ADDED),
                    (extra if contract.new_columns == "add" else F.lit(None)).cast("string").alias(EXTRA)))


def _stream(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> None:
    system = catalog.systems[batch.system]
    landing = batch.source["landing"]
    Path(landing).mkdir(parents=True, exist_ok=True)
    readings = (spark.readStream.option("cleanSource", "archive").option("sourceArchiveDir", batch.source["archive"])
                .text(f"{landing}/*/*.jsonl")
                .select(F.col("value").alias(RAW), F.col("_metadata.file_name").alias(SOURCE_FILE),
                        F.col("_metadata.file_path").alias(PATH)))
    query = (readings.writeStream.queryName(f"suizhi_ingest_{system.id}")
             .option("checkpointLocation", lake.checkpoint(system.id)).trigger(availableNow=True)
             .foreachBatch(lambda df, k: _micro_batch(spark, lake, catalog, batch, df, k)).start())
    try:
        query.awaitTermination()
    except StreamingQueryException as exc:
        raise SourceError(f"system {system.id}: streaming ingest of {landing} failed: "
                          f"{str(exc).strip().splitlines()[0]}") from exc


def _registered(registry: str, period: str) -> list[str]:
    """Devices of the registry installed on or before the period's last day."""
    year, month = map(int, period.split("-"))
    end = date(year + month // 12, month % 12 + 1, 1)
    with open(registry, encoding="utf-8", newline="") as fh:
        return sorted(r["device_id"] for r in csv.DictReader(fh) if date.fromisoformat(r["installed_on"]) < end)


def _account_devices(spark: SparkSession, lake: Lake, batch: Batch, batches: list) -> dict:
    """Registered, reported and silent devices of the interval, kept in ledger.device_activity."""
    registered = _registered(batch.source["registry"], batch.period)
    heard = {d for b in batches for d in b.devices}
    silent = sorted(set(registered) - heard)
    activity = {"registered": len(registered), "reported": len(registered) - len(silent), "silent": silent}
    row = spark.createDataFrame([(batch.system, batch.period, len(registered), activity["reported"], len(silent),
                                  silent)], ACTIVITY_SCHEMA)
    table = DeltaTable.forPath(spark, lake.table(ACTIVITY))
    with _ONE_ACCOUNTANT:  # a MERGE reads the table: two at once would conflict
        held = table.toDF().filter((F.col("system") == batch.system) & (F.col("period") == batch.period))
        if held.isEmpty():  # an interval is accounted once; a replay finds it and writes nothing
            (table.alias("a").merge(row.alias("u"), "a.system = u.system AND a.period = u.period")
             .whenNotMatchedInsertAll().execute())
    return activity


def land_stream(spark: SparkSession, lake: Lake, catalog: Catalog, batch: Batch) -> dict:
    """Run the system's stream over what has arrived; the batch's ledger row, with its devices.
    The tables every stream writes (SHARED_TABLES) exist: bronze.land created them."""
    _stream(spark, lake, catalog, batch)
    path = lake.table(STREAM_BATCHES)
    done = (spark.read.format("delta").load(path).filter(F.col("batch_id") == batch.batch_id).collect()
            if _exists(spark, path) else [])
    sums = {f: sum(getattr(b, f) for b in done)
            for f in ("rows_read", "rows_landed", "ingest_duplicates", "ingest_rejected")}
    devices = _account_devices(spark, lake, batch, done)
    log.info("landed %s: %s from %d micro-batches; %d of %d devices silent", batch.batch_id, sums, len(done),
             len(devices["silent"]), devices["registered"])
    return {**{k: v for k, v in batch.to_dict().items() if k != "staged"}, **sums, "devices": devices}
