"""Conform raw bronze strings to a dataset's contract, naming every field that will not fit."""
from __future__ import annotations

from pyspark.sql import DataFrame

from suizhi.catalog.models import Column, Contract
from suizhi.sqltext import ident, lit

SPARK_TYPES = {"string": "string", "integer": "bigint", "double": "double",
               "boolean": "boolean", "date": "date", "timestamp": "timestamp"}


def raw_text(name: str, quote=ident) -> str:
    """The raw value, trimmed; an empty string is a missing value. `quote` quotes the column
    name for the SQL dialect (Spark's by default; the bench's DuckDB anchor passes its own)."""
    return f"nullif(trim({quote(name)}), '')"


def typed(col: Column, quote=ident) -> str:
    raw = raw_text(col.name, quote)
    if col.type == "string":
        return raw
    if col.type == "boolean":
        low = f"lower({raw})"
        return f"CASE WHEN {low} IN ('true', '1', '是') THEN TRUE WHEN {low} IN ('false', '0', '否') THEN FALSE END"
    return f"try_cast(trim({quote(col.name)}) AS {SPARK_TYPES[col.type]})"


def problem(col: Column) -> str:
    """Why a raw value cannot conform, or null when it can."""
    raw = raw_text(col.name)
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
