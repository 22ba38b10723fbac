"""How a streamed line meets its contract: columns as raw text, what it lacks or adds, and the
added ones kept in _extra only when the contract's drift policy allows them."""
from __future__ import annotations

import json

import pytest

from suizhi.catalog import load_catalog
from suizhi.connectors.base import EXTRA, SOURCE_FILE, SOURCE_LINE
from suizhi.connectors.iot_stream import ADDED, KEYS, MISSING, RAW, _parse
from tests.conftest import REPO

pytestmark = pytest.mark.spark
LINES = ['{"sensor_id": "GP000001", "pressure_mpa": 0.35, "alarm": true, "firmware": "v2.1"}', "[1, 2]"]


@pytest.mark.parametrize("policy, extra", [("add", '{"firmware":"v2.1"}'), ("refuse", None)])
def test_a_line_is_split_into_contract_columns_and_drift(spark, policy, extra):
    contract = load_catalog(REPO).contracts["gas_pressure_reading"].model_copy(update={"new_columns": policy})
    lines = spark.createDataFrame([(text, "f.jsonl", i) for i, text in enumerate(LINES, 1)],
                                  f"{RAW} string, {SOURCE_FILE} string, {SOURCE_LINE} long")
    first, second = _parse(lines, contract).orderBy(SOURCE_LINE).collect()
    assert (first.sensor_id, first.pressure_mpa, first.alarm, first[ADDED], first[EXTRA]) == (
        "GP000001", "0.35", "true", ["firmware"], extra)
    assert set(first[MISSING]) == {c.name for c in contract.columns} - {"sensor_id", "pressure_mpa", "alarm"}
    assert second[KEYS] is None  # not a JSON object: rejected as malformed
    assert json.loads(first[RAW])["firmware"] == "v2.1"
