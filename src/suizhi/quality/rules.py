"""Each rule type of a suite as one Spark SQL expression: true when the row passes.

The identifier rules restate `suizhi.identifiers` in Spark SQL (no Python UDF), so every
rule of a suite is computed in the same single pass over the batch; a test keeps the two
forms in agreement. A rule is written as SQL text and parsed once by Spark: building it
from Column calls costs a round trip to the JVM per function and literal, which for a
suite's citizen-ID or timeliness rules came to a tenth of a second each. A missing value
passes every rule but `not_null`: completeness is judged once, by its own rule.
"""
from __future__ import annotations

from suizhi.identifiers import (
    CITIZEN_ID_CHECK_CHARS,
    CITIZEN_ID_WEIGHTS,
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    GUANGZHOU_BBOX,
    GUANGZHOU_DISTRICTS,
    RETIRED_DISTRICTS,
)
from suizhi.quality.suite import Expectation
from suizhi.sqltext import ident, lit

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
# How far before its period start a system's schedule lets a record's own time fall.
SCHEDULE_STEP = {"@daily": "{start} - INTERVAL 1 DAY", "@weekly": "{start} - INTERVAL 7 DAYS",
                 "@monthly": "CAST(add_months({start}, -1) AS TIMESTAMP)"}


def in_list(value: str, values) -> str:
    return f"{value} IN ({', '.join(lit(v) for v in values)})" if values else "FALSE"


def _weighted_sum(values: list[str], weights: tuple[int, ...]) -> str:
    return "(" + " + ".join(f"{v} * {w}" for v, w in zip(values, weights)) + ")"


def citizen_id_sql(value: str) -> str:
    """GB 11643: shape, check character (ISO 7064 MOD 11-2), a real birth date, a known division.

    Any GB/T 2260 province is accepted; inside Guangzhou (4401) the district must be a
    current or a retired code.
    """
    digits = [f"try_cast(substring({value}, {i + 1}, 1) AS INT)" for i in range(17)]
    check = f"substring({lit(CITIZEN_ID_CHECK_CHARS)}, {_weighted_sum(digits, CITIZEN_ID_WEIGHTS)} % 11 + 1, 1)"
    born = f"try_to_timestamp(substring({value}, 7, 8), 'yyyyMMdd')"
    division = f"substring({value}, 1, 6)"
    return (f"({value} RLIKE {lit('^[0-9]{17}[0-9X]$')} AND substring({value}, 18, 1) = {check}"
            f" AND {born} IS NOT NULL AND {born} >= TIMESTAMP'1900-01-01 00:00:00' AND {born} <= current_timestamp()"
            f" AND {in_list(f'substring({value}, 1, 2)', PROVINCES)}"
            f" AND (NOT startswith({division}, '4401') OR {in_list(division, GUANGZHOU_CODES)}))")


def credit_code_sql(value: str) -> str:
    """GB 32100: 18 characters of the code's alphabet, digits at 3-8, the mod-31 check character."""
    alphabet = lit(CREDIT_CODE_ALPHABET)
    worth = [f"(instr({alphabet}, substring({value}, {i + 1}, 1)) - 1)" for i in range(17)]
    check = f"substring({alphabet}, (31 - {_weighted_sum(worth, CREDIT_CODE_WEIGHTS)} % 31) % 31 + 1, 1)"
    return f"({value} RLIKE {lit(CREDIT_CODE_SHAPE)} AND substring({value}, 18, 1) = {check})"


def in_guangzhou_sql(lng: str, lat: str) -> str:
    lng_min, lat_min, lng_max, lat_max = (lit(float(x)) for x in GUANGZHOU_BBOX)
    return f"({lng} BETWEEN {lng_min} AND {lng_max} AND {lat} BETWEEN {lat_min} AND {lat_max})"


def address_in_district_sql(address: str, district: str) -> str:
    """The address names the district its division code stands for (一致性 across two fields)."""
    name = " ".join(f"WHEN {district} = {lit(code)} THEN {lit(n)}" for code, n in DISTRICT_NAMES.items())
    return f"coalesce(instr({address}, CASE {name} END) > 0, FALSE)"


def timely_sql(e: Expectation, schedules: dict[str, str] | None) -> str:
    """The record's own time is at most max_lag_days before its batch period and, with
    per_schedule, one interval of its system's schedule more: the lag from the batch's
    interval end to the event time is at most the batch's span plus what the system's
    schedule allows (a daily system delivers yesterday's records today, a monthly one
    last month's). A system of another schedule, or unknown, fails the rule."""
    start = "to_timestamp(concat(`_period`, '-01'), 'yyyy-MM-dd')"
    if e.per_schedule:
        if schedules is None:
            raise ValueError(f"rule '{e.rule}' is per_schedule: it needs the systems' schedules")
        steps = [f"WHEN {in_list('`_source_system`', sorted(s for s, x in schedules.items() if x == schedule))} "
                 f"THEN {step.format(start=start)}" for schedule, step in SCHEDULE_STEP.items()]
        start = f"(CASE {' '.join(steps)} END)"
    return f"{ident(e.column)} >= {start} - INTERVAL {int(e.max_lag_days or 0)} DAYS"


def found(e: Expectation) -> str:
    """The column `validate.check` joins in for a references rule: true when the value was found."""
    return f"_found_{e.rule}"


def passes_sql(e: Expectation, schedules: dict[str, str] | None = None) -> str:
    """SQL true when a row passes `e`; a missing value passes every type but not_null.

    `schedules` (system -> '@daily' …) serves per_schedule timeliness rules.
    """
    col = ident(e.column)
    other = ident(e.other) if e.other else None
    if e.type == "not_null":
        return f"({col} IS NOT NULL)"
    checks = {
        "in_set": lambda: in_list(col, e.values),
        "between": lambda: " AND ".join(f"{col} {op} {lit(float(bound))}"
                                        for op, bound in ((">=", e.min), ("<=", e.max)) if bound is not None),
        "citizen_id": lambda: citizen_id_sql(col),
        "credit_code": lambda: credit_code_sql(col),
        "mobile": lambda: f"{col} RLIKE {lit(MOBILE)}",
        "landline": lambda: f"{col} RLIKE {lit(LANDLINE)}",
        "guangzhou_division": lambda: in_list(col, GUANGZHOU_CODES),
        "in_guangzhou": lambda: in_guangzhou_sql(col, other),
        "timeliness": lambda: timely_sql(e, schedules),
        "not_before": lambda: f"{col} >= {other}",
        "address_in_district": lambda: address_in_district_sql(col, other),
        "references": lambda: ident(found(e)),
    }
    missing = f"{col} IS NULL" + (f" OR {other} IS NULL" if other else "")
    return f"({missing} OR coalesce({checks[e.type]()}, FALSE))"
