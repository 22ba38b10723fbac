"""Conform raw bronze strings to a dataset's contract, naming every field that will not fit."""
from __future__ import annotations

from pyspark.sql import Column as SqlColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from suizhi.catalog.models import Column, Contract

SPARK_TYPES = {"string": "string", "integer": "bigint", "double": "double",
               "boolean": "boolean", "date": "date", "timestamp": "timestamp"}


def _raw(name: str) -> SqlColumn:
    """The raw value, trimmed; an empty string is a missing value."""
    trimmed = F.trim(F.col(name))
    return F.when(trimmed == "", F.lit(None)).otherwise(trimmed)


def typed(col: Column) -> SqlColumn:
    raw = _raw(col.name)
    if col.type == "string":
        return raw
    if col.type == "boolean":
        low = F.lower(raw)
        return (F.when(low.isin("true", "1", "是"), F.lit(True))
                 .when(low.isin("false", "0", "否"), F.lit(False)))
    return F.expr(f"try_cast(trim(`{col.name}`) AS {SPARK_TYPES[col.type]})")


def problem(col: Column) -> SqlColumn:
    """Why a raw value cannot conform, or null when it can."""
    raw = _raw(col.name)
    value = typed(col)
    bad_type = raw.isNotNull() & value.isNull()
    message = F.concat(F.lit(f"{col.name}: '"), F.substring(raw, 1, 40), F.lit(f"' is not a valid {col.type}"))
    checks = F.when(bad_type, message)
    if col.required:
        checks = F.when(raw.isNull(), F.lit(f"{col.name}: required value is missing")).otherwise(checks)
    return checks


def conform(raw: DataFrame, contract: Contract) -> DataFrame:
    """Typed contract columns, the ingest metadata, and `_problems` (empty when the row conforms)."""
    problems = F.filter(F.array(*[problem(c) for c in contract.columns]), lambda p: p.isNotNull())
    meta = [c for c in raw.columns if c.startswith("_")]
    return raw.select(
        *[typed(c).alias(c.name) for c in contract.columns],
        *meta,
        problems.alias("_problems"),
        F.to_json(F.struct(*[F.col(c.name) for c in contract.columns])).alias("_raw_record"),
    )
