"""File drops: CSV (UTF-8, GBK, GB18030), XLSX or JSON Lines files left in a landing folder.

<sources>/<system>/<system>_<YYYY-MM>*.<format> are a period's files. Every file is read
whole before any of its rows is staged, so a bad file never half-lands: it moves to
_rejected/ beside an .error.txt naming the line and the reason, and blocks its period
until the department sends it again. Landed files move to _archive/ with their sha-256
and row count (archive_landed); a file already archived is never read again. When the
period's bronze batch passes its retention, the archived files and the resolved rejected
ones go with it (purge_delivered); the records of name, sha-256 and rows stay, so the
period is still never reopened.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

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
from suizhi.errors import RejectedFile, SourceError

ARCHIVE, REJECTED = "_archive", "_rejected"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FileDrop:
    def __init__(self, root: str):
        self.root = Path(root)

    def folder(self, system: System) -> Path:
        return self.root / system.id

    def _pattern(self, system: System, period: str) -> str:
        return f"{system.id}_{period}*.{system.connector.format}"

    def files(self, system: System, period: str) -> list[Path]:
        """The period's files waiting in the landing folder (archived and rejected ones excluded)."""
        return sorted(self.folder(system).glob(self._pattern(system, period)))

    def archived(self, system: System, period: str) -> dict[str, dict]:
        """sha-256 -> record of every archived file of the period."""
        records = [json.loads(p.read_text(encoding="utf-8"))
                   for p in (self.folder(system) / ARCHIVE).glob(self._pattern(system, period) + ".json")]
        return {r["sha256"]: r for r in records}

    def read(self, system: System, contract: Contract, period: str) -> pa.Table:
        extracted = self.extract(system, contract, period)
        return extracted.table if extracted.table is not None else raw_schema(contract).empty_table()

    def extract(self, system: System, contract: Contract, period: str) -> Extracted:
        self._check_not_blocked(system, period)
        archived = self.archived(system, period)
        waiting = [(p, sha256(p)) for p in self.files(system, period)]
        fresh = [(p, digest) for p, digest in waiting if digest not in archived]
        for path, digest in waiting:
            if digest in archived:
                path.unlink()  # the same bytes were landed before and are archived: never read twice
        if fresh and archived:
            raise SourceError(f"system {system.id}: file {fresh[0][0].name} arrived after {period} landed "
                              f"(its files are in {self.folder(system) / ARCHIVE}); a landed month is never "
                              "reopened: send its records with the next month's drop")
        if not fresh:
            if not archived:
                raise SourceError(f"system {system.id}: no {system.connector.format} drop for {period} "
                                  f"in {self.folder(system)}")
            files = sorted(archived.values(), key=lambda r: r["name"])
            return Extracted(None, sum(r["rows"] for r in files), {"files": files, "archived": True})
        schema = raw_schema(contract)
        tables, files, held = [], [], []
        for path, digest in fresh:
            try:
                table = self._read_file(system, contract, path, held).cast(schema)
            except RejectedFile as exc:
                moved = self._reject(path, str(exc))
                raise type(exc)(f"{exc} (moved to {moved}, beside its .error.txt)") from exc
            tables.append(table)
            files.append({"name": path.name, "sha256": digest, "rows": table.num_rows})
        table = pa.concat_tables(tables)
        return Extracted(table, table.num_rows, drift_source({"files": files}, held))

    def archive_landed(self, system: System, source: dict) -> None:
        """Move a landed batch's files to _archive/ with a record of their checksum and rows."""
        archive = self.folder(system) / ARCHIVE
        archive.mkdir(parents=True, exist_ok=True)
        for record in source.get("files", []):
            path = self.folder(system) / record["name"]
            if path.exists() and sha256(path) == record["sha256"]:
                (archive / (record["name"] + ".json")).write_text(json.dumps(record), encoding="utf-8")
                path.replace(archive / record["name"])

    def purge_delivered(self, system: System, period: str, now: str) -> list[str]:
        """Delete the period's archived files and its resolved rejected files (and their
        error notes, which quote lines); each archived file's record stays, marked purged.
        Returns the names deleted, relative to the system's folder."""
        folder = self.folder(system)
        archive, resolved = folder / ARCHIVE, folder / REJECTED / "_resolved"
        gone = []
        for path in sorted(archive.glob(self._pattern(system, period))):
            record = archive / (path.name + ".json")
            if record.exists():
                kept = json.loads(record.read_text(encoding="utf-8")) | {"purged_at": now}
                record.write_text(json.dumps(kept), encoding="utf-8")
            path.unlink()
            gone.append(path.relative_to(folder).as_posix())
        for path in sorted(resolved.glob(f"{system.id}_{period}*")):
            path.unlink()
            gone.append(path.relative_to(folder).as_posix())
        return gone

    def _check_not_blocked(self, system: System, period: str) -> None:
        """A rejected file blocks its period until a corrected file of the same name arrives."""
        rejected = self.folder(system) / REJECTED
        for path in sorted(rejected.glob(self._pattern(system, period))):
            resent = self.folder(system) / path.name
            if resent.exists():
                resolved = rejected / "_resolved"
                resolved.mkdir(exist_ok=True)
                for old in (path, path.with_name(path.name + ".error.txt")):
                    if old.exists():
                        old.replace(resolved / old.name)
                continue
            raise SourceError(f"system {system.id}: file {path.name} of {period} was rejected "
                              f"({path.name}.error.txt in {rejected}); the period lands when the department "
                              "sends a corrected file of the same name")

    @staticmethod
    def _reject(path: Path, reason: str) -> Path:
        rejected = path.parent / REJECTED
        rejected.mkdir(parents=True, exist_ok=True)
        (rejected / (path.name + ".error.txt")).write_text(reason + "\n", encoding="utf-8")
        shutil.move(str(path), rejected / path.name)
        return rejected / path.name

    def _read_file(self, system: System, contract: Contract, path: Path, held: list[str]) -> pa.Table:
        fmt = system.connector.format
        header, rows = (self._csv_rows if fmt == "csv" else self._xlsx_rows if fmt == "xlsx"
                        else self._jsonl_rows)(system, path)
        extra = [] if header is None else drifted_columns(system, contract, header, f"file {path.name} header", held)
        names = [c.name for c in contract.columns]
        columns: dict[str, list] = {n: [] for n in names + [SOURCE_FILE, SOURCE_LINE, EXTRA]}
        for line, record in rows:
            if header is None:
                extra = drifted_columns(system, contract, list(record), f"file {path.name} line {line}", held)
            for n in names:
                columns[n].append(as_text(record.get(n)))
            columns[SOURCE_FILE].append(path.name)
            columns[SOURCE_LINE].append(line)
            columns[EXTRA].append(extra_text(record, extra))
        return pa.table(columns)

    @staticmethod
    def _decode(system: System, path: Path) -> str:
        data = path.read_bytes()
        try:
            return data.decode(system.connector.encoding)
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise RejectedFile(f"system {system.id}: file {path.name} line {line}: not valid "
                               f"{system.connector.encoding} (byte {exc.start}: {exc.reason})") from exc

    def _csv_rows(self, system: System, path: Path):
        reader = csv.reader(io.StringIO(self._decode(system, path), newline=""))
        header = next(reader, None)
        if header is None:
            raise RejectedFile(f"system {system.id}: file {path.name} line 1: empty file, no header")
        rows = []
        try:
            for fields in reader:
                if len(fields) != len(header):
                    raise RejectedFile(f"system {system.id}: file {path.name} line {reader.line_num}: "
                                       f"{len(fields)} fields, the header has {len(header)}")
                # Only an empty field is missing: "N/A", "NULL" and the like are kept as written.
                rows.append((reader.line_num, {h: (v if v != "" else None) for h, v in zip(header, fields)}))
        except csv.Error as exc:
            raise RejectedFile(f"system {system.id}: file {path.name} line {reader.line_num}: {exc}") from exc
        return header, rows

    def _jsonl_rows(self, system: System, path: Path):
        rows = []
        for line, text in enumerate(self._decode(system, path).splitlines(), start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RejectedFile(f"system {system.id}: file {path.name} line {line}: "
                                   f"invalid JSON: {exc.msg}") from exc
            if not isinstance(record, dict):
                raise RejectedFile(f"system {system.id}: file {path.name} line {line}: a record must be a JSON object")
            rows.append((line, record))
        return None, rows

    @staticmethod
    def _xlsx_rows(system: System, path: Path):
        from openpyxl import load_workbook
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise RejectedFile(f"system {system.id}: file {path.name} line 1: "
                               f"not a readable xlsx workbook: {exc}") from exc
        try:
            sheet = book.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            header = [str(h) for h in next(values, ()) if h is not None]
            rows = []
            for line, cells in enumerate(values, start=2):
                if all(c is None for c in cells):
                    continue
                if len(cells) > len(header) and any(c is not None for c in cells[len(header):]):
                    raise RejectedFile(f"system {system.id}: file {path.name} line {line}: "
                                       f"{len(cells)} cells, the header has {len(header)}")
                rows.append((line, dict(zip(header, cells))))
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise RejectedFile(f"system {system.id}: file {path.name}: xlsx workbook is damaged: {exc}") from exc
        finally:
            book.close()
        return header, rows
