"""The bigger run: a whole year of the three-system catalog through the Airflow DAGs.

Twelve monthly ingest intervals carry late arrivals and re-versions across month
boundaries, and silver and gold then catch up on the year in one run each (the month-by-
month path is the city's, tests/integration/test_pipeline.py): every ledger count must
still equal the manifest, and the evaluation must sum the year.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from suizhi.demo import evaluate, run_months
from suizhi.lake import Lake
from suizhi.ledger import conservation, read_ledger
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.writer import simulate
from suizhi.verify import against_manifest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_year_of_the_mini_catalog_matches_the_manifest(spark, mini_home):
    settings = current_settings()
    manifest = simulate(current_catalog(), 2021, 0.5, 11, Path(settings.sources_root))
    run_months(2021, list(range(1, 13)), every=12)
    ledger = read_ledger(spark, Lake(settings.lake_root))
    rows = [r.asDict() for r in ledger.collect()]
    assert len(rows) == 3 * 12
    assert against_manifest(rows, manifest) == []
    assert [r.system for r in conservation(ledger).collect() if not r.holds] == []
    evaluate(2021)
    report = json.loads((mini_home / "reports" / "2021" / "evaluation.json").read_text(encoding="utf-8"))
    volume = next(i for i in report["indicators"] if i["tally"] == "records_aggregated")
    # every row the sources held landed (no stream drops any), so the year reads as the three
    # systems' declared 48,000,000 records
    assert volume["detail"]["sampling"]["rows_landed"] == manifest["totals"]["rows"] == 6_852
    assert volume["actual"] == 48_000_000
    silver = sum(spark.read.format("delta").load(Lake(settings.lake_root).table(f"silver.{d}")).count()
                 for d in ("hotline_ticket", "covid_test"))
    assert silver == manifest["totals"]["inserted"]
