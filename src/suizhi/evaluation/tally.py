"""Tally a year from the lake: every measure of the 自评表 and the drill-downs behind it.

Volumes are sums over the ledger, read as the year's volume at the fraction of the declared
volume the sources hold (`suizhi.evaluation.sampling`; 1 for real sources); indicators,
reports and topics come from gold; support sessions and venue uptime from the operator's
own system in silver; standards from the register in conf/. Every table is read at one
recorded Delta version (`read`), so the same versions give the same tally.
"""
from __future__ import annotations

from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.evaluation import lake_measures as lm
from suizhi.evaluation.sampling import read_sampling, volume, volume_detail
from suizhi.gold.report_plan import load_report_plan
from suizhi.lake import Lake
from suizhi.ledger import STREAM, check_balanced, ensure_ledger
from suizhi.settings import project_home

COUNTS = ["rows_read", "rows_landed", "inserted", "superseded", "duplicates", "quarantined"]
LEDGER = "ledger.batches"


def _rows(df) -> list[dict]:
    return [r.asDict() for r in df.collect()]


def _missing_batches(ledger_rows: list[dict], year: int) -> list[str]:
    """Systems missing batches of months the ledger has reached: the likely cause of a volume shortfall."""
    months: dict[str, set[str]] = {}
    for r in ledger_rows:
        months.setdefault(r["system"], set()).add(r["period"])
    last = max((r["period"] for r in ledger_rows), default=f"{year}-00")
    causes = []
    for system, held in sorted(months.items()):
        gone = [p for p in (f"{year}-{m:02d}" for m in range(1, 13)) if p <= last and p not in held]
        if gone:
            causes.append(f"系统 {system} 缺 {'、'.join(gone)} 批次")
    return causes


def _volumes(spark: SparkSession, reader: lm.VersionedReader, catalog: Catalog, year: int | None) -> tuple:
    ensure_ledger(spark, reader.lake)
    ledger = reader.load(LEDGER)
    if year is None:
        latest = ledger.agg(F.max("period")).first()[0]
        year = int(latest[:4]) if latest else None
    if year is None:
        raise ValueError("the ledger is empty: nothing to evaluate")
    to_date = ledger.where(F.col("period") <= f"{year}-12").agg(F.sum("rows_landed").cast("long")).first()[0]
    ledger = ledger.where(F.col("period").startswith(f"{year}-")).cache()
    # A year whose counted batches do not add up is not scored (DESIGN.md invariant 1).
    check_balanced([r.asDict() for r in ledger.where(F.col("silvered_at").isNotNull())
                    .select("system", "batch_id", *COUNTS, *STREAM).collect()], f"the evaluation of {year}")
    sums = [F.sum(c).cast("long").alias(c) for c in COUNTS]
    volumes = {
        "by_system": _rows(ledger.groupBy("department", "system", "dataset").agg(*sums).orderBy("system")),
        "by_department": _rows(ledger.groupBy("department").agg(*sums).orderBy("department")),
        "by_month": _rows(ledger.groupBy("period").agg(*sums).orderBy("period")),
        "by_department_month": _rows(ledger.groupBy("department", "period").agg(*sums)
                                     .orderBy("department", "period")),
        "by_system_month": _rows(ledger.select("system", "period", *COUNTS).orderBy("system", "period")),
    }
    batches = _rows(ledger.select("system", "period"))
    ledger.unpersist()
    per_system = {r["system"]: r for r in volumes["by_system"]}
    by_topic = []
    for topic in catalog.topics.values():
        systems = sorted(s.id for s in catalog.systems.values() if topic.id in s.topics)
        row = {"topic": topic.id, "name": topic.name, "systems": systems}
        row.update({c: sum(per_system.get(s, {}).get(c) or 0 for s in systems) for c in COUNTS})
        by_topic.append(row)
    volumes["by_topic"] = by_topic
    volumes["departments"] = {d.id: d.name for d in catalog.departments.values()}
    volumes["landed_to_date"] = to_date or 0
    return year, volumes, _missing_batches(batches, year)


def _summary(reader: lm.VersionedReader, catalog: Catalog, volumes: dict, sampling) -> dict:
    """The facts 目标实际完成情况 states at the end of the year: the departments and systems that
    delivered, the IoT devices their registries declare, the records landed to date (read at the
    simulation's fraction like the year's volume) and the vital-sign items gold keeps."""
    landed = {r["system"]: r["department"] for r in volumes["by_system"] if r["rows_landed"]}
    items = reader.load("gold.vital_sign_items")
    return {"departments": len(set(landed.values())), "systems": len(landed),
            "devices": sum(s.connector.devices for s in catalog.systems.values()
                           if s.id in landed and s.connector.kind == "iot_stream"),
            "records_to_date": volume(volumes["landed_to_date"], sampling),
            "vital_sign_items": items.count() if items is not None else None}


def _versions(reader: lm.VersionedReader, tables: set[str]) -> dict[str, int]:
    return {t: reader.read[t] for t in sorted(tables)}


def tally(spark: SparkSession, lake: Lake, catalog: Catalog, year: int | None = None,
          pinned: dict[str, int] | None = None, home: Path | None = None,
          sources: Path | str | None = None) -> dict:
    """The year's measures, drill-downs and the version of every table read; pin versions to reproduce.

    `figures` names, for each measure, the tables it was counted from with their versions
    (the standards' register, a file, has none), so the evaluation's lineage starts from them.
    home is the project folder holding conf/standards.yaml and conf/reports.yaml (SUIZHI_HOME when
    not given); sources the sources root, whose manifest.json says what fraction of the declared
    volume a simulation generated (none, or no sources given: the rows landed are the volume).
    """
    reader = lm.VersionedReader(spark, lake, pinned)
    with reader.noting() as ledger:
        year, volumes, missing = _volumes(spark, reader, catalog, year)
    total = {c: sum(r[c] or 0 for r in volumes["by_system"]) for c in COUNTS}
    sampling = read_sampling(sources, year)
    measures = {
        "records_aggregated": {
            "value": volume(total["rows_landed"], sampling), "unit": "条",
            "detail": {"counts": "records aggregated: rows landed in bronze (the target counts these) over the "
                                 "fraction of the declared volume the sources hold (sampling; 1 for real "
                                 "sources); unique_records are the rows kept in silver",
                       "aggregated_records": total["rows_landed"], "unique_records": total["inserted"],
                       "sampling": volume_detail(total["rows_landed"], sampling),
                       "systems": len(volumes["by_system"]), "departments": len(volumes["by_department"]),
                       "causes": missing}},
    }
    figures = {"records_aggregated": _versions(reader, ledger)}
    topic_names = {t.id: t.name for t in catalog.topics.values()}
    home = Path(home) if home else project_home()
    start = load_report_plan(home).start
    counts = [(lm.indicator_measures, ()), (lm.report_measure, (start,)), (lm.topic_measure, (topic_names,)),
              (lm.operations_measures, ())]
    for count, args in counts:
        with reader.noting() as tables:
            found = count(reader, year, *args)
        measures.update(found)
        figures.update({figure: _versions(reader, tables) for figure in found})
    measures["standards"] = lm.standards_measure(home, year)
    figures["standards"] = {lm.STANDARDS: None} if (home / lm.STANDARDS).exists() else {}
    quality = lm.quality_by_dimension(reader, year)
    summary = _summary(reader, catalog, volumes, sampling)
    return {"year": year, "read": dict(sorted(reader.read.items())), "figures": figures, "totals": total,
            "measures": measures, "quality": quality, "volumes": volumes, "summary": summary}
