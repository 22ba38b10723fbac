"""Known threshold crossings the simulator injects, so early warning can be checked exactly.

Each crossing overwrites fields of one ordinary record in one month's drop of the first
system feeding the dataset: a record that is sent once, never re-sent, revised, late or
broken, so every count of the ground truth stays as planned. The manifest records each
crossing with the alert it must raise (indicator, slice, level); nothing else may alert.
"""
from __future__ import annotations

from collections import Counter

from suizhi.simulate.plan import MonthPlan, Row

CROSSINGS = [
    {"name": "暴雨：天河区小时雨量 165 毫米", "dataset": "rainfall_reading", "month": 6,
     "fields": {"district_code": "440106", "rainfall_1h_mm": 165.0, "warning_level": "橙色"},
     "expect": {"indicator_id": "rain_1h_max.440106", "dimension": "district=440106", "level": "黄"}},
    {"name": "燃气：白云区管网压力骤降至 0.0003 MPa", "dataset": "gas_pressure_reading", "month": 3,
     "fields": {"district_code": "440111", "pressure_mpa": 0.0003, "alarm": True},
     "expect": {"indicator_id": "gas_pressure_min.440111", "dimension": "district=440111", "level": "红"}},
    {"name": "交通：广州大道车速跌至 2 公里/小时", "dataset": "traffic_flow", "month": 9,
     "fields": {"road_name": "广州大道", "avg_speed_kmh": 2.0, "congestion_index": 10.0,
                "congestion_level": "严重拥堵"},
     "expect": {"indicator_id": "tf_speed_min.road00", "dimension": "road=广州大道", "level": "橙"}},
]


def crossings_for(system_id: str, dataset: str, first_system: bool) -> list[dict]:
    """The crossings one system carries: those of its dataset, when it is the dataset's first system."""
    return [c for c in CROSSINGS if c["dataset"] == dataset] if first_system else []


def pick_row(plans: list[MonthPlan], month: int, clean=lambda row: True) -> Row:
    """An ordinary record of the month whose key appears once in the whole year.

    `clean` says whether the record drawn for a row carries no injected defect: a crossing
    written into a record that quarantine takes would never reach an indicator.
    """
    keys = Counter(r.key for p in plans for r in p.rows)
    plan = plans[month - 1]
    for row in plan.rows:
        if (keys[row.key] == 1 and not (row.invalid or row.duplicate or row.version) and row.month == month
                and clean(row)):
            return row
    raise ValueError(f"month {month} has no record that a crossing can use")
