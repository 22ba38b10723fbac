"""The scorecard governance staff read: scores by department and GB/T 36344 dimension, by
system, the worst rules with masked example failures, the trend by month, and links to
the Great Expectations Data Docs; as HTML readable offline and as an Excel workbook.

Every number is read from `quality.scores` and `quality.results`; nothing is counted twice.
"""
from __future__ import annotations

import html
from functools import reduce
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from suizhi.catalog import Catalog
from suizhi.delta_log import latest_version
from suizhi.lake import Lake
from suizhi.quality.suite import DIMENSIONS
from suizhi.reporting.html import bar_chart, install_assets, line_chart, page, table

WORST = 15
EXAMPLES = 3


def _score(evaluated: int, failed: int) -> float | None:
    return round(100 * (1 - failed / evaluated), 2) if evaluated else None


def _grid(rows, key: str) -> dict[str, dict[str, float | None]]:
    """{key value: {dimension: score %}} from (key, dimension, evaluated, failed) rows."""
    grid: dict[str, dict[str, float | None]] = {}
    for r in rows:
        grid.setdefault(r[key], dict.fromkeys(DIMENSIONS))[r["dimension"]] = _score(r["evaluated"], r["failed"])
    return grid


def _sums(rows: list, key: str) -> list[dict]:
    """Evaluated and failed rows summed per (key, dimension), as a GROUP BY would: nulls are
    skipped, and a sum of nulls alone is null."""
    sums: dict[tuple, list] = {}
    for r in rows:
        acc = sums.setdefault((r[key], r["dimension"]), [None, None])
        for i, column in enumerate(("evaluated", "failed")):
            if r[column] is not None:
                acc[i] = (acc[i] or 0) + r[column]
    return [{key: k, "dimension": d, "evaluated": e, "failed": f} for (k, d), (e, f) in sums.items()]


def _examples(spark: SparkSession, lake: Lake, worst: list[dict]) -> dict[tuple[str, str], list[str]]:
    """Up to EXAMPLES masked failing values per (dataset, rule) from the quarantine: one query
    over the quarantine tables of the worst rules' datasets."""
    frames = []
    for dataset in sorted({w["dataset"] for w in worst}):
        path = lake.table(f"quarantine.{dataset}")
        if latest_version(spark, path) is None:
            continue
        rules = [w["rule"] for w in worst if w["dataset"] == dataset]
        frames.append(spark.read.format("delta").load(path).where(F.col("rule").isin(rules))
                      .select(F.lit(dataset).alias("dataset"), "rule", F.col("failing_value").cast("string")))
    if not frames:
        return {}
    found = (reduce(DataFrame.unionByName, frames).groupBy("dataset", "rule")
             .agg(F.slice(F.sort_array(F.collect_set("failing_value")), 1, EXAMPLES).alias("v")).collect())
    return {(r.dataset, r.rule): list(r.v) for r in found}


def scorecard_data(spark: SparkSession, lake: Lake, catalog: Catalog) -> dict:
    """The figures of the scorecard, as plain data (the test compares them to the tables)."""
    # quality.scores is small (a row per system, dataset, period and dimension): one read,
    # and the three roll-ups are summed here.
    scores = spark.read.format("delta").load(lake.table("quality.scores")).select(
        "department", "system", "period", "dimension", "evaluated", "failed").collect()
    results = spark.read.format("delta").load(lake.table("quality.results"))
    sums = [F.sum("evaluated").alias("evaluated"), F.sum("failed").alias("failed")]
    by_department = _grid(_sums(scores, "department"), "department")
    by_system = _grid(_sums(scores, "system"), "system")
    trend = _grid(_sums(scores, "period"), "period")
    worst = [r.asDict() for r in results.groupBy("dataset", "rule", "dimension", "action").agg(*sums)
             .where("failed > 0").withColumn("score", 1 - F.col("failed") / F.col("evaluated"))
             .orderBy("score", "dataset", "rule").limit(WORST).collect()]
    examples = _examples(spark, lake, worst)
    for w in worst:
        w["score"] = _score(w["evaluated"], w["failed"])
        w["examples"] = examples.get((w["dataset"], w["rule"]), [])
    return {"by_department": by_department, "by_system": by_system, "trend": trend, "worst": worst}


