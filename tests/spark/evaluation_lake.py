"""A lake holding what the yearly evaluation reads, built straight from the simulator's plan.

The ledger is the planned count of every system and month (no record is drawn), the
sources hold the simulation's manifest (what fraction of the declared volume it planned),
the operator's silver table is its calendar, and the gold tables stand in for the gold jobs
with the seed's catalogs: 700 monitoring and 277 warning indicators by domain, the ten
topics, and the 36 reports of 2021.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from suizhi.catalog import Catalog, load_catalog
from suizhi.evaluation.config import load_evaluation
from suizhi.evaluation.report_json import to_json
from suizhi.evaluation.scoring import Measure, score
from suizhi.evaluation.tally import tally
from suizhi.lake import Lake
from suizhi.ledger import SCHEMA as LEDGER_SCHEMA
from suizhi.simulate import operations
from suizhi.simulate.writer import MANIFEST, plan_counts

REPO = Path(__file__).resolve().parents[2]
CATALOG = load_catalog(REPO)
CONFIG = load_evaluation(REPO / "conf" / "evaluation" / "2021.yaml")

MONITORING = {"医疗卫生": 338, "城市管理": 122, "智慧水务": 88, "民生服务": 152}
WARNING = {"城市管理-燃气管理": 32, "应急管理-应急总览": 53, "智慧气象": 73, "交通运行": 11, "新冠疫情": 20,
           "生态环境": 52, "营商环境": 11, "经济运行": 25}
AT = datetime(2022, 1, 5, 9)


def _write(spark: SparkSession, rows: list, schema: T.StructType, path: str, mode: str = "overwrite") -> None:
    spark.createDataFrame(rows, schema).coalesce(1).write.format("delta").mode(mode).save(path)


def write_ledger(spark: SparkSession, lake: Lake, counts: dict, drop: set[tuple[str, str]] = frozenset()) -> int:
    """The ledger of the planned year, without the (system, period) batches in drop; returns rows landed."""
    rows, landed = [], 0
    for sid, s in counts.items():
        for period, m in s["months"].items():
            if (sid, period) in drop:
                continue
            landed += m["rows"]
            # rows read and ingest_duplicates, ingest_rejected: only a streamed system keeps readings out
            rows.append((f"{sid}/{period}", sid, s["dataset"], s["department"], period, m.get("received", m["rows"]),
                         m["rows"], AT, m["inserted"], m["superseded"], m["duplicates"], m["quarantined"], AT,
                         m.get("ingest_duplicates"), m.get("ingest_rejected")))
    _write(spark, rows, LEDGER_SCHEMA, lake.ledger)
    return landed


OPS = T.StructType([T.StructField(n, t) for n, t in (
    ("record_id", T.StringType()), ("kind", T.StringType()), ("level", T.StringType()), ("title", T.StringType()),
    ("started_at", T.TimestampType()), ("duration_minutes", T.LongType()), ("venue_affected", T.BooleanType()),
    ("updated_at", T.TimestampType()))])


def write_operations(spark: SparkSession, lake: Lake, year: int, ops: operations.OperationsYear) -> None:
    """silver.operation_record as silver types it; times are parsed in the session's zone, as conform does."""
    as_text = T.StructType([T.StructField(f.name, T.StringType() if f.dataType == T.TimestampType() else f.dataType)
                            for f in OPS.fields])
    rows = [tuple(r[f.name] for f in OPS.fields) for r in operations.records(year, ops)]
    df = spark.createDataFrame(rows, as_text)
    for name in ("started_at", "updated_at"):
        df = df.withColumn(name, F.to_timestamp(name, "yyyy-MM-dd HH:mm:ss"))
    df.coalesce(1).write.format("delta").mode("overwrite").save(lake.table(f"silver.{operations.DATASET}"))


def _strings(*names: str) -> list[T.StructField]:
    return [T.StructField(n, T.StringType()) for n in names]


INDICATORS = T.StructType(_strings("indicator_id", "name", "kind", "domain", "source_dataset", "unit"))
VALUES = T.StructType(_strings("indicator_id", "period", "dimension")
                      + [T.StructField("value", T.DoubleType()), T.StructField("computed_at", T.TimestampType())])
ACTIVITY = T.StructType(_strings("topic_id", "topic_name", "period") + [T.StructField("rows", T.LongType())])
REPORTS = T.StructType(_strings("report_id", "kind", "period", "topic_id", "title", "path", "formats")
                       + [T.StructField("produced_at", T.TimestampType())])


