"""IoT readings as devices deliver them, the device registry, and the ground truth of what
the streaming ingest must make of them.

A system of kind iot_stream has a registry of devices, a tenth of them installed during
the year. Each month some registered devices stay silent; the others send the month's
readings (records_per_year × scale, spread over the months) in many small files, one per
gateway and day of arrival.

The registry holds the connector's `devices` at its `full_scale` (100 in the catalog) and
devices × scale / full_scale at another scale, at least one. The four systems of the
catalog declare the city's 84,000 devices, so scale 1 registers 840 of them against
some 26,000 readings a year: each device reports two or three times a month, and the
twentieth that stays silent (SILENT_RATE) is a few dozen devices a month, counted
exactly. Scaling the registry like the volume (about 1:3,500 of the declared yearly_volume)
would leave 24 devices, too few to count silences by; scaling it 1:1 would leave 97 % of
the devices silent every month. Planned exactly, beside the ordinary readings:

- re-sent readings: exact copies (same device and reading time) of readings already sent,
  mostly of the month's own, some of the previous month's last readings, all within the
  watermark, so the ingest drops them as duplicates;
- late readings: timed in the previous month and arriving now, half after the watermark
  (the newest reading time received before this month, less the connector's delay), which
  land, and half before it, which the ingest keeps apart as late beyond the watermark.
  The first month has none: a stream has no watermark before its first batch.

Files are written to a gateway spool, <sources>/_gateway/<system>/<YYYY-MM>/<day>/, and
`deliver` moves them into the landing folder <sources>/<system>/readings/ month by month,
as devices would send them while time passes. The registry is <sources>/<system>/devices.csv.
"""
from __future__ import annotations

import calendar
import csv
import io
import json
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from suizhi.catalog.models import Contract, System
from suizhi.simulate import fakes
from suizhi.simulate.plan import Row, _share, month_sizes
from suizhi.simulate.records import TS, draw

SILENT_RATE = 0.05          # of the registered devices, each month
RESENT_RATE = 0.03          # of the month's readings, sent again
LATE_RATE = 0.04            # of the month's readings, timed in the previous month
INSTALLED_IN_YEAR = 0.1     # of the registry, installed during the simulated year
GATEWAYS = 2                # files per day of arrival
GATEWAY, READINGS, REGISTRY = "_gateway", "readings", "devices.csv"
REGISTRY_COLUMNS = ["device_id", "device_type", "district_code", "installed_on"]
DEVICE_TYPES = {
    "gas_pressure_reading": ["管网压力传感器", "流量计", "可燃气体探测器"],
    "waterlogging_point": ["积水监测仪", "雨量计"],
    "fire_alarm": ["独立式烟感探测器", "电气火灾监测器", "消防水压监测器"],
}


@dataclass
class Reading:
    key: int                  # distinct per reading of the system's year; a re-sent copy keeps it
    device: str
    at: datetime              # reading time
    arrives: date             # day the reading reaches the landing folder
    kind: str = "on_time"     # on_time | late_within | late_beyond | resent


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def registry(rng: random.Random, system: System, contract: Contract, year: int, scale: float) -> list[dict]:
    """The system's devices: id, type, district and installation date, deterministic by rng."""
    prefix = contract.column(system.connector.device_column).simulate.prefix or "DEV"
    types = DEVICE_TYPES.get(system.dataset, ["监测终端"])
    devices = []
    for i in range(max(1, round(system.connector.devices * scale / system.connector.full_scale))):
        if rng.random() < INSTALLED_IN_YEAR:
            installed = date(year, 1, 1) + timedelta(days=rng.randrange(365))
        else:
            installed = date(year, 1, 1) - timedelta(days=rng.randrange(30, 1500))
        devices.append({"device_id": f"{prefix}{i + 1:06d}", "device_type": rng.choice(types),
                        "district_code": fakes.district_code(rng), "installed_on": installed.isoformat()})
    return devices


