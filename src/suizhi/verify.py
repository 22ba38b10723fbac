"""Check the ledger against the conservation invariant and the simulator's ground truth."""
from __future__ import annotations

FIELDS = {"rows_read": "rows", "rows_landed": "rows", "inserted": "inserted", "duplicates": "duplicates",
          "superseded": "superseded", "quarantined": "quarantined"}
# A streamed system's month: what the devices delivered, and what the stream dropped or kept apart.
STREAMED = {"rows_read": "received", "ingest_duplicates": "ingest_duplicates", "ingest_rejected": "ingest_rejected"}


def against_manifest(ledger_rows: list[dict], manifest: dict, periods: set[str] | None = None) -> list[str]:
    """Every ledger count that differs from the manifest, and every batch one side lacks."""
    problems = []
    seen = set()
    for row in ledger_rows:
        key = (row["system"], row["period"])
        seen.add(key)
        truth = manifest["systems"].get(row["system"], {}).get("months", {}).get(row["period"])
        if truth is None:
            problems.append(f"{row['system']} {row['period']}: in the ledger but not in the manifest")
            continue
        fields = {**FIELDS, **STREAMED} if "received" in truth else FIELDS
        for field, name in fields.items():
            if row.get(field) != truth[name]:
                problems.append(f"{row['system']} {row['period']}: {field} = {row.get(field)}, "
                                f"manifest says {truth[name]}")
    for system, truth in manifest["systems"].items():
        for period in truth["months"]:
            if (periods is None or period in periods) and (system, period) not in seen:
                problems.append(f"{system} {period}: in the manifest but not in the ledger")
    return problems


def _kept_out(r: dict) -> int:
    """Readings a stream dropped as re-sent or kept apart before bronze (0 for other kinds)."""
    return (r.get("ingest_duplicates") or 0) + (r.get("ingest_rejected") or 0)


def conservation_table(rows: list[dict]) -> str:
    """Per system: read = bronze (+ what a stream kept out) = silver + duplicates + superseded + quarantined."""
    head = (f"{'system':<40} {'read':>8} {'bronze':>8} {'ingest-':>7} {'silver':>8} {'dup':>6} {'superseded':>10} "
            f"{'quarant.':>8}  holds")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['system']:<40} {r['rows_read']:>8} {r['rows_landed']:>8} {_kept_out(r):>7} "
                     f"{r['inserted']:>8} {r['duplicates']:>6} {r['superseded']:>10} {r['quarantined']:>8}  "
                     f"{'yes' if r['holds'] else 'NO'}")
    total = {k: sum(r[k] for r in rows)
             for k in ("rows_read", "rows_landed", "inserted", "duplicates", "superseded", "quarantined")}
    lines.append("-" * len(head))
    lines.append(f"{'all ' + str(len(rows)) + ' systems':<40} {total['rows_read']:>8} {total['rows_landed']:>8} "
                 f"{sum(_kept_out(r) for r in rows):>7} "
                 f"{total['inserted']:>8} {total['duplicates']:>6} {total['superseded']:>10} {total['quarantined']:>8}"
                 f"  {'yes' if all(r['holds'] for r in rows) else 'NO'}")
    return "\n".join(lines)
