"""The governance inventory: every dataset and column with its grade, personal-information
category, protection, owner and retention, and the undeclared identifiers found in free
text; then every place outside bronze where a source's records are kept (staging, the
landing archives, the readings and batches kept apart, stream checkpoints) with its grade,
owner and retention. Written for governance staff as reports/governance/index.html and
inventory.xlsx."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from suizhi.catalog import Catalog
from suizhi.catalog.models import GRADES
from suizhi.governance.policy import Policy
from suizhi.reporting import bar_chart, install_assets, page, table

ACTIONS = {"pseudonymise": "密钥化假名（HMAC-SHA256）", "mask": "掩码", "generalise": "泛化",
           "scan": "扫描并掩码未声明标识", "keep": "不处理"}
HEADERS = ["数据集", "名称", "责任部门", "来源系统", "字段", "说明", "分级", "个人信息类别", "银层保护措施",
           "铜层保留（天）", "发现的未声明身份证号", "发现的未声明手机号"]
COPY_HEADERS = ["副本", "位置", "内容", "含原始记录", "分级", "责任部门", "来源系统数", "保留"]
KEEPS = {"until_landed": "批次写入铜层并记入台账后即删除", "with_bronze": "随铜层批次清除（{days} 天），清除记入审计",
         "kept": "保留"}


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


def copy_rows(catalog: Catalog, policy: Policy) -> list[list]:
    """Each raw copy outside bronze: its grade is the most sensitive of the datasets whose
    systems it holds, its owners those systems' departments."""
    days = policy.retention.bronze.days
    rows = []
    for name, copy in policy.retention.copies.items():
        systems = [s for s in catalog.systems.values() if s.connector.kind in copy.connectors]
        grades = {c.classification for s in systems if s.dataset in catalog.contracts
                  for c in catalog.contracts[s.dataset].columns}
        grade = next((g for g in GRADES if g in grades), "") if copy.records else "不含记录"
        departments = sorted({s.department for s in systems})
        owner = ("、".join(catalog.departments[d].name if d in catalog.departments else d for d in departments)
                 if len(departments) <= 3 else f"{len(departments)} 个来源部门")
        rows.append([name, copy.location, copy.holds, "是" if copy.records else "否", grade, owner, len(systems),
                     KEEPS[copy.keep].format(days="永久" if days is None else days)])
    return rows


def write_inventory(out: Path, catalog: Catalog, policy: Policy, audit_rows: list) -> list[Path]:
    """Write index.html and inventory.xlsx under `out`; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    rows = inventory_rows(catalog, policy, audit_rows)
    copies = copy_rows(catalog, policy)
    grades = Counter(r[6] for r in rows)
    protected = Counter(r[8] for r in rows if r[7])
    body = (f'<p class="note">{len(catalog.contracts)} 个数据集、{len(rows)} 个字段，其中个人信息字段 '
            f"{sum(1 for r in rows if r[7])} 个。分级依据 GB/T 43697-2024；去标识化依据 GB/T 35273-2020、"
            "GB/T 37964-2019。原始个人信息仅存于铜层，按保留期限清除。</p>\n"
            + bar_chart("grades", "字段分级分布", sorted(grades), {"字段数": [grades[g] for g in sorted(grades)]}, "个")
            + bar_chart("protections", "个人信息字段的保护措施", sorted(protected),
                        {"字段数": [protected[p] for p in sorted(protected)]}, "个")
            + "<h2>数据资产清单</h2>\n" + table(HEADERS, rows)
            + "<h2>铜层之外的原始数据副本</h2>\n" + table(COPY_HEADERS, copies))
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
    sheet = book.create_sheet("原始数据副本")
    sheet.append(COPY_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in copies:
        sheet.append(row)
    xlsx_path = out / "inventory.xlsx"
    book.save(xlsx_path)
    return [html_path, xlsx_path]
