"""The connector interface and the extract step every connector kind shares."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from suizhi.catalog.models import Contract, System
from suizhi.errors import SchemaDrift

log = logging.getLogger(__name__)

SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
EXTRA = "_extra"  # columns the source added that the contract lacks, as a JSON object (drift policy "add")
DRIFTED = "bronze._drifted_batches"  # whole batches a contract's drift policy quarantines
DEFERRED = "deferred:"  # staged by the Spark landing job itself (JDBC), not by the extract


@dataclass(frozen=True)
class Extracted:
    """One system's records for one period, and what was read to get them.

    table is None when nothing needs reading: the period was landed and its source
    archived (file drops), or Spark reads it while landing (JDBC). source goes into the
    bronze commit: files and their checksums, pages and the API's total, watermark bounds.
    """

    table: pa.Table | None
    rows: int
    source: dict


class Connector(Protocol):
    def extract(self, system: System, contract: Contract, period: str) -> Extracted:
        """The system's records for the period: one string column per contract column,
        plus the file (or page, or table) and line (or row) each record came from."""


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
    kind: str = "file_drop"
    source: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def as_text(value) -> str | None:
    """A source value as the raw text bronze keeps (JSON for nested values, ISO-like for dates)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def raw_schema(contract: Contract) -> pa.Schema:
    fields = [pa.field(c.name, pa.string()) for c in contract.columns]
    return pa.schema(fields + [pa.field(SOURCE_FILE, pa.string()), pa.field(SOURCE_LINE, pa.int64()),
                               pa.field(EXTRA, pa.string())])


def drifted_columns(system: System, contract: Contract, found: list[str], where: str,
                    held: list[str] | None = None) -> list[str]:
    """The columns a source added that its contract lets in.

    A missing column, or an added one, that the contract's drift policy refuses raises
    SchemaDrift. One it quarantines is noted in `held` (the batch then lands whole in
    bronze._drifted_batches, not in the system's table) and its added columns are kept
    like admitted ones; without `held` (a reader that cannot set a batch apart) it raises.
    """
    expected = [c.name for c in contract.columns]
    missing = [c for c in expected if c not in found]
    extra = [c for c in found if c not in expected]
    policy = contract.missing_columns if missing else contract.new_columns if extra else "add"
    if policy != "add":
        problem = (f"system {system.id}: {where}: columns differ from schemas/{contract.dataset}.yaml"
                   f" (missing {missing}, unexpected {extra}; new_columns: {contract.new_columns}, "
                   f"missing_columns: {contract.missing_columns})")
        if policy == "refuse" or held is None:
            raise SchemaDrift(problem)
        if not held:
            log.warning("%s: the batch is quarantined in %s", problem, DRIFTED)
        held.append(problem)
    elif extra:
        log.warning("system %s: %s: new columns %s kept in %s (schemas/%s.yaml new_columns: add)",
                    system.id, where, extra, EXTRA, contract.dataset)
    return extra


def drift_source(source: dict, held: list[str]) -> dict:
    """The batch's source record, naming the first drift that quarantines it and in how many places
    (files, or records where each carries its own columns) one was found."""
    return {**source, "drift": held[0], "drift_places": len(held)} if held else source


def extra_text(record: dict, extra: list[str]) -> str | None:
    return json.dumps({k: record[k] for k in extra}, ensure_ascii=False, default=str) if extra else None


def _staged_fs(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and path of a staged batch's URI: a local path or s3a:// (pyarrow's s3://)."""
    return pafs.FileSystem.from_uri(uri.replace("s3a://", "s3://", 1) if uri.startswith("s3a://")
                                    else os.path.abspath(uri))


def write_staged(table: pa.Table, uri: str) -> None:
    """Write a staged batch where Spark's executors can read it: a local path or s3a:// URI.

    Written under a temporary name and moved into place, so a half-written file is never
    taken for a batch (on object stores the move is a copy, still before the ledger sees it).
    """
    fs, path = _staged_fs(uri)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    with fs.open_output_stream(path + ".tmp") as out:
        pq.write_table(table, out)
    fs.move(path + ".tmp", path)


def remove_staged(uri: str) -> None:
    """Delete a staged batch (a Parquet file, or the folder Spark's JDBC read wrote); nothing if gone."""
    fs, path = _staged_fs(uri)
    kind = fs.get_file_info(path).type
    if kind == pafs.FileType.Directory:
        fs.delete_dir(path)
    elif kind == pafs.FileType.File:
        fs.delete_file(path)
