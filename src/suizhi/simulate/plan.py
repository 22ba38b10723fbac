"""The simulator's plan for one system and year: which rows each monthly drop carries.

A plan is decided before any value is drawn, so the ground truth it reports (new keys,
exact duplicates, superseded versions, invalid rows, late arrivals) is exact by
construction and matches what the silver job must find.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

DUPLICATE_RATE = 0.02
REVISION_RATE = 0.03
INVALID_RATE = 0.005
LATE_RATE = 0.01
BAD_CITIZEN_ID_RATE = 0.01
# Each of the other defects the quality rules quarantine (a malformed mobile number, a
# division code outside Guangzhou, a point outside the city) strikes a record at this rate.
DEFECT_RATE = 0.005


@dataclass
class Row:
    """One row as planned: a record (key index and version) or an injected defect."""

    key: int
    version: int = 0
    month: int = 0          # month of its event time
    duplicate: bool = False
    invalid: bool = False


@dataclass
class MonthPlan:
    month: int
    rows: list[Row] = field(default_factory=list)
    inserted: int = 0
    duplicates: int = 0
    superseded: int = 0
    invalid: int = 0
    late: int = 0

    def truth(self) -> dict[str, int]:
        return {
            "rows": len(self.rows), "inserted": self.inserted, "duplicates": self.duplicates,
            "superseded": self.superseded, "quarantined": self.invalid, "late": self.late,
            "records": self.inserted,  # new distinct records, whatever silver later makes of them
        }


def _share(rng: random.Random, n: int, rate: float) -> int:
    """A count near n*rate whose fractional part is settled by the generator."""
    exact = n * rate
    return int(exact) + (1 if rng.random() < exact - int(exact) else 0)


def month_sizes(rng: random.Random, total: int) -> list[int]:
    """Split a yearly volume over twelve months with mild seasonality."""
    weights = [rng.uniform(0.8, 1.2) for _ in range(12)]
    scale = total / sum(weights)
    sizes = [int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % 12] += 1
    return sizes


def plan_year(rng: random.Random, total: int) -> list[MonthPlan]:
    """Plan the twelve monthly drops of one system holding `total` distinct records."""
    plans: list[MonthPlan] = []
    state = _Pools()
    for month, size in enumerate(month_sizes(rng, total), start=1):
        plans.append(_plan_month(rng, month, size, state))
    return plans


def plan_interval(rng: random.Random, size: int, month: int = 1) -> MonthPlan:
    """Plan one interval of `size` new records on its own, as a first month is planned: its
    re-versions and exact copies are of its own records (the bench's full-scale day)."""
    return _plan_month(rng, month, size, _Pools(), late_allowed=False)


@dataclass
class _Pools:
    """What later months may re-send or revise, carried from one month's plan to the next."""

    next_key: int = 0
    revisable: list[Row] = field(default_factory=list)   # originals whose key may get one later version
    copyable: list[Row] = field(default_factory=list)    # originals that may be re-sent exactly


def _plan_month(rng: random.Random, month: int, size: int, state: _Pools, late_allowed: bool = True) -> MonthPlan:
    plan = MonthPlan(month)
    late = _share(rng, size, LATE_RATE) if month > 1 and late_allowed else 0
    fresh = []
    for i in range(size):
        row = Row(state.next_key, month=month - 1 if i < late else month)
        state.next_key += 1
        fresh.append(row)
    plan.rows.extend(fresh)
    plan.inserted, plan.late = size, late
    # Keys are split by a fixed rule so a re-sent copy is never of a revised record.
    previous_revisable, previous_copyable = state.revisable, state.copyable
    revisable = [r for r in fresh if r.key % 2 == 0]
    copyable = [r for r in fresh if r.key % 2 == 1]
    pool = revisable + previous_revisable
    for original in rng.sample(pool, min(len(pool), _share(rng, size, REVISION_RATE))):
        plan.rows.append(Row(original.key, version=1, month=original.month))
        plan.superseded += 1
    # The revised ones leave the pool: each key gets at most one later version.
    taken = {r.key for r in plan.rows if r.version == 1}
    state.revisable = [r for r in revisable if r.key not in taken]
    pool = copyable + previous_copyable
    for original in rng.sample(pool, min(len(pool), _share(rng, size, DUPLICATE_RATE))):
        plan.rows.append(Row(original.key, month=original.month, duplicate=True))
        plan.duplicates += 1
    state.copyable = copyable
    for _ in range(_share(rng, size, INVALID_RATE)):
        plan.rows.append(Row(state.next_key, month=month, invalid=True))
        state.next_key += 1
        plan.invalid += 1
    rng.shuffle(plan.rows)
    return plan
