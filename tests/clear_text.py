"""Looking for the simulator's personal identifiers in what the pipeline produced.

The identifiers come from the source drops themselves: every declared citizen ID, mobile
and name, and every ID or mobile the simulator wrote into free text. A finding names the
table and column, or the file and cell, with the identifier masked.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from suizhi.masking import CITIZEN_ID_IN_TEXT, MOBILE_IN_TEXT, mask_value


def read_drops(sources: Path, systems: list[str], periods: list[str]) -> dict[str, list[dict]]:
    """Every record of the systems' file drops for the periods, as the departments sent them."""
    rows: dict[str, list[dict]] = {}
    for system in systems:
        for period in periods:
            for f in sorted((sources / system).glob(f"{system}_{period}.*")):
                text = f.read_text(encoding="utf-8")
                rows.setdefault(system, []).extend(
                    csv.DictReader(text.splitlines()) if f.suffix == ".csv"
                    else [json.loads(line) for line in text.splitlines() if line.strip()])
    return rows


@dataclass
class Needles:
    """The identifiers to look for, each with its personal-information category."""
    category: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_sources(cls, rows: dict[str, list[dict]], contracts: dict[str, object],
                     dataset_of: dict[str, str]) -> Needles:
        needles = cls()
        for system, records in rows.items():
            contract = contracts[dataset_of[system]]
            for column in contract.columns:
                wanted = column.pii if column.pii in ("citizen_id", "phone", "name") else None
                for r in records:
                    value = (r.get(column.name) or "").strip()
                    if value and wanted:
                        needles.category[value] = wanted
                    elif value and column.pii == "free_text":
                        for pattern, kind in ((CITIZEN_ID_IN_TEXT, "citizen_id"), (MOBILE_IN_TEXT, "phone")):
                            for m in re.finditer(pattern, value):
                                needles.category[m.group(0)] = kind
        return needles

    def count(self, kind: str) -> int:
        return sum(1 for c in self.category.values() if c == kind)

    def _inside(self) -> list[str]:
        # A two-character name (王芳) is also a common word; it counts only as a whole cell.
        return [n for n, c in self.category.items() if c != "name" or len(n) >= 3]

    def find(self, cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """(where, masked identifier) for each identifier in the cells, a cell being (where, text)."""
        found = {}
        by_text = {}
        for where, text in cells:
            by_text.setdefault(text, where)
            if text in self.category:
                found.setdefault(text, where)
        joined = "\n".join(by_text)
        for needle in self._inside():
            if needle not in found and needle in joined:
                found[needle] = next(w for t, w in by_text.items() if needle in t)
        return sorted((where, mask_value(n, self.category[n])) for n, where in found.items())


def file_cells(path: Path, root: Path) -> list[tuple[str, str]]:
    """A file as cells: a text file is one cell, a workbook one cell per sheet cell, a Parquet
    file one cell per value (nested ones as JSON); any other file its bytes as one cell."""
    name = str(path.relative_to(root))
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq
        table = pq.read_table(path)
        return [(f"{name} {column} row {n}",
                 v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str))
                for column, values in zip(table.column_names, table.to_pydict().values())
                for n, v in enumerate(values) if v is not None and not isinstance(v, (int, float, bool))]
    if path.suffix == ".xlsx":
        book = load_workbook(path, read_only=True)
        return [(f"{name} {sheet.title}!{cell.coordinate}", str(cell.value))
                for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.value is not None and hasattr(cell, "coordinate")]
    # A font or an image is read too: its bytes as UTF-8 where they are, so text inside is found.
    return [(name, path.read_bytes().decode("utf-8", errors="surrogateescape"))]


def sqlite_cells(path: Path) -> list[tuple[str, str]]:
    """Every text or binary cell of every table of a SQLite database: (table.column row n, text)."""
    import sqlite3
    cells = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for n, row in enumerate(cursor):
                cells += [(f"{table}.{c} row {n}", v.decode("utf-8", errors="surrogateescape")
                           if isinstance(v, bytes) else v)
                          for c, v in zip(columns, row) if isinstance(v, (str, bytes)) and v]
    return cells


def table_cells(spark, path: Path, name: str) -> list[tuple[str, str]]:
    """Every string cell of a Delta table, nested values as JSON: (table.column row n, text)."""
    from pyspark.sql import functions as F
    frame = spark.read.format("delta").load(str(path))
    columns = []
    for f in frame.schema.fields:
        kind = f.dataType.typeName()
        if kind == "string":
            columns.append(F.col(f"`{f.name}`").alias(f.name))
        elif kind in ("struct", "array", "map"):
            columns.append(F.to_json(F.col(f"`{f.name}`")).alias(f.name))
    if not columns:
        return []
    cells = []
    for n, row in enumerate(frame.select(*columns).collect()):
        cells += [(f"{name}.{c} row {n}", v) for c, v in row.asDict().items() if v]
    return cells
