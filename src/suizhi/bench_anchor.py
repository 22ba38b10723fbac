"""The bench's anchor: silver's core work done by DuckDB on the staged day, for `suizhi bench --day`.

Per dataset, over the staged Parquet files of its systems, DuckDB does what silver does
to every row before its MERGE: conform the raw strings to the contract (typed columns, a
reason for each row that cannot conform, which is set apart), drop exact copies (the same
raw record hash for the same system and business key), keep the latest version of each
business key, and pseudonymise the columns the policy pseudonymises with the same
HMAC-SHA256 as silver, built from SHA-256 the same way. It writes the kept and the set-apart
rows as Parquet. Silver also applies the quality suites, masks and scans free text, writes
Delta, the ledger and the scores: the ratio printed is Spark's whole silver against this core.

DuckDB is a bench-only dependency (requirements-bench.txt); nothing in the pipeline imports
this module.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb

from suizhi.catalog import Catalog
from suizhi.catalog.models import Column, Contract
from suizhi.conform import raw_text, typed
from suizhi.governance.policy import load_policy, pseudonym_key
from suizhi.governance.protect import hmac_pads


def ident(name: str) -> str:
    """A column name as DuckDB SQL text."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A string as a DuckDB SQL literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _problem(col: Column) -> str:
    raw = raw_text(col.name, ident)
    wrong = (f"CASE WHEN {raw} IS NOT NULL AND ({typed(col, ident)}) IS NULL "
             f"THEN {lit(col.name + ': not a valid ' + col.type)} END")
    if col.required:
        return f"CASE WHEN {raw} IS NULL THEN {lit(col.name + ': required value is missing')} ELSE {wrong} END"
    return wrong


def hmac_sql(message: str, key: bytes) -> str:
    """HMAC-SHA256 (RFC 2104) of a VARCHAR expression as lowercase hex, as silver computes it."""
    inner, outer = (f"unhex('{pad.hex()}')" for pad in hmac_pads(key))
    return f"sha256({outer} || unhex(sha256({inner} || encode({message}))))"


def pseudonym_sql(name: str, category: str, key: bytes, length: int) -> str:
    normal = f"upper(trim(CAST({ident(name)} AS VARCHAR)))"
    message = lit(f"{category}:") + " || " + normal
    digest = f"substr({hmac_sql(message, key)}, 1, {length})"
    return f"CASE WHEN {normal} IS NULL OR {normal} = '' THEN {normal} ELSE {digest} END"


def dataset_sql(contract: Contract, pseudonyms: dict[str, str]) -> tuple[str, str]:
    """The kept rows and the set-apart rows of one dataset, as two queries over table `conformed`
    (made by the first statement of `conform_sql`)."""
    key = ", ".join(ident(k) for k in ["_source_system", *contract.business_key])
    columns = [c.name for c in contract.columns]
    out = ", ".join(f"{pseudonyms[c]} AS {ident(c)}" if c in pseudonyms else ident(c) for c in columns)
    kept = (f"SELECT {out}, _source_system, _record_hash FROM (SELECT * FROM conformed WHERE _reason IS NULL "
            f"QUALIFY row_number() OVER (PARTITION BY {key}, _record_hash ORDER BY _source_line) = 1) "
            f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {ident(contract.version_column)} DESC, "
            f"_record_hash DESC) = 1")
    apart = "SELECT _source_system, _source_line, _reason, _raw_record FROM conformed WHERE _reason IS NOT NULL"
    return kept, apart


def conform_sql(contract: Contract, files: dict[str, str]) -> str:
    raw_columns = [c.name for c in contract.columns]
    union = " UNION ALL ".join(f"SELECT {lit(s)} AS _source_system, * FROM read_parquet({lit(p)})"
                               for s, p in sorted(files.items()))
    hashed = "concat_ws(chr(31), " + ", ".join(f"coalesce({ident(c)}, chr(0))" for c in raw_columns) + ")"
    reasons = "concat_ws('; ', " + ", ".join(_problem(c) for c in contract.columns) + ")"
    record = "json_object(" + ", ".join(f"{lit(c)}, {ident(c)}" for c in raw_columns) + ")"
    return ("CREATE OR REPLACE TEMP TABLE conformed AS SELECT "
            + ", ".join(f"{typed(c, ident)} AS {ident(c.name)}" for c in contract.columns)
            + f", _source_system, _source_line, sha256({hashed}) AS _record_hash, nullif({reasons}, '') AS _reason, "
            f"{record} AS _raw_record FROM ({union})")


def anchor_silver(catalog: Catalog, home: Path, staged: Path, rows: dict[str, int], out: Path) -> dict:
    """Run the anchor over every dataset's staged systems; returns its seconds and row counts."""
    policy = load_policy(home)
    key = pseudonym_key(policy)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect()
    counts = dict.fromkeys(("kept", "duplicates", "superseded", "quarantined"), 0)
    seconds = 0.0
    for dataset, contract in sorted(catalog.contracts.items()):
        files = {s.id: str(staged / f"{s.id}.parquet") for s in catalog.systems_of(dataset) if s.id in rows}
        if not files:
            continue
        pseudonyms = {c.name: pseudonym_sql(c.name, c.pii or "value", key, policy.pseudonym.length)
                      for c in contract.columns if policy.action(c) == "pseudonymise"}
        started = time.monotonic()  # the work itself; the counts below are the bench's own
        con.execute(conform_sql(contract, files))
        kept, apart = dataset_sql(contract, pseudonyms)
        con.execute(f"COPY ({kept}) TO {lit(str(out / f'{dataset}.silver.parquet'))} (FORMAT parquet)")
        con.execute(f"COPY ({apart}) TO {lit(str(out / f'{dataset}.apart.parquet'))} (FORMAT parquet)")
        seconds += time.monotonic() - started
        total, good, distinct = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE _reason IS NULL), "
            "count(DISTINCT (_source_system, _record_hash)) FILTER (WHERE _reason IS NULL) FROM conformed").fetchone()
        written = con.execute(f"SELECT count(*) FROM read_parquet({lit(str(out / f'{dataset}.silver.parquet'))})"
                              ).fetchone()[0]
        counts["kept"] += written
        counts["quarantined"] += total - good
        counts["duplicates"] += good - distinct
        counts["superseded"] += distinct - written
    con.close()
    return {"seconds": seconds, **counts}
