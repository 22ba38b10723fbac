"""Early warning: turn each warning indicator's values, period by period, into alert events.

A value's level is the highest of 蓝 < 黄 < 橙 < 红 whose threshold it reaches (or, for a
"below" indicator, falls to). An alert is raised at its first level and escalated when a
later value reaches a higher one. Against flapping, it never steps down and clears only
after `clear_after` consecutive periods that are calm, meaning beyond the 蓝 threshold by
the hysteresis band; a period without a value tells nothing and leaves the count as is.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from suizhi.gold.declarations import LEVELS, Indicator, Warning
from suizhi.lake import Lake

ALERTS_SCHEMA = T.StructType([
    T.StructField("indicator_id", T.StringType(), False), T.StructField("period", T.StringType(), False),
    T.StructField("dimension", T.StringType(), False), T.StructField("level", T.StringType(), False),
    T.StructField("event", T.StringType(), False), T.StructField("value", T.DoubleType(), False),
    T.StructField("threshold", T.DoubleType(), False), T.StructField("raised_at", T.TimestampType(), False)])


def level_of(value: float, rule: Warning) -> str | None:
    """The highest level the value reaches, or None."""
    reached = None
    for level in LEVELS:
        limit = rule.thresholds[level]
        if (value >= limit) if rule.direction == "above" else (value <= limit):
            reached = level
    return reached


def is_calm(value: float, rule: Warning) -> bool:
    """Beyond the 蓝 threshold by the hysteresis band, on the safe side."""
    blue = rule.thresholds["蓝"]
    band = abs(blue) * rule.hysteresis
    return value < blue - band if rule.direction == "above" else value > blue + band


def period_end(period: str) -> datetime:
    """When a monthly period closes: the first moment of the next month, city time."""
    year, month = map(int, period.split("-"))
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def events_of(series: list[tuple[str, float]], rule: Warning) -> list[tuple[str, str, str, float, float]]:
    """(period, level, event, value, threshold) for one indicator slice; series sorted by period."""
    out = []
    active: str | None = None
    calm = 0
    for period, value in series:
        level = level_of(value, rule)
        if level is not None and (active is None or LEVELS.index(level) > LEVELS.index(active)):
            out.append((period, level, "raised" if active is None else "escalated", value, rule.thresholds[level]))
            active, calm = level, 0
        elif active is not None:
            calm = calm + 1 if is_calm(value, rule) else 0
            if calm >= rule.clear_after:
                out.append((period, active, "cleared", value, rule.thresholds[active]))
                active, calm = None, 0
    return out


def evaluate_alerts(indicators: list[Indicator], values: list[tuple[str, str, str, float]]) -> list[tuple]:
    """gold.alerts rows from (indicator_id, period, dimension, value) of every period held."""
    rules = {i.id: i.warning for i in indicators if i.warning is not None}
    series: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for indicator_id, period, dimension, value in values:
        if indicator_id in rules and value is not None:
            series[(indicator_id, dimension)].append((period, value))
    rows = []
    for (indicator_id, dimension), points in sorted(series.items()):
        for period, level, event, value, threshold in events_of(sorted(points), rules[indicator_id]):
            rows.append((indicator_id, period, dimension, level, event, value, threshold, period_end(period)))
    return rows


def write_alerts(spark: SparkSession, lake: Lake, indicators: list[Indicator]) -> int:
    """Re-derive gold.alerts from every warning value held; the same values give the same table."""
    warning_ids = [i.id for i in indicators if i.warning is not None]
    held = (spark.read.format("delta").load(lake.table("gold.indicator_values"))
            .where("indicator_id IN (" + ", ".join(f"'{i}'" for i in warning_ids) + ")")
            .select("indicator_id", "period", "dimension", "value").collect()) if warning_ids else []
    rows = evaluate_alerts(indicators, [tuple(r) for r in held])
    (spark.createDataFrame(rows, ALERTS_SCHEMA).coalesce(1).write.format("delta").mode("overwrite")
     .option("overwriteSchema", "true").save(lake.table("gold.alerts")))
    return len(rows)
