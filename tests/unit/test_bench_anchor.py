"""The bench's DuckDB anchor pseudonymises exactly as silver does, and the day splits by share."""
from __future__ import annotations

import duckdb

from suizhi.bench_anchor import pseudonym_sql
from suizhi.bench_day import day_shares
from suizhi.catalog import load_catalog
from suizhi.governance.protect import pseudonym_value
from tests.conftest import REPO

KEY = b"tests-only-pseudonym-key-7f3a9c"


def test_the_anchors_pseudonym_is_silvers_hmac():
    values = ["440106199001011234", " 13800138000 ", "张三", "", None, "a" * 200]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    got = [r[0] for r in
           con.execute(f"SELECT {pseudonym_sql('v', 'citizen_id', KEY, 32)} FROM t ORDER BY i").fetchall()]
    assert got == [pseudonym_value(v, "citizen_id", KEY, 32) for v in values[:3]] + [
        "", None, pseudonym_value("a" * 200, "citizen_id", KEY, 32)]
    long_key = bytes(range(100))  # longer than a SHA-256 block: hashed first, as RFC 2104 says
    assert con.execute(f"SELECT {pseudonym_sql('v', 'phone', long_key, 16)} FROM t WHERE i = 1").fetchone()[0] == \
        pseudonym_value(values[1], "phone", long_key, 16)


def test_the_day_is_split_over_the_systems_by_their_yearly_records():
    catalog = load_catalog(REPO)
    shares = day_shares(catalog, 3_000_000)
    assert sum(shares.values()) == 3_000_000 and len(shares) == len(catalog.systems) == 115
    whole = sum(s.records_per_year for s in catalog.systems.values())
    assert all(abs(n - 3_000_000 * catalog.systems[s].records_per_year / whole) < 1 for s, n in shares.items())
