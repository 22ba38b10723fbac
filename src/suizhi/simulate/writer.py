"""Write a simulated year as file drops, one file per system and month, plus the manifest."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
from collections import Counter
from pathlib import Path

from suizhi.catalog import Catalog
from suizhi.catalog.models import System
from suizhi.simulate.plan import plan_year
from suizhi.simulate.records import draw

MANIFEST = "manifest.json"


def drop_path(root: Path, system: System, period: str) -> Path:
    """Where the monthly drop of a system lands: <root>/<system>/<system>_<YYYY-MM>.<fmt>."""
    return Path(root) / system.id / f"{system.id}_{period}.{system.connector.format}"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write(path: Path, fmt: str, columns: list[str], records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            out = csv.writer(fh)
            out.writerow(columns)
            out.writerows([_cell(r[c]) for c in columns] for r in records)
        else:
            for r in records:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)  # a reader never sees half a drop


def _system_seed(seed: int, system_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{system_id}".encode()).digest()[:8], "big")


def simulate_system(catalog: Catalog, system: System, year: int, scale: float, seed: int, root: Path) -> dict:
    """Write one system's twelve drops; returns its ground truth per month."""
    contract = catalog.contracts[system.dataset]
    columns = [c.name for c in contract.columns]
    rng = random.Random(_system_seed(seed, system.id))
    months = {}
    for plan in plan_year(rng, round(system.records_per_year * scale)):
        period = f"{year}-{plan.month:02d}"
        counts: Counter = Counter()
        records = []
        for row in plan.rows:
            record, counters = draw(seed, year, system.id, contract, row)
            counts.update({k: v for k, v in counters.items() if isinstance(v, int)})
            records.append(record)
        _write(drop_path(root, system, period), system.connector.format, columns, records)
        months[period] = plan.truth() | {k: counts[k] for k in ("bad_citizen_ids", "bad_credit_codes")}
    return {"dataset": system.dataset, "department": system.department, "months": months}


def simulate(catalog: Catalog, year: int, scale: float, seed: int, root: Path) -> dict:
    """Simulate every system for the year; writes and returns the ground-truth manifest."""
    root = Path(root)
    systems = {sid: simulate_system(catalog, s, year, scale, seed, root)
               for sid, s in sorted(catalog.systems.items())}
    totals: Counter = Counter()
    for truth in systems.values():
        for month in truth["months"].values():
            totals.update(month)
    manifest = {"year": year, "scale": scale, "seed": seed, "totals": dict(totals), "systems": systems}
    (root / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def read_manifest(root: Path) -> dict:
    return json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))
