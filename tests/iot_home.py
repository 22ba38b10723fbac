"""The mini catalog extended with one IoT system of kind iot_stream, the way a department
onboards one: its system file, its dataset's contract and suite, its department."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import REPO

IOT_SYSTEM = "cgj_gas_pipeline_iot"
IOT_CONNECTOR = {"kind": "iot_stream", "device_column": "sensor_id", "time_column": "observed_at",
                 "watermark": "2 days", "devices": 12000, "full_scale": 100}


def add_iot_system(home: Path, records_per_year: int = 6000) -> Path:
    """Add cgj_gas_pipeline_iot (120 devices and 6,000 readings a year at scale 1) to the home."""
    conf = home / "conf"
    departments = yaml.safe_load((conf / "departments.yaml").read_text(encoding="utf-8"))
    if not any(d["id"] == "cgj" for d in departments):
        every = yaml.safe_load((REPO / "conf" / "departments.yaml").read_text(encoding="utf-8"))
        departments.append(next(d for d in every if d["id"] == "cgj"))
        (conf / "departments.yaml").write_text(yaml.safe_dump(departments, allow_unicode=True), encoding="utf-8")
    for folder in ("schemas", "expectations"):
        name = "gas_pressure_reading.yaml"
        (home / folder / name).write_bytes((REPO / folder / name).read_bytes())
    system = yaml.safe_load((REPO / "conf" / "systems" / f"{IOT_SYSTEM}.yaml").read_text(encoding="utf-8"))
    system.update(connector=IOT_CONNECTOR, records_per_year=records_per_year)
    path = conf / "systems" / f"{IOT_SYSTEM}.yaml"
    path.write_text(yaml.safe_dump(system, allow_unicode=True), encoding="utf-8")
    return path
