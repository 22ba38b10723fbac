"""Paginated JSON APIs: every page of a system's month, with retries, backoff and a rate limit.

The API's own total for the month is checked against what was fetched, so a page lost
or doubled in transit fails the extract instead of landing a wrong count.
"""
from __future__ import annotations

import json
import logging
import time

import httpx
import pyarrow as pa

from suizhi.catalog.models import Contract, System
from suizhi.connectors.base import (
    EXTRA,
    SOURCE_FILE,
    SOURCE_LINE,
    Extracted,
    as_text,
    drift_source,
    drifted_columns,
    extra_text,
    raw_schema,
)
from suizhi.connectors.connections import get_connection
from suizhi.errors import SourceError, SourceMismatch

log = logging.getLogger(__name__)


class _Retryable(Exception):
    pass


class RestApi:
    def __init__(self, sources_root: str):
        self.sources_root = sources_root
        self._last = 0.0

    def _wait_turn(self, per_second: float) -> None:
        pause = self._last + 1.0 / per_second - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last = time.monotonic()

    def _get(self, client: httpx.Client, system: System, url: str, params: dict, where: str) -> dict:
        cfg = system.connector
        for attempt in range(cfg.retries + 1):
            self._wait_turn(cfg.requests_per_second)
            try:
                response = client.get(url, params=params)
                if response.status_code >= 500:
                    raise _Retryable(f"HTTP {response.status_code}")
                if response.status_code >= 400:
                    raise SourceError(f"system {system.id}: {where}: HTTP {response.status_code}: "
                                      f"{response.text[:200]}")
                try:
                    return response.json()
                except json.JSONDecodeError as exc:
                    raise _Retryable(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
            except (_Retryable, httpx.TimeoutException, httpx.TransportError) as exc:
                reason = str(exc) or type(exc).__name__
                if attempt == cfg.retries:
                    raise SourceError(f"system {system.id}: {where}: failed after {cfg.retries + 1} attempts: "
                                      f"{reason}") from exc
                delay = cfg.backoff_seconds * 2 ** attempt
                log.warning("system %s: %s: %s; retrying in %.1f s", system.id, where, reason, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def extract(self, system: System, contract: Contract, period: str) -> Extracted:
        cfg = system.connector
        conn = get_connection(cfg.conn_id, self.sources_root, system.id)
        path = cfg.path.format(system=system.id)
        names = [c.name for c in contract.columns]
        columns: dict[str, list] = {n: [] for n in names + [SOURCE_FILE, SOURCE_LINE, EXTRA]}
        headers = {"Authorization": f"Bearer {conn.password}"} if conn.password else {}
        total, page, pages, held = None, 1, 1, []
        with httpx.Client(base_url=conn.base_url, headers=headers, timeout=cfg.timeout_seconds) as client:
            while page <= pages:
                where = f"page {page} of {path}?period={period}"
                body = self._get(client, system, path,
                                 {"period": period, "page": page, "page_size": cfg.page_size}, where)
                if total is None:
                    total, pages = body["total"], body["pages"]
                elif body["total"] != total:
                    raise SourceMismatch(f"system {system.id}: {where}: the total changed from {total} to "
                                         f"{body['total']} while paging; rerun the interval")
                for row, record in enumerate(body["records"], start=1):
                    extra = drifted_columns(system, contract, list(record), f"{where} record {row}", held)
                    for n in names:
                        columns[n].append(as_text(record.get(n)))
                    columns[SOURCE_FILE].append(f"{path}?period={period}&page={page}")
                    columns[SOURCE_LINE].append(row)
                    columns[EXTRA].append(extra_text(record, extra))
                page += 1
        fetched = len(columns[SOURCE_LINE])
        if fetched != total:
            raise SourceMismatch(f"system {system.id}: {path}?period={period}: fetched {fetched} records over "
                                 f"{pages} pages, the API's total is {total}")
        table = pa.table(columns).cast(raw_schema(contract))
        return Extracted(table, total, drift_source({"api": path, "pages": pages, "total": total}, held))