def write_indicators(spark: SparkSession, lake: Lake, year: int) -> None:
    """The seed's catalogs with a value in the year, plus three retired ones valued only the year before."""
    catalog, values = [], []
    for kind, domains in (("monitoring", MONITORING), ("warning", WARNING)):
        for domain, n in domains.items():
            for i in range(n):
                iid = f"{kind[0]}-{domain}-{i:03d}"
                catalog.append((iid, f"{domain}指标{i}", kind, domain, "hotline_ticket", "个"))
                values += [(iid, f"{year}-{m:02d}", "全市", float(i + m), AT) for m in (6, 12)]
    for i in range(3):
        catalog.append((f"retired-{i}", f"停用指标{i}", "monitoring", "医疗卫生", "hospital_visit", "个"))
        values.append((f"retired-{i}", f"{year - 1}-12", "全市", 1.0, AT))
    _write(spark, catalog, INDICATORS, lake.table("gold.indicators"))
    _write(spark, values, VALUES, lake.table("gold.indicator_values"))


def write_topics_and_reports(spark: SparkSession, lake: Lake, catalog: Catalog, year: int,
                             unreported: set[str] = frozenset(), reports_root: Path | None = None) -> None:
    """Rows for every topic from June; reports: 15 theme reports (主题运营分析报告), a topic report
    each (but unreported), the annual, three quarterly and seven monthly ones; and a report of the
    next year. Each is registered at the path gold gives its page under the reports root, and with
    reports_root its page is written there, holding its title."""
    topics = list(catalog.topics.values())
    _write(spark, [(t.id, t.name, f"{year}-{m:02d}", 100 + m) for t in topics for m in range(6, 13)],
           ACTIVITY, lake.table("gold.topic_activity"))
    reports = [(f"theme-theme{i:02d}-{year}", "theme", str(year), None, f"主题运营分析报告{i}") for i in range(15)]
    reports += [(f"topic-{t.id}", "topic", f"{year}-12", t.id, f"{t.name}专题运营分析报告")
                for t in topics if t.id not in unreported]
    reports += [(f"annual-{year}", "annual", str(year), None, f"{year}年年报")]
    reports += [(f"q-{year}-{q}", "quarterly", f"{year}-Q{q}", None, f"{year}年第{q}季度季报") for q in (2, 3, 4)]
    reports += [(f"m-{year}-{m:02d}", "monthly", f"{year}-{m:02d}", None, f"{year}年{m}月月报") for m in range(6, 13)]
    reports += [(f"m-{year + 1}-01", "monthly", f"{year + 1}-01", None, f"{year + 1}年1月月报")]
    registered = [(*r, f"{r[2][:4]}/operations/{r[1]}/{r[0]}.html", "html", AT) for r in reports]
    _write(spark, registered, REPORTS, lake.table("gold.report_register"))
    for r in registered if reports_root else []:
        page = Path(reports_root) / r[5]
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<!DOCTYPE html><title>{r[4]}</title><h1>{r[4]}</h1>\n", encoding="utf-8")


QUALITY = T.StructType(_strings("department", "system", "dataset", "period", "dimension")
                      + [T.StructField(n, T.LongType()) for n in ("evaluated", "failed")]
                      + [T.StructField("score", T.DoubleType())])


def write_quality(spark: SparkSession, lake: Lake, year: int) -> None:
    """quality.scores as the quality job writes it: per system, period and dimension."""
    rows = [("zsj", "zsj_hotline_12345", "hotline_ticket", f"{year}-{m:02d}", dim, 1000, failed, 1 - failed / 1000)
            for m in (6, 7) for dim, failed in (("完整性", 5), ("规范性", 20), ("时效性", 0))]
    rows.append(("zsj", "zsj_hotline_12345", "hotline_ticket", f"{year - 1}-12", "完整性", 1000, 900, 0.1))
    _write(spark, rows, QUALITY, lake.table("quality.scores"))


def build_year(spark: SparkSession, lake: Lake, catalog: Catalog, sources: Path, year: int = 2021,
               scale: float = 1.0, seed: int = 2021, ops: operations.OperationsYear | None = None,
               drop: set[tuple[str, str]] = frozenset(), unreported: set[str] = frozenset(),
               quality: bool = False, reports_root: Path | None = None) -> dict:
    """Everything the tally reads, the manifest in `sources` too, and with reports_root the
    operation reports' pages; returns the planned manifest, its counts per system and the rows landed."""
    ops = ops or operations.OperationsYear()
    manifest = plan_counts(catalog, year, scale, seed, ops)
    Path(sources).mkdir(parents=True, exist_ok=True)
    (Path(sources) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    counts = manifest["systems"]
    landed = write_ledger(spark, lake, counts, drop)
    write_operations(spark, lake, year, ops)
    write_indicators(spark, lake, year)
    write_topics_and_reports(spark, lake, catalog, year, unreported, reports_root)
    if quality:
        write_quality(spark, lake, year)
    return {"manifest": manifest, "sources": str(sources), "counts": counts, "landed": landed}


def evaluate(spark: SparkSession, lake: Lake, sources: Path, pinned: dict[str, int] | None = None) -> tuple:
    """The tally of 2021 from the lake and the repo's conf, and its evaluation.json data."""
    tallied = tally(spark, lake, CATALOG, 2021, pinned, REPO, sources)
    measures = {name: Measure(**m) for name, m in tallied["measures"].items()}
    return tallied, to_json(score(CONFIG, measures), "zh", tallied)
