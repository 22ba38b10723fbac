"""The record hash every landed row carries, which silver's duplicates and versions rest on."""
from __future__ import annotations

import hashlib

import pytest

from suizhi.ingest import record_hash

pytestmark = pytest.mark.spark


def test_the_record_hash_is_sha256_of_the_fields_with_nulls_apart_from_empty_strings(spark):
    rows = [("RX1", "王芳", "13800138000"), ("RX1", "", None), ("RX1", None, ""), ("a`b", "x\u001fy", None)]
    frame = spark.createDataFrame(rows, "ticket_id string, `na``me` string, mobile string")
    hashed = [r[0] for r in frame.select(record_hash(["ticket_id", "na`me", "mobile"])).collect()]
    assert hashed == [hashlib.sha256("\u001f".join("\u0000" if v is None else v for v in row).encode()).hexdigest()
                      for row in rows]
    assert len(set(hashed)) == 4
