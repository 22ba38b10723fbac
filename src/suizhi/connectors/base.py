"""The connector interface and the extract step every connector kind shares."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Protocol

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from suizhi.catalog.models import Contract, System
from suizhi.lake import Lake, batch_id

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"


class Connector(Protocol):
    def read(self, system: System, contract: Contract, period: str) -> pa.Table:
        """The system's records for the period: one string column per contract column,
        plus the file (or page) and line each record came from."""


@dataclass(frozen=True)
class Batch:
    """What an extract hands to the bronze job: where the batch is staged and its source count."""

    system: str
    dataset: str
    department: str
    period: str
    batch_id: str
    rows_read: int
    staged: str

    def to_dict(self) -> dict:
        return asdict(self)


def raw_schema(contract: Contract) -> pa.Schema:
    fields = [pa.field(c.name, pa.string()) for c in contract.columns]
    return pa.schema(fields + [pa.field(SOURCE_FILE, pa.string()), pa.field(SOURCE_LINE, pa.int64())])


def connector_for(system: System, sources_root: str) -> Connector:
    if system.connector.kind == "file_drop":
        from suizhi.connectors.file_drop import FileDrop
        return FileDrop(sources_root)
    raise NotImplementedError(f"system {system.id}: connector kind '{system.connector.kind}'")


def write_staged(table: pa.Table, uri: str) -> None:
    """Write a staged batch where Spark's executors can read it: a local path or s3a:// URI.

    Written under a temporary name and moved into place, so a half-written file is never
    taken for a batch (on object stores the move is a copy, still before the ledger sees it).
    """
    fs, path = pafs.FileSystem.from_uri(uri.replace("s3a://", "s3://", 1) if uri.startswith("s3a://")
                                        else os.path.abspath(uri))
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path + ".tmp") as out:
        pq.write_table(table, out)
    fs.move(path + ".tmp", path)


def extract_batch(system: System, contract: Contract, period: str, sources_root: str, lake: Lake) -> Batch:
    """Read a system's period at its source and stage it for bronze; the count is the source's."""
    table = connector_for(system, sources_root).read(system, contract, period)
    staged = lake.staging(system.id, period)
    write_staged(table, staged)
    return Batch(system.id, system.dataset, system.department, period,
                 batch_id(system.id, period), table.num_rows, staged)
