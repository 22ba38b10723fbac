"""File drops: CSV or JSON Lines files that a department leaves in its landing folder."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from suizhi.catalog.models import Contract, System
from suizhi.connectors.base import SOURCE_FILE, SOURCE_LINE, raw_schema
from suizhi.errors import SourceError


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class FileDrop:
    def __init__(self, root: str):
        self.root = Path(root)

    def files(self, system: System, period: str) -> list[Path]:
        folder = self.root / system.id
        found = sorted(folder.glob(f"{system.id}_{period}*.{system.connector.format}"))
        if not found:
            raise SourceError(f"system {system.id}: no {system.connector.format} drop for {period} in {folder}")
        return found

    def read(self, system: System, contract: Contract, period: str) -> pa.Table:
        schema = raw_schema(contract)
        reader = self._read_csv if system.connector.format == "csv" else self._read_jsonl
        tables = [reader(system, contract, path, schema) for path in self.files(system, period)]
        return pa.concat_tables(tables) if tables else schema.empty_table()

    @staticmethod
    def _check_columns(system: System, path: Path, contract: Contract, found: list[str], where: str) -> None:
        expected = [c.name for c in contract.columns]
        missing = [c for c in expected if c not in found]
        extra = [c for c in found if c not in expected]
        if missing or extra:
            raise SourceError(
                f"system {system.id}: file {path} {where}: columns differ from schemas/{contract.dataset}.yaml"
                f" (missing {missing}, unexpected {extra})")

    def _read_csv(self, system: System, contract: Contract, path: Path, schema: pa.Schema) -> pa.Table:
        names = [c.name for c in contract.columns]
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=system.connector.encoding),
                # Only an empty field is missing: "N/A", "NULL" and the like are values a
                # department wrote, and bronze keeps them as written for silver to judge.
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=True, null_values=[""]),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise SourceError(f"system {system.id}: file {path}: cannot be parsed as CSV: {exc}") from exc
        self._check_columns(system, path, contract, table.column_names, "header")
        n = table.num_rows
        table = table.select(names)
        table = table.append_column(SOURCE_FILE, pa.array([path.name] * n, pa.string()))
        return table.append_column(SOURCE_LINE, pa.array(range(2, n + 2), pa.int64())).cast(schema)

    def _read_jsonl(self, system: System, contract: Contract, path: Path, schema: pa.Schema) -> pa.Table:
        names = [c.name for c in contract.columns]
        columns: dict[str, list] = {n: [] for n in names + [SOURCE_FILE, SOURCE_LINE]}
        with open(path, encoding=system.connector.encoding) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(f"system {system.id}: file {path} line {lineno}: invalid JSON: {exc.msg}") from exc
                if not isinstance(record, dict):
                    raise SourceError(f"system {system.id}: file {path} line {lineno}: a record must be a JSON object")
                self._check_columns(system, path, contract, list(record), f"line {lineno}")
                for n in names:
                    columns[n].append(_text(record[n]))
                columns[SOURCE_FILE].append(path.name)
                columns[SOURCE_LINE].append(lineno)
        return pa.table(columns, schema=schema)
