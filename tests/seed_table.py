"""The seed's 绩效自评表 (tests/fixtures/seed/2021_self_evaluation.txt, the 2021 self-evaluation
of the 穗智管 operation service project) read into the cells the tests compare with.

The table is tab-separated text from a scanned form: an indicator's row holds its name, then
the target, the actual value, the weight and the score, and its deviation (无, or blank);
the volume row repeats its weight. The breakdowns are read from the prose that accompanies the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SEED = Path(__file__).parent / "fixtures" / "seed" / "2021_self_evaluation.txt"


@dataclass(frozen=True)
class SeedRow:
    name: str
    target: str
    actual: str
    weight: int
    score: float
    deviation: str


def _text() -> str:
    return SEED.read_text(encoding="utf-8")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t") if c.strip()]


def indicator_row(name: str) -> SeedRow:
    """The table's row of the named indicator (三级指标)."""
    line = next(line for line in _text().splitlines() if f"\t{name}\t" in line and "\t" in line)
    cells = _cells(line)
    target, actual, *rest = cells[cells.index(name) + 1:]
    numbers = [c for c in rest if re.fullmatch(r"[\d.]+", c)]
    deviation = "" if rest[-1] in numbers else rest[-1]   # the uptime row leaves it blank
    return SeedRow(name, target, actual, int(numbers[0]), float(numbers[-1]), deviation)


def budget() -> dict:
    """The 总额 line: planned, spent, weight, execution rate and score."""
    cells = _cells(next(line for line in _text().splitlines() if "\t总额\t" in line))
    planned, spent, weight, rate, score = cells[cells.index("总额") + 1:]
    return {"planned": float(planned.replace(",", "")), "spent": float(spent.replace(",", "")),
            "weight": int(weight), "rate": rate, "score": float(score)}


def total() -> float:
    return float(_cells(next(line for line in _text().splitlines() if line.startswith("总分")))[1])


def _items(sentence_start: str) -> dict[str, int]:
    line = next(line for line in _text().splitlines() if line.startswith(sentence_start))
    found = re.findall(r"([\u4e00-\u9fff-]+?)\s*(\d+)\s*项", line.split("包含", 1)[1])
    return {name.split("-")[-1]: int(n) for name, n in found if name != "合计"}


def monitoring_by_domain() -> dict[str, int]:
    """运行监测服务 700 个: 医疗卫生 338 项, …"""
    return _items("运行监测服务不少于")


def warning_by_domain() -> dict[str, int]:
    """预警指标数量 277 个: 城市管理-燃气管理 32 项, … (the domain after the dash)."""
    return _items("预警指标数量不少于")


def reports_by_kind() -> dict[str, int]:
    """运营分析报告 36 份 by kind, named as gold registers them."""
    line = next(line for line in _text().splitlines() if line.startswith("运营分析报告数量不少于"))
    kinds = {"theme": r"主题运营分析报告\s*(\d+)\s*份", "topic": r"专题运营分析报告\s*(\d+)\s*份",
             "annual": r"年报\s*(\d+)\s*份", "quarterly": r"季报\s*(\d+)\s*份", "monthly": r"月报\s*(\d+)\s*份"}
    return {k: int(re.search(p, line).group(1)) for k, p in kinds.items()}


def flagged() -> list[str]:
    """The indicators the seed names as set off target (存在问题: 个别指标设置存在偏离)."""
    line = next(line for line in _text().splitlines() if "个别指标设置存在偏离" in line)
    said = line.split("个别指标设置存在偏离", 1)[1].split("造成原因", 1)[0]
    return [name for name in ("运营分析报告数量", "预警指标数量", "重大活动服务保障次数", "运行监测服务",
                              "保障场地正常运行", "编制标准规范数量", "运营专题数量", "汇聚数据量") if name in said]


def topics() -> list[str]:
    """The ten 运营专题 the seed lists."""
    line = next(line for line in _text().splitlines()
                if line.startswith("支撑不少于 10 个业务专题的数据处理。实际完成情况"))
    return line.split("：", 1)[1].split("共", 1)[0].split("、")


def support_by_level() -> dict[str, int]:
    """重大活动保障 19 次: 国家级接待 3 场, 省级 5 场, 市级重要接待 11 场."""
    line = next(line for line in _text().splitlines() if line.startswith("重大活动服务保障次数不少于"))
    return {level: int(re.search(level + r"\D*?(\d+)\s*场", line).group(1)) for level in ("国家级", "省级", "市级")}


def achievements() -> dict:
    """目标实际完成情况's facts: departments and systems connected, IoT devices (8.4万) and the
    vital-sign data items (3000多个, so at least 3,000 and under 4,000)."""
    line = next(line for line in _text().splitlines() if "个市直部门共" in line)
    connected = re.search(r"对接\s*(\d+)\s*个市直部门共\s*(\d+)\s*个业务系统，接入全市\s*([\d.]+)\s*万物联", line)
    items = re.search(r"城市体征数据项\s*(\d+)\s*多个", line)
    return {"departments": int(connected.group(1)), "systems": int(connected.group(2)),
            "devices": round(float(connected.group(3)) * 10_000), "vital_sign_items_at_least": int(items.group(1))}
