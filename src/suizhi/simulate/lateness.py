"""Which simulated records a schedule-following timeliness rule counts late.

The plan sends late arrivals (last month's records in this month's drop) and later
copies and versions of earlier records; whether each is late depends on the system's
schedule, which the simulator knows as well as the rule does. The count is ground truth
for `warned_by.timeliness` in the manifest.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from suizhi.quality.suite import Expectation

SCHEDULE_DAYS = {"@daily": 1, "@weekly": 7}


def allowed_from(period: str, schedule: str, grace_days: int) -> datetime:
    """The earliest own time a batch of `period` may carry on this schedule."""
    start = datetime.strptime(f"{period}-01", "%Y-%m-%d")
    if schedule == "@monthly":
        earlier = (start - timedelta(days=1)).replace(day=1)
    else:
        earlier = start - timedelta(days=SCHEDULE_DAYS[schedule])
    return earlier - timedelta(days=grace_days)


def is_late(record: dict, rule: Expectation, period: str, schedule: str) -> bool:
    value = record.get(rule.column)
    if value is None:
        return False
    return datetime.fromisoformat(str(value)) < allowed_from(period, schedule, rule.max_lag_days or 0)
