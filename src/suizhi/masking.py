"""Masking for display (GB/T 35273-2020 去标识化 by suppression): a shown value keeps only
what a reader needs to tell records apart, never enough to identify the person.

Two forms of the same rules: `mask_value` for Python strings (reports, error messages)
and `mask_column` for Spark columns (quarantine, protected views). A test keeps them equal.
"""
from __future__ import annotations

import re

from pyspark.sql import Column
from pyspark.sql import functions as F

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


def _keep_ends(text: Column, head: int, tail: int) -> Column:
    """Keep `head` and `tail` characters around stars; shorter values become all stars."""
    n = F.char_length(text)
    stars = F.repeat(F.lit("*"), n - head - tail)
    return (F.when(n > head + tail, F.concat(F.substring(text, 1, head), stars, F.substring(text, -tail, tail)))
            .otherwise(F.repeat(F.lit("*"), n)))


def mask_column(column: Column | str, category: str) -> Column:
    """The Spark form of `mask_value`, for a string (or numeric, for locations) column."""
    _check(category)
    col = F.col(column) if isinstance(column, str) else column
    text = col.cast("string")
    if category == "citizen_id":
        masked = _keep_ends(text, 6, 4)
    elif category == "phone":
        masked = _keep_ends(text, 3, 4)
    elif category == "name":
        n = F.char_length(text)
        masked = F.when(n > 1, F.concat(F.substring(text, 1, 1), F.repeat(F.lit("*"), n - 1))).otherwise(F.lit("*"))
    elif category == "address":
        masked = F.concat(F.regexp_extract(text, _ADDRESS_HEAD, 1), F.lit("****"))
    elif category == "plate":
        masked = _keep_ends(text, 2, 2)
    elif category == "location":
        number = text.try_cast("double")
        masked = F.when(number.isNull(), F.lit("****")).otherwise(F.format_number(number, 2))
        masked = F.regexp_replace(masked, ",", "")
    else:
        masked = F.regexp_replace(F.regexp_replace(text, CITIZEN_ID_IN_TEXT, "$1********$2"),
                                  MOBILE_IN_TEXT, "$1****$2")
    return F.when(text.isNull(), F.lit(None).cast("string")).when(text == "", text).otherwise(masked)
