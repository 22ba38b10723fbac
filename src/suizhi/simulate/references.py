"""Values that name a record of another dataset (a muck-truck trip's origin site), and the
dangling ones among them.

A suite's `references` rule says which column names which. The simulator gives such a
column a value the referenced dataset has delivered, in a row silver keeps, by the month
of the record's own event, so the reference holds however the months are run; a known
share of defect-free rows instead keeps a value no row of the referenced dataset carries.
Both draw from their own seeded generators, so every other value stays as it was.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from suizhi.catalog import Catalog
from suizhi.quality.suite import Expectation
from suizhi.simulate.plan import Row, plan_year
from suizhi.simulate.records import draw

DANGLING_RATE = 0.02


@dataclass(frozen=True)
class Registry:
    """What a references rule of a dataset can find: the values delivered through each month."""

    rule: Expectation
    by_month: tuple[tuple[str, ...], ...]   # index m-1: every value delivered in months 1..m
    every: frozenset[str]


def registry(catalog: Catalog, rule: Expectation, year: int, scale: float, seed: int,
             system_seed) -> Registry:
    """The referenced column's values in the rows silver keeps (not broken, not defective)."""
    ref = rule.references
    contract = catalog.contracts[ref.dataset]
    delivered: list[set[str]] = [set() for _ in range(12)]
    for system in sorted(s.id for s in catalog.systems_of(ref.dataset)):
        plans = plan_year(random.Random(system_seed(seed, system)),
                          round(catalog.systems[system].records_per_year * scale))
        for plan in plans:
            for row in plan.rows:
                if row.invalid:
                    continue
                record, counters = draw(seed, year, system, contract, row)
                if counters["defect"] is None and record[ref.column] is not None:
                    delivered[plan.month - 1].add(str(record[ref.column]))
    cumulative, seen = [], set()
    for month in delivered:
        seen |= month
        cumulative.append(tuple(sorted(seen)))
    return Registry(rule, tuple(cumulative), frozenset(seen))


def refer(seed: int, system: str, row: Row, record: dict, counters: dict, reg: Registry) -> bool:
    """Set the record's reference; returns True when the rule will find it dangling.

    A defect-free record dangles at DANGLING_RATE; any record dangles when nothing has
    been delivered by its month. A broken record is never judged by the rule (the
    contract quarantines it first), so it never counts.
    """
    column = reg.rule.column
    if record.get(column) is None:
        return False
    rng = random.Random(f"{seed}:{system}:{row.key}:{reg.rule.rule}")
    available = reg.by_month[max(row.month, 1) - 1]
    if (not row.invalid and counters["defect"] is None and rng.random() < DANGLING_RATE) or not available:
        value = str(record[column])
        while value in reg.every:       # a value no referenced row carries
            value = f"{value}X"
        record[column] = value
        return not row.invalid
    record[column] = rng.choice(available)
    return False