def _time(rng: random.Random, lo: datetime, hi: datetime, device: str, taken: set) -> datetime | None:
    """A reading time in [lo, hi) whole seconds, not yet used by the device; None if none is found."""
    span = int((hi - lo).total_seconds())
    for _ in range(20):
        at = lo + timedelta(seconds=rng.randrange(span)) if span > 0 else None
        if at is not None and (device, at) not in taken:
            taken.add((device, at))
            return at
    return None


def plan_readings(rng: random.Random, devices: list[dict], year: int, total: int,
                  delay: timedelta) -> dict[int, dict]:
    """Per month of arrival: the readings delivered, the watermark the ingest will hold and
    the registered and silent devices. Keys count up over the year."""
    months: dict[int, dict] = {}
    taken: set = set()
    newest, next_key, previous = None, 0, []
    for month, size in enumerate(month_sizes(rng, total), start=1):
        start, end = _month_start(year, month), _month_start(year, month + 1)
        last_day = (end - timedelta(days=1)).date()
        registered = [d["device_id"] for d in devices if date.fromisoformat(d["installed_on"]) <= last_day]
        resting = set(rng.sample(registered, _share(rng, len(registered), SILENT_RATE)))
        active = [d for d in registered if d not in resting]
        rng.shuffle(active)
        watermark = newest - delay if newest is not None else None
        before = set(d["device_id"] for d in devices
                     if date.fromisoformat(d["installed_on"]) < start.date()) & set(active)
        late = _share(rng, size, LATE_RATE) if watermark is not None and before else 0
        readings: list[Reading] = []
        days = calendar.monthrange(start.year, start.month)[1]
        for i in range(size if active else 0):
            if i < late:
                device = rng.choice(sorted(before))
                beyond = i < late // 2
                lo, hi = ((_month_start(year, month - 1), watermark) if beyond
                          else (watermark + timedelta(seconds=1), start))
                at = _time(rng, lo, hi, device, taken)
                if at is None:
                    continue
                arrives = (start + timedelta(days=rng.randrange(min(7, days)))).date()
                readings.append(Reading(next_key, device, at, arrives, "late_beyond" if beyond else "late_within"))
            else:
                device = active[i % len(active)]
                at = _time(rng, start, end, device, taken)
                if at is None:
                    continue
                readings.append(Reading(next_key, device, at, at.date()))
            next_key += 1
        on_time = [r for r in readings if r.kind == "on_time"]
        candidates = on_time + [r for r in previous if watermark is not None and r.at > watermark]
        for original in rng.sample(candidates, min(len(candidates), _share(rng, size, RESENT_RATE))):
            arrives = max(original.arrives, start.date()) + timedelta(days=rng.randrange(3))
            readings.append(Reading(original.key, original.device, original.at, min(arrives, last_day), "resent"))
        times = [r.at for r in readings] + ([newest] if newest is not None else [])
        newest = max(times) if times else None
        reported = {r.device for r in readings}
        months[month] = {"readings": readings, "watermark": watermark, "registered": registered,
                         "silent": sorted(set(registered) - reported)}
        previous = on_time
    return months


def _record(seed: int, year: int, system: System, contract: Contract, reading: Reading,
            device: dict) -> tuple[dict, dict]:
    """The record a reading carries: drawn like any record of its key, then given its device,
    reading time and the device's district and address (unless its injected defect is the
    district), so a rule that the address lies in the district holds for it."""
    record, counters = draw(seed, year, system.id, contract, Row(reading.key, month=reading.at.month))
    cfg = system.connector
    record[cfg.device_column] = reading.device
    record[cfg.time_column] = reading.at.strftime(TS)
    rng = random.Random(f"{seed}:{system.id}:{reading.key}:device")
    if contract.version_column != cfg.time_column:
        record[contract.version_column] = (reading.at + timedelta(seconds=rng.randrange(1, 600))).strftime(TS)
    names = {c.simulate.kind: c.name for c in contract.columns}
    if "district_code" in names and counters["defect"] != "guangzhou_division":
        record[names["district_code"]] = device["district_code"]
        where = random.Random(f"{seed}:{system.id}:{reading.device}:address")  # a device stays put
        for col in contract.columns:
            if col.simulate.kind == "address" and record[col.name] is not None:
                record[col.name] = fakes.address(where, device["district_code"])
        if "lng" in names and "lat" in names and counters["defect"] != "in_guangzhou":
            record[names["lng"]], record[names["lat"]] = fakes.coordinate(rng, device["district_code"])
    return record, counters


