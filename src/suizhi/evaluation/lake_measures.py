"""Measures read from gold, silver and conf: indicators, reports, topics, operations, standards.

Each table is read at one Delta version, recorded in `read`; pinning those versions reads
the same data again. A table that does not exist yet (gold not run) leaves its measures
unmeasured with the reason, never zero.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from suizhi.evaluation.operations import DATASET as OPERATIONS
from suizhi.evaluation.operations import MONTHLY, OUTAGE, SUPPORT, WEEKLY
from suizhi.evaluation.standards import load_standards
from suizhi.gold.report_plan import reported_periods
from suizhi.lake import Lake

LEVELS = ("国家级", "省级", "市级")
STANDARDS = "conf/standards.yaml"   # the register of standards, under the project home


class VersionedReader:
    """Reads lake tables at a pinned or the latest version and remembers which it read.

    A table read twice is read at the version of its first read, so every figure of a tally
    sees the same data; `noting()` collects the tables read while a figure is counted."""

    def __init__(self, spark: SparkSession, lake: Lake, pinned: dict[str, int] | None = None):
        self.spark, self.lake, self.pinned = spark, lake, dict(pinned or {})
        self.read: dict[str, int] = {}
        self._notes: list[set[str]] = []

    def load(self, name: str) -> DataFrame | None:
        path = self.lake.table(name)
        if not DeltaTable.isDeltaTable(self.spark, path):
            return None
        version = self.read.get(name, self.pinned.get(name))
        if version is None:
            version = DeltaTable.forPath(self.spark, path).history(1).first()["version"]
        self.read[name] = int(version)
        for note in self._notes:
            note.add(name)
        return self.spark.read.format("delta").option("versionAsOf", version).load(path)

    @contextmanager
    def noting(self) -> Iterator[set[str]]:
        """The names of the tables loaded inside the block."""
        note: set[str] = set()
        self._notes.append(note)
        try:
            yield note
        finally:
            self._notes.remove(note)


def unmeasured(unit: str, reason: str) -> dict:
    return {"value": None, "unit": unit, "detail": {"reason": reason}}


def _missing(*names: str) -> str:
    return f"未测量：{'、'.join(names)} 尚不存在（gold 尚未运行）"


def indicator_measures(reader: VersionedReader, year: int) -> dict:
    """monitoring_indicators and warning_indicators: distinct indicators of the kind with a value in the year."""
    ind, values = reader.load("gold.indicators"), reader.load("gold.indicator_values")
    if ind is None or values is None:
        reason = _missing(*[n for n, t in (("gold.indicators", ind), ("gold.indicator_values", values)) if t is None])
        return {"monitoring_indicators": unmeasured("个", reason), "warning_indicators": unmeasured("个", reason)}
    valued = values.where(F.col("period").startswith(f"{year}-")).select("indicator_id").distinct()
    rows = [r.asDict() for r in ind.join(valued, "indicator_id").select(
        "indicator_id", "name", "kind", "domain").distinct().orderBy("kind", "domain", "indicator_id").collect()]
    out = {}
    for tally, kind in (("monitoring_indicators", "monitoring"), ("warning_indicators", "warning")):
        mine = [r for r in rows if r["kind"] == kind]
        domains: dict[str, list[str]] = {}
        for r in mine:
            domains.setdefault(r["domain"], []).append(r["indicator_id"])
        out[tally] = {"value": len(mine), "unit": "个", "detail": {
            "counts": f"distinct gold.indicators of kind '{kind}' with a value in gold.indicator_values in {year}",
            "by_domain": {d: len(ids) for d, ids in domains.items()}, "indicators": domains,
            "names": {r["indicator_id"]: r["name"] for r in mine},
            "causes": [f"领域 {d} 仅 {len(ids)} 个"
                       for d, ids in sorted(domains.items(), key=lambda x: len(x[1]))][:3]}}
    return out


def report_measure(reader: VersionedReader, year: int, start: str | None = None) -> dict:
    """analysis_reports: the reports registered for the year, by kind, each with the path of its
    page under the reports root. A month or quarter before the report plan's `start` month is
    not missing."""
    reports = reader.load("gold.report_register")
    if reports is None:
        return {"analysis_reports": unmeasured("份", _missing("gold.report_register"))}
    rows = [r.asDict() for r in reports.where(F.col("period").startswith(str(year)))
            .select("report_id", "kind", "period", "topic_id", "title", "path").distinct()
            .orderBy("kind", "period", "report_id").collect()]
    by_kind: dict[str, int] = {}
    for r in rows:
        by_kind[r["kind"]] = by_kind.get(r["kind"], 0) + 1
    months = {r["period"] for r in rows if r["kind"] == "monthly"}
    quarters = {r["period"] for r in rows if r["kind"] == "quarterly"}
    planned, planned_quarters = reported_periods(start, str(year))
    causes = [f"缺{m}月报" for m in planned if m not in months and months]
    causes += [f"缺{q}季报" for q in planned_quarters if q not in quarters and quarters]
    return {"analysis_reports": {"value": len(rows), "unit": "份", "detail": {
        "counts": f"reports in gold.report_register whose period is in {year}",
        "by_kind": by_kind, "reports": rows, "causes": causes}}}


def topic_measure(reader: VersionedReader, year: int, topic_names: dict[str, str]) -> dict:
    """topics_processed: topics with rows in the year and a topic report registered (its title and path)."""
    activity, reports = reader.load("gold.topic_activity"), reader.load("gold.report_register")
    if reports is None or activity is None:
        names = [n for n, t in (("gold.topic_activity", activity), ("gold.report_register", reports)) if t is None]
        return {"topics_processed": unmeasured("个", _missing(*names))}
    with_rows = {r["topic_id"]: r["rows"] for r in activity.where(F.col("period").startswith(f"{year}-"))
                 .groupBy("topic_id").agg(F.sum("rows").cast("long").alias("rows")).collect() if r["rows"]}
    reported = {r["topic_id"]: {"report_id": r["report_id"], "title": r["title"], "path": r["path"]}
                for r in reports.where(F.col("period").startswith(str(year)) & (F.col("kind") == "topic"))
                .select("topic_id", "report_id", "title", "path").orderBy("period", "report_id").collect()}
    done = sorted(t for t in with_rows if t in reported)
    causes = [f"专题{topic_names.get(t, t)}" + ("无数据" if t not in with_rows else "无专题报告")
              for t in topic_names if t not in done]
    return {"topics_processed": {"value": len(done), "unit": "个", "detail": {
        "counts": f"topics with rows in gold.topic_activity in {year} and a topic report registered",
        "topics": [topic_names.get(t, t) for t in done], "rows": {topic_names.get(t, t): with_rows[t] for t in done},
        "reports": {topic_names.get(t, t): reported[t] for t in done},
        "causes": causes}}}


def operations_measures(reader: VersionedReader, year: int) -> dict:
    """major_event_support by level, and venue_uptime from inspections and outages (silver.operation_record)."""
    name = f"silver.{OPERATIONS}"
    ops = reader.load(name)
    if ops is None:
        reason = f"未测量：{name} 尚不存在（运营管理系统尚未接入）"
        return {"major_event_support": unmeasured("次", reason), "venue_uptime": unmeasured("%", reason)}
    rows = [r.asDict() for r in ops.where(F.year("started_at") == year).select(
        "record_id", "kind", "level", "title", F.date_format("started_at", "yyyy-MM-dd HH:mm").alias("started_at"),
        "duration_minutes", "venue_affected").orderBy("started_at", "record_id").collect()]
    events = [r for r in rows if r["kind"] == SUPPORT]
    out = {"major_event_support": {"value": len(events), "unit": "次", "detail": {
        "counts": f"support sessions (kind {SUPPORT}) in {name} in {year}",
        "by_level": {lv: sum(1 for e in events if e["level"] == lv) for lv in LEVELS},
        "events": [{k: e[k] for k in ("record_id", "started_at", "level", "title")} for e in events],
        "causes": [f"{m}月无保障" for m in range(1, 13)
                   if events and not any(e["started_at"][5:7] == f"{m:02d}" for e in events)]}}}
    inspections = [r for r in rows if r["kind"] in (MONTHLY, WEEKLY)]
    if not inspections:
        out["venue_uptime"] = unmeasured("%", f"未测量：{year}年无场地巡检记录（场地尚未投入运营）")
        return out
    first = min(int(r["started_at"][5:7]) for r in inspections)
    minutes = sum(calendar.monthrange(year, m)[1] for m in range(first, 13)) * 24 * 60
    outages = [r for r in rows if r["kind"] == OUTAGE and r["venue_affected"]]
    down = sum(r["duration_minutes"] for r in outages)
    out["venue_uptime"] = {"value": round((minutes - down) / minutes * 100, 4), "unit": "%", "detail": {
        "counts": "(operating minutes − outage minutes affecting the venue) / operating minutes, "
                  f"from {year}-{first:02d}",
        "operating_from": f"{year}-{first:02d}", "operating_minutes": minutes, "outage_minutes": down,
        "inspections": {MONTHLY: sum(1 for r in inspections if r["kind"] == MONTHLY),
                        WEEKLY: sum(1 for r in inspections if r["kind"] == WEEKLY)},
        "outages": [{k: r[k] for k in ("record_id", "started_at", "duration_minutes", "title")} for r in outages],
        "causes": [f"{r['started_at']} {r['title']} {r['duration_minutes']}分钟" for r in outages]}}
    return out


def standards_measure(home: Path, year: int) -> dict:
    """standards: the register conf/standards.yaml, those issued by the end of the year."""
    path = home / STANDARDS
    if not path.exists():
        return unmeasured("份", f"未测量：{path} 不存在（标准规范登记表）")
    register = load_standards(path)
    issued = [s for s in register if s.issued <= year]
    return {"value": len(issued), "unit": "份", "detail": {
        "counts": "standards in conf/standards.yaml issued by the end of the year",
        "standards": [{"name": s.name, "issued": s.issued, "implemented_by": s.implemented_by} for s in issued],
        "implemented_in_repo": sum(1 for s in issued if s.implemented_by and (home / s.implemented_by).exists()),
        "implementation_missing": [s.implemented_by for s in issued
                                   if s.implemented_by and not (home / s.implemented_by).exists()],
        "causes": [f"{s.name}（{s.issued}年发布）" for s in register if s.issued > year]}}


def quality_by_dimension(reader: VersionedReader, year: int) -> dict:
    """Score per GB/T 36344 dimension over the year, 1 − failed / evaluated, from quality.scores."""
    scores = reader.load("quality.scores")
    if scores is None or not {"dimension", "period", "evaluated", "failed"} <= set(scores.columns):
        return {"value": None, "detail": {"reason": "未测量：quality.scores 尚不存在"}}
    rows = (scores.where(F.col("period").startswith(f"{year}-")).groupBy("dimension")
            .agg(F.sum("evaluated").alias("evaluated"), F.sum("failed").alias("failed"))
            .where(F.col("evaluated") > 0).orderBy("dimension").collect())
    return {"value": {r["dimension"]: round(1 - r["failed"] / r["evaluated"], 4) for r in rows},
            "detail": {"evaluated": {r["dimension"]: r["evaluated"] for r in rows}}}
