"""The governance inventory: every dataset and column with its grade, personal-information
category, protection, owner and retention, and the undeclared identifiers found in free
text. Written for governance staff as reports/governance/index.html and inventory.xlsx."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from suizhi.catalog import Catalog
from suizhi.governance.policy import Policy
from suizhi.reporting import bar_chart, install_assets, page, table

ACTIONS = {"pseudonymise": "密钥化假名（HMAC-SHA256）", "mask": "掩码", "generalise": "泛化",
           "scan": "扫描并掩码未声明标识", "keep": "不处理"}
HEADERS = ["数据集", "名称", "责任部门", "来源系统", "字段", "说明", "分级", "个人信息类别", "银层保护措施",
           "铜层保留（天）", "发现的未声明身份证号", "发现的未声明手机号"]


def found_identifiers(audit_rows: list) -> dict[tuple[str, str], Counter]:
    """Sum of undeclared identifiers the silver scans reported, per (dataset, column)."""
    found: dict[tuple[str, str], Counter] = {}
    for row in audit_rows:
        for table_name, columns in json.loads(row.protections or "{}").items():
            for column, report in columns.items():
                counts = Counter({k: report.get(k, 0) for k in ("citizen_ids", "mobiles")})
                found.setdefault((table_name.removeprefix("silver."), column), Counter()).update(counts)
    return found


def inventory_rows(catalog: Catalog, policy: Policy, audit_rows: list) -> list[list]:
    found = found_identifiers(audit_rows)
    days = policy.retention.bronze.days
    rows = []
    for name, contract in sorted(catalog.contracts.items()):
        systems = "、".join(s.id for s in catalog.systems_of(name))
        owner = catalog.departments[contract.owner].name if contract.owner in catalog.departments else contract.owner
        for col in contract.columns:
            counts = found.get((name, col.name), Counter())
            scanned = policy.action(col) == "scan"
            rows.append([name, contract.title, owner, systems, col.name, col.description, col.classification,
                         col.pii or "", ACTIONS[policy.action(col)], "永久" if days is None else days,
                         counts["citizen_ids"] if scanned else "", counts["mobiles"] if scanned else ""])
    return rows


def write_inventory(out: Path, catalog: Catalog, policy: Policy, audit_rows: list) -> list[Path]:
    """Write index.html and inventory.xlsx under `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rows = inventory_rows(catalog, policy, audit_rows)
    grades = Counter(r[6] for r in rows)
    protected = Counter(r[8] for r in rows if r[7])
    body = (f'<p class="note">{len(catalog.contracts)} 个数据集、{len(rows)} 个字段，其中个人信息字段 '
            f"{sum(1 for r in rows if r[7])} 个。分级依据 GB/T 43697-2024；去标识化依据 GB/T 35273-2020、"
            "GB/T 37964-2019。原始个人信息仅存于铜层，按保留期限清除。</p>\n"
            + bar_chart("grades", "字段分级分布", sorted(grades), {"字段数": [grades[g] for g in sorted(grades)]}, "个")
            + bar_chart("protections", "个人信息字段的保护措施", sorted(protected),
                        {"字段数": [protected[p] for p in sorted(protected)]}, "个")
            + "<h2>数据资产清单</h2>\n" + table(HEADERS, rows))
    html_path = out / "index.html"
    html_path.write_text(page("数据分类分级与个人信息保护清单", body, install_assets(out)), encoding="utf-8")
    book = Workbook()
    sheet = book.active
    sheet.title = "清单"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    xlsx_path = out / "inventory.xlsx"
    book.save(xlsx_path)
    return [html_path, xlsx_path]
