"""Write a month of a file-drop system as the department would send it: CSV in its
encoding, JSON Lines or an XLSX workbook, in the system's landing folder."""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from suizhi.catalog.models import System


def drop_path(root: Path, system: System, period: str) -> Path:
    """Where the monthly drop of a system lands: <root>/<system>/<system>_<YYYY-MM>.<fmt>."""
    return Path(root) / system.id / f"{system.id}_{period}.{system.connector.format}"


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xlsx(path: Path, columns: list[str], records: list[dict]) -> None:
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet("records")
    sheet.append(columns)
    for r in records:  # every cell as text: a department's export keeps what its system holds
        sheet.append([None if r[c] is None else cell(r[c]) for c in columns])
    book.save(path)


def write_drop(root: Path, system: System, period: str, columns: list[str], records: list[dict]) -> Path:
    path = drop_path(root, system, period)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fmt = system.connector.format
    if fmt == "xlsx":
        _xlsx(tmp, columns, records)
    else:
        out = io.StringIO(newline="")
        if fmt == "csv":
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows([cell(r[c]) for c in columns] for r in records)
        else:
            for r in records:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        tmp.write_bytes(out.getvalue().encode(system.connector.encoding))
    os.replace(tmp, path)  # a reader never sees half a drop
    return path
