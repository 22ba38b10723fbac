"""The operator's own year (zsj_operations): support sessions, venue inspections, outages.

These are not drawn from a volume: the evaluation counts them one by one, so the year is
a calendar. OperationsYear() is 2021 as the seed reports it: the venue operated from
June, 19 major-event support sessions (国家级 3, 省级 5, 市级 11), a monthly inspection
in each of the 7 months, a weekly one every 7 days from 1 June (31), and no outage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# The evaluation's names, which it counts by; DATASET is named here too, for the writer and the tests.
from suizhi.evaluation.operations import DATASET as DATASET
from suizhi.evaluation.operations import MONTHLY, OUTAGE, SUPPORT, WEEKLY

TS = "%Y-%m-%d %H:%M:%S"

# (month, day, level, title) of the sessions the centre staffed in 2021.
EVENTS_2021 = [
    (6, 18, "市级", "2021广州国际投资年会"), (6, 29, "国家级", "庆祝中国共产党成立100周年系列活动"),
    (7, 8, "省级", "2021大湾区科学论坛"), (7, 21, "市级", "第二十三届中国（广州）国际建筑装饰博览会"),
    (8, 12, "市级", "2021世界超高清视频产业发展大会"), (8, 26, "市级", "第十一届中国国际纪录片节"),
    (9, 9, "省级", "第十八届中国国际中小企业博览会"), (9, 24, "市级", "第十届中国（广州）国际金融交易·博览会"),
    (10, 15, "国家级", "第130届中国进出口商品交易会"), (10, 28, "市级", "2021世界港口大会"),
    (11, 5, "市级", "第九届中国创新创业成果交易会"), (11, 12, "省级", "2021从都国际论坛"),
    (11, 19, "市级", "第十九届广州国际汽车展览会"), (11, 26, "市级", "2021广州国际美食节"),
    (12, 1, "国家级", "2021读懂中国国际会议"), (12, 7, "省级", "第二十三届中国海外人才交流大会"),
    (12, 14, "市级", "2021广州国际灯光节"), (12, 20, "省级", "广东省数字政府建设现场会"),
    (12, 31, "市级", "2022新年倒计时活动"),
]


@dataclass(frozen=True)
class Outage:
    """An outage that kept the venue from receiving visitors or being used as offices."""

    started_at: datetime
    minutes: int
    title: str = "场地设备故障"


@dataclass(frozen=True)
class OperationsYear:
    first_month: int = 6
    events: list[tuple[int, int, str, str]] = field(default_factory=lambda: list(EVENTS_2021))
    weekly_every_days: int = 7
    outages: list[Outage] = field(default_factory=list)


def records(year: int, ops: OperationsYear) -> list[dict]:
    """Every record of the year, in time order; record ids are stable across reruns."""
    rows: list[tuple[datetime, str, str | None, str, int, bool | None]] = []
    for month, day, level, title in ops.events:
        rows.append((datetime(year, month, day, 9), SUPPORT, level, title, 480, None))
    for month in range(ops.first_month, 13):
        rows.append((datetime(year, month, 1, 10), MONTHLY, None, f"{month}月场地月度巡检", 120, None))
    day, end = datetime(year, ops.first_month, 1, 15), datetime(year + 1, 1, 1)
    while day < end:
        rows.append((day, WEEKLY, None, f"{day:%m-%d}场地周巡检", 60, None))
        day += timedelta(days=ops.weekly_every_days)
    for o in ops.outages:
        rows.append((o.started_at, OUTAGE, None, o.title, o.minutes, True))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [{
        "record_id": f"YY{year}{i:05d}", "kind": kind, "level": level, "title": title,
        "started_at": at.strftime(TS), "duration_minutes": minutes, "venue_affected": affected,
        "updated_at": (at + timedelta(minutes=minutes + 30)).strftime(TS),
    } for i, (at, kind, level, title, minutes, affected) in enumerate(rows, start=1)]


def monthly_drops(year: int, ops: OperationsYear) -> dict[str, list[dict]]:
    """The twelve monthly drops (empty before the venue opened), keyed by period."""
    drops: dict[str, list[dict]] = {f"{year}-{m:02d}": [] for m in range(1, 13)}
    for r in records(year, ops):
        drops[r["started_at"][:7]].append(r)
    return drops

