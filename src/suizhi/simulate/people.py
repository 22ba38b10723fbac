"""People who appear in more than one system, and identifiers written into free text.

A city's agencies record the same residents: a shared pool of people (citizen ID, name,
mobile) lets pseudonyms be shown to link across systems. Complaint texts sometimes carry
a caller's mobile or ID number nobody declared; the scan in silver must find them.
Both draw from their own seeded generators, so every other simulated value and every
ground-truth count stays as it was.
"""
from __future__ import annotations

import random
from functools import lru_cache

from suizhi.catalog.models import Contract
from suizhi.identifiers import is_valid_citizen_id
from suizhi.simulate import fakes

PERSON_POOL = 100
SHARED_RATE = 0.3           # of rows with personal columns, the share naming a pool person
TEXT_IDENTIFIER_RATE = 0.05  # of free texts, the share carrying a mobile or an ID number
PERSON_KINDS = ("citizen_id", "person_name", "mobile")


@lru_cache(maxsize=4)
def pool(seed: int) -> tuple[dict, ...]:
    """The shared people of one simulation: valid citizen IDs, names and mobiles."""
    people = []
    for i in range(PERSON_POOL):
        rng = random.Random(f"{seed}:person:{i}")
        people.append({"citizen_id": fakes.citizen_id(rng), "person_name": fakes.person_name(rng),
                       "mobile": fakes.mobile(rng)})
    return tuple(people)


def share_person(seed: int, system: str, key: int, contract: Contract, record: dict) -> None:
    """Replace a row's person by a pool person, now and then; a deliberately bad ID stays bad."""
    columns = [c for c in contract.columns if c.simulate.kind in PERSON_KINDS]
    rng = random.Random(f"{seed}:{system}:{key}:person")
    if not columns or rng.random() >= SHARED_RATE:
        return
    person = pool(seed)[rng.randrange(PERSON_POOL)]
    for col in columns:
        value = record[col.name]
        if col.simulate.kind == "citizen_id" and not (value and is_valid_citizen_id(value)):
            continue
        record[col.name] = person[col.simulate.kind]


def plant_identifiers(seed: int, system: str, key: int, contract: Contract, record: dict) -> int:
    """Append a mobile or a citizen ID to some free texts; returns how many were written."""
    planted = 0
    for col in contract.columns:
        if col.simulate.kind != "text" or record[col.name] is None:
            continue
        rng = random.Random(f"{seed}:{system}:{key}:{col.name}:identifier")
        if rng.random() >= TEXT_IDENTIFIER_RATE:
            continue
        if rng.random() < 0.5:
            record[col.name] += f"联系电话{fakes.mobile(rng)}。"
        else:
            record[col.name] += f"来电人身份证号{fakes.citizen_id(rng)}。"
        planted += 1
    return planted
