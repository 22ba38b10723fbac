"""Masking for display (GB/T 35273-2020 去标识化 by suppression): a shown value keeps only
what a reader needs to tell records apart, never enough to identify the person.

Two forms of the same rules: `mask_value` for Python strings (reports, error messages)
and `mask_sql` (`mask_column`) for Spark columns (quarantine, protected views). A test keeps
them equal.
"""
from __future__ import annotations

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

from suizhi.sqltext import ident, lit

CATEGORIES = ("citizen_id", "phone", "name", "address", "plate", "location", "free_text")
# An 18-character citizen ID or an 11-digit mainland mobile number inside free text.
CITIZEN_ID_IN_TEXT = r"(?<![0-9])([1-9][0-9]{5})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9Xx])"
MOBILE_IN_TEXT = r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])"
_ADDRESS_HEAD = r"^(.*?(?:区|县|县级市))"


class UnknownCategory(ValueError):
    """A personal-information category this module does not know how to mask."""


def _check(category: str) -> None:
    if category not in CATEGORIES:
        raise UnknownCategory(f"unknown personal-information category {category!r}; expected one of {CATEGORIES}")


def mask_value(value, category: str):
    """The display form of one value: 440106********123X, 138****5678, 张**, 广州市天河区****."""
    _check(category)
    if value is None:
        return None
    text = str(value)
    if text == "":
        return text
    if category == "citizen_id":
        return text[:6] + "*" * max(len(text) - 10, 0) + text[-4:] if len(text) > 10 else "*" * len(text)
    if category == "phone":
        return text[:3] + "*" * max(len(text) - 7, 0) + text[-4:] if len(text) > 7 else "*" * len(text)
    if category == "name":
        return text[:1] + "*" * (len(text) - 1) if len(text) > 1 else "*"
    if category == "address":
        head = re.match(_ADDRESS_HEAD, text)
        return (head.group(1) if head else "") + "****"
    if category == "plate":
        return text[:2] + "*" * max(len(text) - 4, 0) + text[-2:] if len(text) > 4 else "*" * len(text)
    if category == "location":
        try:
            return f"{float(text):.2f}"
        except ValueError:
            return "****"
    masked = re.sub(CITIZEN_ID_IN_TEXT, r"\1********\2", text)
    return re.sub(MOBILE_IN_TEXT, r"\1****\2", masked)


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters around stars; shorter values become all stars."""
    n = f"char_length({text})"
    return (f"CASE WHEN {n} > {head + tail} THEN concat(substring({text}, 1, {head}), "
            f"repeat('*', {n} - {head + tail}), substring({text}, -{tail}, {tail})) ELSE repeat('*', {n}) END")


def mask_sql(value: str, category: str) -> str:
    """The Spark SQL form of `mask_value`, for a string (or numeric, for locations) SQL expression."""
    _check(category)
    text = f"CAST({value} AS STRING)"
    if category == "citizen_id":
        masked = _keep_ends(text, 6, 4)
    elif category == "phone":
        masked = _keep_ends(text, 3, 4)
    elif category == "name":
        n = f"char_length({text})"
        masked = f"CASE WHEN {n} > 1 THEN concat(substring({text}, 1, 1), repeat('*', {n} - 1)) ELSE '*' END"
    elif category == "address":
        masked = f"concat(regexp_extract({text}, {lit(_ADDRESS_HEAD)}, 1), '****')"
    elif category == "plate":
        masked = _keep_ends(text, 2, 2)
    elif category == "location":
        number = f"try_cast({text} AS DOUBLE)"
        masked = f"CASE WHEN {number} IS NULL THEN '****' ELSE regexp_replace(format_number({number}, 2), ',', '') END"
    else:
        masked = (f"regexp_replace(regexp_replace({text}, {lit(CITIZEN_ID_IN_TEXT)}, '$1********$2'), "
                  f"{lit(MOBILE_IN_TEXT)}, '$1****$2')")
    return f"CASE WHEN {text} IS NULL THEN CAST(NULL AS STRING) WHEN {text} = '' THEN {text} ELSE {masked} END"


def mask_column(name: str, category: str) -> Column:
    """`mask_sql` of the column `name`, as a column."""
    return F.expr(mask_sql(ident(name), category))
