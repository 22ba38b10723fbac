"""Each rule type of a suite as one Spark column: true when the row passes.

The identifier rules restate `suizhi.identifiers` in Spark SQL functions (no Python UDF),
so every rule of a suite is computed in the same single pass over the batch; a test
keeps the two forms in agreement. A missing value passes every rule but `not_null`:
completeness is judged once, by its own rule.
"""
from __future__ import annotations

from itertools import chain

from pyspark.sql import Column
from pyspark.sql import functions as F

from suizhi.identifiers import (CITIZEN_ID_CHECK_CHARS, CITIZEN_ID_WEIGHTS, CREDIT_CODE_ALPHABET,
                                CREDIT_CODE_WEIGHTS, GUANGZHOU_BBOX, GUANGZHOU_DISTRICTS, RETIRED_DISTRICTS)
from suizhi.quality.suite import Expectation

# GB/T 2260 province-level codes: the first two digits of every division code.
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
             "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
             "65", "71", "81", "82")
GUANGZHOU_CODES = tuple(GUANGZHOU_DISTRICTS) + tuple(RETIRED_DISTRICTS)
DISTRICT_NAMES = {**RETIRED_DISTRICTS, **GUANGZHOU_DISTRICTS}
MOBILE = r"^1[3-9][0-9]{9}$"
# Area code 0 + 2 or 3 digits, optional hyphen, a 7- or 8-digit local number not starting 0 or 1.
LANDLINE = r"^0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}$"
CREDIT_CODE_SHAPE = r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$"


def _weighted_sum(values: list[Column], weights: tuple[int, ...]) -> Column:
    return sum((v * w for v, w in zip(values, weights)), F.lit(0))


def citizen_id_ok(value: Column) -> Column:
    """GB 11643: shape, check character (ISO 7064 MOD 11-2), a real birth date, a known division.

    Any GB/T 2260 province is accepted; inside Guangzhou (4401) the district must be a
    current or a retired code.
    """
    digits = [F.substring(value, i + 1, 1).try_cast("int") for i in range(17)]
    check = F.lit(CITIZEN_ID_CHECK_CHARS).substr(_weighted_sum(digits, CITIZEN_ID_WEIGHTS) % 11 + 1, F.lit(1))
    born = F.try_to_timestamp(F.substring(value, 7, 8), F.lit("yyyyMMdd"))
    division = F.substring(value, 1, 6)
    return (value.rlike(r"^[0-9]{17}[0-9X]$")
            & (F.substring(value, 18, 1) == check)
            & born.isNotNull() & (born >= F.lit("1900-01-01").cast("timestamp")) & (born <= F.current_timestamp())
            & F.substring(value, 1, 2).isin(*PROVINCES)
            & (~division.startswith("4401") | division.isin(*GUANGZHOU_CODES)))


def credit_code_ok(value: Column) -> Column:
    """GB 32100: 18 characters of the code's alphabet, digits at 3-8, the mod-31 check character."""
    worth = [F.instr(F.lit(CREDIT_CODE_ALPHABET), F.substring(value, i + 1, 1)) - 1 for i in range(17)]
    total = _weighted_sum(worth, CREDIT_CODE_WEIGHTS)
    check = F.lit(CREDIT_CODE_ALPHABET).substr((F.lit(31) - total % 31) % 31 + 1, F.lit(1))
    return value.rlike(CREDIT_CODE_SHAPE) & (F.substring(value, 18, 1) == check)


def in_guangzhou_ok(lng: Column, lat: Column) -> Column:
    lng_min, lat_min, lng_max, lat_max = GUANGZHOU_BBOX
    return lng.between(lng_min, lng_max) & lat.between(lat_min, lat_max)


def address_in_district_ok(address: Column, district: Column) -> Column:
    """The address names the district its division code stands for (一致性 across two fields)."""
    names = F.create_map(*[F.lit(x) for x in chain.from_iterable(DISTRICT_NAMES.items())])
    name = names[district]
    return name.isNotNull() & (F.instr(address, name) > 0)


def _period_start(period: Column) -> Column:
    return F.to_timestamp(F.concat(period, F.lit("-01")), "yyyy-MM-dd")


def schedule_start(period_start: Column, schedule: Column) -> Column:
    """One interval of a system's schedule before the start of its batch period."""
    return (F.when(schedule == "@daily", period_start - F.make_interval(days=F.lit(1)))
            .when(schedule == "@weekly", period_start - F.make_interval(days=F.lit(7)))
            .when(schedule == "@monthly", F.add_months(period_start, -1).cast("timestamp")))


def timely(e: Expectation, schedules: dict[str, str] | None) -> Column:
    """The record's own time is at most max_lag_days before its batch period and, with
    per_schedule, one interval of its system's schedule more: the lag from the batch's
    interval end to the event time is at most the batch's span plus what the system's
    schedule allows (a daily system delivers yesterday's records today, a monthly one
    last month's)."""
    start = _period_start(F.col("_period"))
    if e.per_schedule:
        if schedules is None:
            raise ValueError(f"rule '{e.rule}' is per_schedule: it needs the systems' schedules")
        of = F.create_map(*[F.lit(x) for x in chain.from_iterable(sorted(schedules.items()))])
        start = schedule_start(start, of[F.col("_source_system")])
    return F.col(e.column) >= start - F.make_interval(days=F.lit(e.max_lag_days or 0))


def found(e: Expectation) -> str:
    """The column `validate.check` joins in for a references rule: true when the value was found."""
    return f"_found_{e.rule}"


def passes(e: Expectation, schedules: dict[str, str] | None = None) -> Column:
    """True when a row passes `e`; a missing value passes every type but not_null.

    `schedules` (system -> '@daily' …) serves per_schedule timeliness rules.
    """
    col = F.col(e.column)
    other = F.col(e.other) if e.other else None
    if e.type == "not_null":
        return col.isNotNull()
    checks = {
        "in_set": lambda: col.isin(*e.values),
        "between": lambda: col.between(e.min if e.min is not None else float("-inf"),
                                       e.max if e.max is not None else float("inf")),
        "citizen_id": lambda: citizen_id_ok(col),
        "credit_code": lambda: credit_code_ok(col),
        "mobile": lambda: col.rlike(MOBILE),
        "landline": lambda: col.rlike(LANDLINE),
        "guangzhou_division": lambda: col.isin(*GUANGZHOU_CODES),
        "in_guangzhou": lambda: in_guangzhou_ok(col, other),
        "timeliness": lambda: timely(e, schedules),
        "not_before": lambda: col >= other,
        "address_in_district": lambda: address_in_district_ok(col, other),
        "references": lambda: F.col(found(e)),
    }
    missing = col.isNull() | (other.isNull() if other is not None else F.lit(False))
    return missing | F.coalesce(checks[e.type](), F.lit(False))
