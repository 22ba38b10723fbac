"""Simulate a year at every system's source (file drops, databases, APIs), plus the manifest."""
from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from suizhi.catalog import Catalog
from suizhi.catalog.models import System
from suizhi.evaluation.sampling import MANIFEST, SAMPLING, sampling_entry
from suizhi.simulate import operations
from suizhi.simulate.crossings import crossings_for, pick_row
from suizhi.simulate.iot import simulate_iot
from suizhi.simulate.lateness import is_late
from suizhi.simulate.plan import plan_year
from suizhi.simulate.records import draw
from suizhi.simulate.references import Registry, refer, registry
from suizhi.simulate.serve_api import store_path
from suizhi.simulate.serve_db import load_month
from suizhi.simulate.serve_files import write_drop


def publish(root: Path, system: System, period: str, columns: list[str], records: list[dict]) -> None:
    """Put a month of records where the system's connector kind finds them at its source."""
    kind = system.connector.kind
    if kind == "file_drop":
        write_drop(root, system, period, columns, records)
    elif kind == "jdbc":
        load_month(root, system, period, columns, records)
    elif kind == "rest_api":
        store = store_path(root, system.id, period)
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        raise NotImplementedError(f"system {system.id}: the simulator cannot serve connector kind '{kind}'")


def _system_seed(seed: int, system_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{system_id}".encode()).digest()[:8], "big")


def _simulate_operations(system: System, columns: list[str], year: int, root: Path,
                         ops: operations.OperationsYear) -> dict:
    """The operator's calendar as drops: every row a distinct record, none defective."""
    months = {}
    for period, records in operations.monthly_drops(year, ops).items():
        publish(root, system, period, columns, records)
        months[period] = {"rows": len(records), "inserted": len(records), "duplicates": 0, "superseded": 0,
                          "quarantined": 0, "late": 0, "records": len(records), "quarantined_by": {"contract": 0}}
    return {"dataset": system.dataset, "department": system.department, "months": months}


def registries(catalog: Catalog, dataset: str, year: int, scale: float, seed: int) -> list[Registry]:
    """One registry per references rule of the dataset's suite."""
    suite = catalog.suites.get(dataset)
    return [registry(catalog, e, year, scale, seed, _system_seed)
            for e in (suite.expectations if suite else []) if e.type == "references"]


def simulate_system(catalog: Catalog, system: System, year: int, scale: float, seed: int, root: Path,
                    ops: operations.OperationsYear | None = None, refs: list[Registry] | None = None) -> dict:
    """Write one system's twelve drops; returns its ground truth per month and its crossings.

    `refs`: the registries of the dataset's references rules (computed when not given).
    """
    contract = catalog.contracts[system.dataset]
    columns = [c.name for c in contract.columns]
    if system.dataset == operations.DATASET:
        return _simulate_operations(system, columns, year, root, ops or operations.OperationsYear())
    rng = random.Random(_system_seed(seed, system.id))
    first = min(s.id for s in catalog.systems_of(system.dataset)) == system.id
    crossings = crossings_for(system.id, system.dataset, first)
    if system.connector.kind == "iot_stream":
        months = simulate_iot(system, contract, year, scale, seed, root, crossings, rng)
        return {"dataset": system.dataset, "department": system.department, "months": months,
                **({"crossings": _crossings(year, crossings)} if crossings else {})}
    months = {}
    plans = plan_year(rng, round(system.records_per_year * scale))

    def clean(row) -> bool:
        return draw(seed, year, system.id, contract, row)[1]["defect"] is None

    injected = {id(pick_row(plans, c["month"], clean)): c for c in crossings}
    refs = registries(catalog, system.dataset, year, scale, seed) if refs is None else refs
    suite = catalog.suites.get(system.dataset)
    timely = [e for e in (suite.expectations if suite else []) if e.type == "timeliness" and e.per_schedule]
    for plan in plans:
        period = f"{year}-{plan.month:02d}"
        truth = plan.truth()
        defects: Counter = Counter()
        warned: Counter = Counter()
        records, planted, rejected = [], 0, 0
        for row in plan.rows:
            record, counters = draw(seed, year, system.id, contract, row)
            planted += counters["identifiers_in_text"]
            quarantined = counters["defect"] is not None
            if quarantined:
                defects[counters["defect"]] += 1
            for reg in refs:
                if refer(seed, system.id, row, record, counters, reg):
                    (defects if reg.rule.action == "quarantine" else warned)[reg.rule.type] += 1
                    quarantined |= reg.rule.action == "quarantine"
            if quarantined:
                # A defective record is quarantined in whatever role the plan gave it.
                rejected += 1
                truth["duplicates" if row.duplicate else "superseded" if row.version else "inserted"] -= 1
            if id(row) in injected:
                record.update(injected[id(row)]["fields"])
            if not row.invalid:     # a broken row is judged by the contract alone
                warned.update(e.type for e in timely if is_late(record, e, period, system.schedule))
            records.append(record)
        publish(root, system, period, columns, records)
        truth["quarantined"] += rejected
        months[period] = truth | {"quarantined_by": {"contract": plan.invalid, **dict(sorted(defects.items()))},
                                  "identifiers_in_text": planted}
        warns = [r.rule for r in refs if r.rule.action != "quarantine"] + timely
        if warns:
            months[period]["warned_by"] = {e.type: warned[e.type] for e in warns}
    truth = {"dataset": system.dataset, "department": system.department, "months": months}
    if crossings:
        truth["crossings"] = _crossings(year, crossings)
    return truth


def _crossings(year: int, crossings: list[dict]) -> list[dict]:
    return [{"name": c["name"], "period": f"{year}-{c['month']:02d}", "fields": c["fields"], **c["expect"]}
            for c in crossings]


def _manifest(catalog: Catalog, year: int, scale: float, seed: int, systems: dict[str, dict]) -> dict:
    """The manifest of a simulated year: its inputs, totals, each system's months and, under
    `sampling`, the fraction of the systems' declared yearly volume the sources hold."""
    totals: Counter = Counter()
    for truth in systems.values():
        for month in truth["months"].values():
            totals.update({k: v for k, v in month.items() if isinstance(v, int)})
    # At the source: every row a connector reads; for a stream, every reading sent (`received`),
    # the ones it drops as re-sent or late beyond the watermark included.
    generated = sum(m.get("received", m["rows"]) for t in systems.values() for m in t["months"].values())
    declared = sum(catalog.systems[sid].yearly_volume for sid in systems)  # the twelve months of each
    sampling = sampling_entry(generated, declared, systems=len(systems), months=12, scale=scale)
    return {"year": year, "scale": scale, "seed": seed, "totals": dict(totals), "systems": systems,
            SAMPLING: sampling}


def simulate(catalog: Catalog, year: int, scale: float, seed: int, root: Path,
             ops: operations.OperationsYear | None = None) -> dict:
    """Simulate every system for the year; writes and returns the ground-truth manifest.

    The operator's own system follows its calendar (ops, 2021's by default), whatever the scale.
    """
    root = Path(root)
    refs = {d: registries(catalog, d, year, scale, seed) for d in catalog.contracts}
    systems = {sid: simulate_system(catalog, s, year, scale, seed, root, ops, refs[s.dataset])
               for sid, s in sorted(catalog.systems.items())}
    manifest = _manifest(catalog, year, scale, seed, systems)
    manifest["crossings"] = [c | {"system": sid} for sid, truth in systems.items() for c in truth.get("crossings", [])]
    (root / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def read_manifest(root: Path) -> dict:
    return json.loads((Path(root) / MANIFEST).read_text(encoding="utf-8"))


def plan_counts(catalog: Catalog, year: int, scale: float, seed: int,
                ops: operations.OperationsYear | None = None) -> dict:
    """The manifest `simulate` would write, without its records, crossings and defect kinds:
    per system and month the counts (rows, inserted, duplicates, superseded, quarantined),
    planned without drawing a record, their totals and the `sampling` (a year's ledger at full
    scale in seconds, for tallies that only sum counts). IoT systems (iot_stream) draw theirs
    without writing them, since what lands depends on each reading's defect; their rows are
    the readings landed, and `received`, `ingest_duplicates` and `ingest_rejected` say what
    the stream read and kept out."""
    out = {}
    for sid, system in sorted(catalog.systems.items()):
        if system.dataset == operations.DATASET:
            months = {p: {"rows": len(r), "inserted": len(r), "duplicates": 0, "superseded": 0, "quarantined": 0}
                      for p, r in operations.monthly_drops(year, ops or operations.OperationsYear()).items()}
        elif system.connector.kind == "iot_stream":
            first = min(s.id for s in catalog.systems_of(system.dataset)) == sid
            months = simulate_iot(system, catalog.contracts[system.dataset], year, scale, seed, None,
                                  crossings_for(sid, system.dataset, first), random.Random(_system_seed(seed, sid)))
            months = {p: {k: m[k] for k in ("rows", "inserted", "duplicates", "superseded", "quarantined",
                                            "received", "ingest_duplicates", "ingest_rejected")}
                      for p, m in months.items()}
        else:
            plans = plan_year(random.Random(_system_seed(seed, sid)), round(system.records_per_year * scale))
            months = {f"{year}-{p.month:02d}": {k: p.truth()[k] for k in
                                                ("rows", "inserted", "duplicates", "superseded", "quarantined")}
                      for p in plans}
        out[sid] = {"dataset": system.dataset, "department": system.department, "months": months}
    return _manifest(catalog, year, scale, seed, out)
