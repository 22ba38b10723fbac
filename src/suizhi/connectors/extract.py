"""Extraction: the connector of a system's kind reads its period, and the batch is staged for bronze.

The connectors build on `suizhi.connectors.base`; this module alone knows all four kinds, so
base imports none of them. A kind's module is imported when a system of that kind is read:
the DAG files import this module, and parsing them need not load Spark."""
from __future__ import annotations

from suizhi.catalog.models import Contract, System
from suizhi.connectors.base import DEFERRED, Batch, Connector, write_staged
from suizhi.lake import Lake, batch_id


def connector_for(system: System, sources_root: str) -> Connector:
    kind = system.connector.kind
    if kind == "file_drop":
        from suizhi.connectors.file_drop import FileDrop
        return FileDrop(sources_root)
    if kind == "rest_api":
        from suizhi.connectors.rest_api import RestApi
        return RestApi(sources_root)
    if kind == "jdbc":
        from suizhi.connectors.jdbc import Jdbc
        return Jdbc(sources_root)
    if kind == "iot_stream":
        from suizhi.connectors.iot_stream import IotStream
        return IotStream(sources_root)
    raise NotImplementedError(f"system {system.id}: connector kind '{kind}'")


def extract_batch(system: System, contract: Contract, period: str, sources_root: str, lake: Lake) -> Batch:
    """Read a system's period at its source and stage it for bronze; the count is the source's."""
    extracted = connector_for(system, sources_root).extract(system, contract, period)
    staged = lake.staging(system.id, period)
    if extracted.table is not None:
        write_staged(extracted.table, staged)
    elif system.connector.kind == "jdbc":
        staged = DEFERRED + staged
    else:
        staged = ""
    return Batch(system.id, system.dataset, system.department, period, batch_id(system.id, period),
                 extracted.rows, staged, system.connector.kind, extracted.source)