def _rows(grid: dict, names: dict[str, str]) -> list[list]:
    return [[names.get(k, k), k, *[v if v is not None else "—" for v in grid[k].values()]] for k in sorted(grid)]


def _html(data: dict, catalog: Catalog, docs: list[Path], out: Path) -> str:
    departments = {d.id: d.name for d in catalog.departments.values()}
    systems = {s.id: s.name for s in catalog.systems.values()}
    periods = sorted(data["trend"])
    body = ['<p class="note">得分 = 100 × (1 − 不通过行数 / 评估行数)，按 GB/T 36344-2018 六个维度汇总；'
            "可访问性为各系统按期交付批次的比例（每个已运行月份一个批次）；“—”表示该维度暂无规则。</p>",
            "<h2>各部门分维度得分</h2>",
            table(["部门", "编码", *DIMENSIONS], _rows(data["by_department"], departments)),
            bar_chart("dept", "各部门分维度得分", [departments.get(k, k) for k in sorted(data["by_department"])],
                      {d: [data["by_department"][k][d] for k in sorted(data["by_department"])] for d in DIMENSIONS},
                      unit="分"),
            "<h2>质量趋势（按月）</h2>",
            line_chart("trend", "各维度得分趋势", periods,
                       {d: [data["trend"][p][d] for p in periods] for d in DIMENSIONS}, unit="分"),
            "<h2>得分最低的规则</h2>",
            table(["数据集", "规则", "维度", "处置", "评估行数", "不通过行数", "得分", "示例（已脱敏）"],
                  [[w["dataset"], w["rule"], w["dimension"], {"warn": "告警", "quarantine": "隔离", "fail": "中止"}
                    [w["action"]], w["evaluated"], w["failed"], w["score"], "；".join(w["examples"]) or "—"]
                   for w in data["worst"]]),
            "<h2>各系统分维度得分</h2>", table(["系统", "编码", *DIMENSIONS], _rows(data["by_system"], systems))]
    if docs:
        links = "".join(f'<li><a href="{html.escape(str(p.relative_to(out)))}">最近一次 silver 运行据以判定告警与中止的'
                        "校验结果</a></li>" for p in docs)
        body.append(f"<h2>Great Expectations 数据文档</h2><ul>{links}</ul>")
    return page("数据质量评分卡", "\n".join(body))


def _excel(data: dict, catalog: Catalog, path: Path) -> None:
    departments = {d.id: d.name for d in catalog.departments.values()}
    systems = {s.id: s.name for s in catalog.systems.values()}
    book = Workbook()
    sheets = [("部门维度", ["部门", "编码", *DIMENSIONS], _rows(data["by_department"], departments)),
              ("系统维度", ["系统", "编码", *DIMENSIONS], _rows(data["by_system"], systems)),
              ("趋势", ["月份", "月份", *DIMENSIONS], _rows(data["trend"], {})),
              ("最差规则", ["数据集", "规则", "维度", "处置", "评估行数", "不通过行数", "得分", "示例（已脱敏）"],
               [[w["dataset"], w["rule"], w["dimension"], w["action"], w["evaluated"], w["failed"], w["score"],
                 "；".join(w["examples"])] for w in data["worst"]])]
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
    book.save(path)


def write_scorecard(spark: SparkSession, lake: Lake, catalog: Catalog, out: Path) -> dict:
    """Write out/scorecard.html and out/scorecard.xlsx; returns the figures they show."""
    out = Path(out)
    if latest_version(spark, lake.table("quality.scores")) is None:
        return {}
    data = scorecard_data(spark, lake, catalog)
    out.mkdir(parents=True, exist_ok=True)
    install_assets(out)
    docs = sorted(out.glob("gx/index.html"))
    (out / "scorecard.html").write_text(_html(data, catalog, docs, out), encoding="utf-8")
    _excel(data, catalog, out / "scorecard.xlsx")
    return data
