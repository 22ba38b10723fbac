"""The month a JDBC read covers, as bounds on the table's watermark column.

A JDBC system's rows carry when they were written at the source, as local time text (or a
DATETIME, which compares with that text); a run reads one month of them, from its first
second to the next month's. The simulator writes each month's rows inside the same bounds.
"""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

TS = "%Y-%m-%d %H:%M:%S"


def month_bounds(period: str) -> tuple[str, str]:
    """[first second of the month, first second of the next) as local time text."""
    year, month = map(int, period.split("-"))
    start = datetime(year, month, 1)
    end = start + timedelta(days=calendar.monthrange(year, month)[1])
    return start.strftime(TS), end.strftime(TS)