def simulate_iot(system: System, contract: Contract, year: int, scale: float, seed: int, root: Path | None,
                 crossings: list[dict], rng: random.Random) -> dict:
    """Write one IoT system's registry and spooled readings (unless root is None); its truth."""
    devices = registry(rng, system, contract, year, scale)
    by_id = {d["device_id"]: d for d in devices}
    delay = timedelta(seconds=system.connector.watermark_seconds)
    plans = plan_readings(rng, devices, year, round(system.records_per_year * scale), delay)
    copied = {r.key for p in plans.values() for r in p["readings"] if r.kind == "resent"}
    wanted, picked = {c["month"]: c for c in crossings}, {}
    if root is not None:
        folder = Path(root) / system.id
        folder.mkdir(parents=True, exist_ok=True)
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, REGISTRY_COLUMNS)
        writer.writeheader()
        writer.writerows(devices)
        (folder / REGISTRY).write_text(out.getvalue(), encoding="utf-8")
    months = {}
    for month, plan in plans.items():
        period = f"{year}-{month:02d}"
        defects: Counter = Counter()
        files: dict[str, list[str]] = defaultdict(list)
        planted, kinds = 0, Counter(r.kind for r in plan["readings"])
        for reading in plan["readings"]:
            record, counters = _record(seed, year, system, contract, reading, by_id[reading.device])
            if (month in wanted and month not in picked and reading.kind == "on_time"
                    and reading.key not in copied and not counters["defect"]):
                record.update(wanted[month]["fields"])  # a reading sent once, landed, never broken
                picked[month] = reading.key
            if reading.kind in ("on_time", "late_within"):
                planted += counters["identifiers_in_text"]
                defects.update([counters["defect"]] if counters["defect"] else [])
            name = f"{reading.arrives.isoformat()}/{system.id}_{reading.arrives:%Y%m%d}_{rng.randrange(GATEWAYS)}.jsonl"
            files[name].append(json.dumps(record, ensure_ascii=False))
        if root is not None:
            spool = Path(root) / GATEWAY / system.id / period
            for name, lines in sorted(files.items()):
                rng.shuffle(lines)
                path = spool / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        landed = kinds["on_time"] + kinds["late_within"]
        quarantined = sum(defects.values())
        months[period] = {
            "rows": landed, "received": len(plan["readings"]), "ingest_duplicates": kinds["resent"],
            "ingest_rejected": kinds["late_beyond"], "inserted": landed - quarantined, "duplicates": 0,
            "superseded": 0, "quarantined": quarantined, "late": kinds["late_within"], "records": landed,
            "quarantined_by": {"contract": 0, **dict(sorted(defects.items()))}, "identifiers_in_text": planted,
            "files": len(files),
            "devices": {"registered": len(plan["registered"]),
                        "reported": len(plan["registered"]) - len(plan["silent"]), "silent": plan["silent"]},
        }
    for crossing in crossings:
        if crossing["month"] not in picked:
            raise ValueError(f"system {system.id}: month {crossing['month']} has no reading a crossing can use")
    return months


def deliver(root: Path, period: str) -> int:
    """Move every spooled month up to period into its system's landing folder; the files moved."""
    moved = 0
    spool = Path(root) / GATEWAY
    for month in sorted(spool.glob(f"*/{'[0-9]' * 4}-{'[0-9]' * 2}")):
        if month.name > period:
            continue
        landing = Path(root) / month.parent.name / READINGS
        for day in sorted(p for p in month.iterdir() if p.is_dir()):
            target = landing / day.name
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted(day.iterdir()):
                path.replace(target / path.name)
                moved += 1
            day.rmdir()
        shutil.rmtree(month)
    return moved
