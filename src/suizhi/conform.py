"""Conform raw bronze strings to a dataset's contract, naming every field that will not fit."""
from __future__ import annotations

from pyspark.sql import DataFrame

from suizhi.catalog.models import Column, Contract
from suizhi.sqltext import ident, lit

SPARK_TYPES = {"string": "string", "integer": "bigint", "double": "double",
               "boolean": "boolean", "date": "date", "timestamp": "timestamp"}


def _raw(name: str) -> str:
    """The raw value, trimmed; an empty string is a missing value."""
    return f"nullif(trim({ident(name)}), '')"


def typed(col: Column) -> str:
    raw = _raw(col.name)
    if col.type == "string":
        return raw
    if col.type == "boolean":
        low = f"lower({raw})"
        return f"CASE WHEN {low} IN ('true', '1', '是') THEN TRUE WHEN {low} IN ('false', '0', '否') THEN FALSE END"
    return f"try_cast(trim({ident(col.name)}) AS {SPARK_TYPES[col.type]})"


def problem(col: Column) -> str:
    """Why a raw value cannot conform, or null when it can."""
    raw = _raw(col.name)
    head, tail = lit(f"{col.name}: '"), lit(f"' is not a valid {col.type}")
    message = f"concat({head}, substring({raw}, 1, 40), {tail})"
    checks = f"CASE WHEN {raw} IS NOT NULL AND ({typed(col)}) IS NULL THEN {message} END"
    if col.required:
        checks = f"CASE WHEN {raw} IS NULL THEN {lit(col.name + ': required value is missing')} ELSE {checks} END"
    return checks


def conform(raw: DataFrame, contract: Contract) -> DataFrame:
    """Typed contract columns, the ingest metadata, and `_problems` (empty when the row conforms).

    One projection written as SQL text, which Spark parses in one call (see `suizhi.sqltext`).
    """
    problems = f"filter(array({', '.join(problem(c) for c in contract.columns)}), p -> p IS NOT NULL)"
    record = ", ".join(f"{lit(c.name)}, {ident(c.name)}" for c in contract.columns)
    return raw.selectExpr(
        *[f"{typed(c)} AS {ident(c.name)}" for c in contract.columns],
        *[ident(c) for c in raw.columns if c.startswith("_")],
        f"{problems} AS `_problems`",
        f"to_json(named_struct({record})) AS `_raw_record`",
    )
