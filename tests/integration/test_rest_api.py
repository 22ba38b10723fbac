"""The REST connector against the real API server on loopback: pages, token, faults, totals."""
from __future__ import annotations

import json

import pytest

from suizhi.catalog import load_catalog
from suizhi.catalog.models import System
from suizhi.connectors.connections import CITY_API, env_name
from suizhi.connectors.rest_api import RestApi
from suizhi.errors import SourceError
from suizhi.simulate.serve_api import ApiServer, store_path
from tests.conftest import MINI

pytestmark = pytest.mark.integration
CATALOG = load_catalog(MINI)
CONTRACT = CATALOG.contracts["hotline_ticket"]
PERIOD = "2021-03"


def _system(**connector) -> System:
    data = CATALOG.systems["zsj_hotline_12345"].model_dump()
    data["connector"] = {"kind": "rest_api", "conn_id": CITY_API, "path": "/systems/{system}/records",
                         "page_size": 7, "backoff_seconds": 0.01, "timeout_seconds": 0.5, "retries": 3,
                         "requests_per_second": 200, **connector}
    return System.model_validate(data)


@pytest.fixture
def api(tmp_path, monkeypatch):
    """23 records of the hotline for March behind the real server (4 pages of 7)."""
    names = [c.name for c in CONTRACT.columns]
    store = store_path(tmp_path, "zsj_hotline_12345", PERIOD)
    store.parent.mkdir(parents=True)
    store.write_text("".join(json.dumps({n: f"{n}-{i}" for n in names}, ensure_ascii=False) + "\n"
                             for i in range(23)), encoding="utf-8")
    server = ApiServer(tmp_path).start()
    monkeypatch.setenv(env_name(CITY_API), server.uri)
    yield server
    server.stop()


def test_every_page_is_fetched_and_the_total_checked(api, tmp_path):
    got = RestApi(str(tmp_path)).extract(_system(), CONTRACT, PERIOD)
    assert (got.rows, got.source) == (23, {"api": "/systems/zsj_hotline_12345/records", "pages": 4, "total": 23})
    rows = got.table.to_pylist()
    assert [r["ticket_id"] for r in rows] == [f"ticket_id-{i}" for i in range(23)]
    assert (rows[7]["_source_file"], rows[7]["_source_line"]) == (
        "/systems/zsj_hotline_12345/records?period=2021-03&page=2", 1)


def test_5xx_timeouts_and_a_broken_page_are_retried(api, tmp_path):
    api.faults(fail=2, slow=1, slow_seconds=2.0, malformed=1)  # four bad answers to page 1, then good ones
    got = RestApi(str(tmp_path)).extract(_system(retries=4), CONTRACT, PERIOD)
    assert got.rows == 23 and got.table.num_rows == 23


def test_a_source_down_past_the_retries_names_the_system_and_page(api, tmp_path):
    api.faults(fail=4)
    with pytest.raises(SourceError, match=r"system zsj_hotline_12345: page 1 of /systems/zsj_hotline_12345/records"
                                          r"\?period=2021-03: failed after 4 attempts: HTTP 503"):
        RestApi(str(tmp_path)).extract(_system(), CONTRACT, PERIOD)
    assert RestApi(str(tmp_path)).extract(_system(), CONTRACT, PERIOD).rows == 23  # recovered


def test_a_page_of_broken_json_past_the_retries_names_the_page(api, tmp_path):
    api.faults(malformed=2)
    with pytest.raises(SourceError, match=r"page 1 of .* failed after 2 attempts: malformed JSON at line 1"):
        RestApi(str(tmp_path)).extract(_system(retries=1), CONTRACT, PERIOD)


def test_a_wrong_token_is_refused_without_retrying(api, tmp_path, monkeypatch):
    monkeypatch.setenv(env_name(CITY_API), api.uri.replace(api.token, "wrong"))
    with pytest.raises(SourceError, match="page 1 of .*: HTTP 401"):
        RestApi(str(tmp_path)).extract(_system(), CONTRACT, PERIOD)


def test_an_undefined_connection_says_how_to_define_it(tmp_path, monkeypatch):
    monkeypatch.delenv(env_name(CITY_API), raising=False)
    with pytest.raises(SourceError,
                       match="connection 'suizhi_city_api' is not defined: set AIRFLOW_CONN_SUIZHI_CITY_API"):
        RestApi(str(tmp_path)).extract(_system(), CONTRACT, PERIOD)
