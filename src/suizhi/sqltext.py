"""Spark SQL text from Python names and values.

Expressions built from Column calls cost a round trip to the JVM per function and literal;
a rule or a mask written as SQL text is parsed by Spark in one call (`F.expr`,
`DataFrame.selectExpr`). These two helpers keep that text safe to parse.
"""
from __future__ import annotations


def ident(name: str) -> str:
    """A column name as SQL text."""
    return "`" + name.replace("`", "``") + "`"


def lit(value: str | float) -> str:
    """A string or a float as a SQL literal (strings escaped for Spark's default string parsing)."""
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"
