"""Draw the values of one planned row from its contract's simulation hints.

Values depend only on (seed, system, key, version), so an exact duplicate is drawn
again identically and a later version differs from its original in its update time and
one business field.
"""
from __future__ import annotations

import calendar
import random
from datetime import datetime, timedelta

from suizhi.catalog.models import Column, Contract
from suizhi.simulate import fakes
from suizhi.simulate.people import plant_identifiers, share_person
from suizhi.simulate.plan import BAD_CITIZEN_ID_RATE, DEFECT_RATE, Row

TS = "%Y-%m-%d %H:%M:%S"


def _event_time(rng: random.Random, year: int, month: int) -> datetime:
    if month == 0:  # a late arrival in January would belong to the previous year
        year, month = year - 1, 12
    days = calendar.monthrange(year, month)[1]
    start = datetime(year, month, 1)
    return start + timedelta(seconds=rng.randrange(days * 86400))


def _value(rng: random.Random, col: Column, ctx: dict, seq: str):
    sim = col.simulate
    kind = sim.kind
    if kind == "key":
        return f"{sim.prefix or ''}{seq}"
    if kind == "citizen_id":
        ok = rng.random() >= BAD_CITIZEN_ID_RATE or "defect" in ctx
        ctx.update({} if ok else {"defect": "citizen_id"})
        return fakes.citizen_id(rng, valid=ok)
    if kind == "person_name":
        return fakes.person_name(rng)
    if kind == "mobile":
        return fakes.mobile(rng)
    if kind == "district_code":
        return ctx["district"]
    if kind == "lng":
        return ctx["coordinate"][0]
    if kind == "lat":
        return ctx["coordinate"][1]
    if kind == "event_time":
        return ctx["event_time"].strftime(TS)
    if kind == "update_time":
        return ctx["updated_at"].strftime(TS)
    if kind == "date":
        return (ctx["event_time"] - timedelta(days=rng.randrange(0, 365))).strftime("%Y-%m-%d")
    if kind == "choice":
        return rng.choice(sim.values)
    if kind == "integer":
        return rng.randint(int(sim.min), int(sim.max))
    if kind == "number":
        return round(rng.uniform(sim.min, sim.max), sim.decimals if sim.decimals is not None else 2)
    if kind == "text":
        return fakes.free_text(rng)
    if kind == "plate":
        return fakes.plate(rng)
    if kind == "address":
        return fakes.address(rng, ctx["district"])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "device_id":
        return fakes.device_id(ctx["device_rng"], sim.prefix or "DEV")
    if kind == "credit_code":
        ok = rng.random() >= BAD_CITIZEN_ID_RATE or "defect" in ctx
        ctx.update({} if ok else {"defect": "credit_code"})
        return fakes.credit_code(rng, valid=ok)
    raise ValueError(f"column '{col.name}': unknown simulation kind '{kind}'")


def _revise(rng: random.Random, contract: Contract, record: dict) -> None:
    """Change one business field, as a later update of the same record would."""
    fixed = set(contract.business_key) | {contract.version_column, contract.event_time_column}
    for col in contract.columns:
        if col.name in fixed:
            continue
        if col.simulate.kind == "choice" and len(col.simulate.values) > 1:
            others = [v for v in col.simulate.values if v != record[col.name]]
            record[col.name] = rng.choice(others)
            return
        if col.simulate.kind in ("integer", "number"):
            record[col.name] = _value(rng, col, {}, "")
            return


def _break(rng: random.Random, contract: Contract, record: dict) -> str:
    """Inject one defect the contract must catch; returns the field it breaks."""
    typed = [c for c in contract.columns if c.type in ("integer", "double", "timestamp", "date")
             and c.name not in contract.business_key]
    choice = rng.randrange(3)
    if choice == 0:
        name = contract.business_key[0]
        record[name] = None
    elif choice == 1 and typed:
        col = rng.choice(typed)
        name = col.name
        record[name] = "2021-02-30 25:61:00" if col.type in ("timestamp", "date") else "N/A"
    else:
        name = contract.event_time_column
        record[name] = "未知"
    return name


def _inject(rng: random.Random, contract: Contract, record: dict) -> str | None:
    """Give a record at most one of the defects its columns allow; returns the rule type it breaks."""
    names = {c.simulate.kind: c.name for c in contract.columns}
    options = [kind for kind in ("mobile", "district_code", "lng")
               if kind in names and (kind != "lng" or "lat" in names)]
    draw = rng.random()
    if draw >= DEFECT_RATE * len(options):
        return None
    kind = options[int(draw / DEFECT_RATE)]
    if kind == "mobile":
        record[names["mobile"]] = record[names["mobile"]][:-1]         # ten digits
        return "mobile"
    if kind == "district_code":
        record[names["district_code"]] = "440199"                     # no such district
        return "guangzhou_division"
    record[names["lng"]], record[names["lat"]] = 116.397428, 39.90923  # Beijing
    return "in_guangzhou"


def draw(seed: int, year: int, system: str, contract: Contract, row: Row) -> tuple[dict, dict]:
    """The record for a planned row, and what it carries: the rule type its defect breaks, if any.

    Defects depend only on the key, so every copy and version of a record carries the same.
    """
    rng = random.Random(f"{seed}:{system}:{row.key}")
    ctx: dict = {}
    ctx["district"] = fakes.district_code(rng)
    ctx["coordinate"] = fakes.coordinate(rng, ctx["district"])
    ctx["event_time"] = _event_time(rng, year, row.month)
    ctx["updated_at"] = ctx["event_time"] + timedelta(seconds=rng.randrange(60, 48 * 3600))
    ctx["device_rng"] = random.Random(f"{seed}:{system}:device:{row.key % 97}")
    seq = f"{year}{row.key:08d}"
    record = {col.name: _value(rng, col, ctx, seq) for col in contract.columns}
    share_person(seed, system, row.key, contract, record)
    ctx["identifiers_in_text"] = plant_identifiers(seed, system, row.key, contract, record)
    if row.version:
        revision = random.Random(f"{seed}:{system}:{row.key}:v{row.version}")
        later = ctx["updated_at"] + timedelta(seconds=revision.randrange(3600, 10 * 86400))
        record[contract.version_column] = later.strftime(TS)
        _revise(revision, contract, record)
    defect = ctx.get("defect") or _inject(random.Random(f"{seed}:{system}:{row.key}:defect"), contract, record)
    counters = {"defect": None if row.invalid else defect, "identifiers_in_text": ctx["identifiers_in_text"]}
    if row.invalid:
        counters["broken_field"] = _break(rng, contract, record)
    return record, counters
