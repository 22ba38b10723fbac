"""The `connector:` block of a system file: one model per connector kind.

Each kind names where its data lives and how to read it incrementally. Secrets never
appear here: a database or API is named by an Airflow connection id, whose URI (with
its credentials) comes from Airflow or from the environment (AIRFLOW_CONN_<ID>).
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from suizhi.yamlfile import Strict

IDENT = r"^[a-z][a-z0-9_]*$"


class FileDropSource(Strict):
    """Files a department leaves in its landing folder: <sources>/<system>/<system>_<YYYY-MM>*.<format>."""

    kind: Literal["file_drop"]
    format: Literal["csv", "jsonl", "xlsx"]
    encoding: Literal["utf-8", "gbk", "gb18030"] = "utf-8"

    @model_validator(mode="after")
    def _xlsx_has_no_encoding(self) -> FileDropSource:
        if self.format == "xlsx" and self.encoding != "utf-8":
            raise ValueError("an xlsx file carries its own encoding; remove 'encoding'")
        return self


class JdbcSource(Strict):
    """A table in a relational database, read through Spark JDBC by a watermark column.

    The interval [start, end) of a run bounds the watermark, so a rerun reads the same rows.
    """

    kind: Literal["jdbc"]
    conn_id: str = Field(pattern=IDENT, description="Airflow connection of the database")
    table: str = Field(pattern=IDENT)
    watermark_column: str = Field(default="synced_at", pattern=IDENT)
    row_id_column: str = Field(default="row_id", pattern=IDENT)
    partitions: int = Field(default=1, ge=1, le=64, description="parallel reads, each a slice of the interval")


class RestApiSource(Strict):
    """A paginated JSON API: GET <base>/<path>?period=YYYY-MM&page=N&page_size=M with a bearer token."""

    kind: Literal["rest_api"]
    conn_id: str = Field(pattern=IDENT, description="Airflow connection: the base URL and the token")
    path: str = Field(pattern=r"^/[A-Za-z0-9_/{}.-]*$")
    page_size: int = Field(default=500, ge=1, le=10_000)
    requests_per_second: float = Field(default=20.0, gt=0)
    retries: int = Field(default=4, ge=0, le=10)
    backoff_seconds: float = Field(default=0.5, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0)


class IotStreamSource(Strict):
    """Readings that devices deliver continuously as small JSON Lines files under
    <sources>/<system>/readings/<YYYY-MM-DD>/, with the device registry in
    <sources>/<system>/devices.csv (device_id, device_type, district_code, installed_on).

    Spark Structured Streaming takes every file that has arrived (trigger availableNow,
    checkpointed under the lake); a reading is identified by its device and reading time,
    and one timed more than `watermark` before the newest reading already received is
    late beyond the watermark: kept apart with that reason, never landed, never lost.
    """

    kind: Literal["iot_stream"]
    format: Literal["jsonl"] = "jsonl"
    device_column: str = Field(pattern=IDENT, description="the contract column naming the device")
    time_column: str = Field(pattern=IDENT, description="the contract column holding the reading time")
    watermark: str = Field(default="2 days", pattern=r"^[1-9][0-9]* (minutes|hours|days)$",
                           description="how late a reading may arrive and still land, e.g. '2 days'")
    devices: int = Field(gt=0, description="devices in the system's registry, as the department runs it")
    full_scale: float = Field(default=100, gt=0, description="the simulator's scale at which its registry holds "
                              "all `devices`; at scale s it registers devices × s / full_scale, at least one")

    @property
    def watermark_seconds(self) -> int:
        n, unit = self.watermark.split()
        return int(n) * {"minutes": 60, "hours": 3600, "days": 86400}[unit]


SourceConfig = Annotated[FileDropSource | JdbcSource | RestApiSource | IotStreamSource,
                         Field(discriminator="kind")]
KINDS = ("file_drop", "jdbc", "rest_api", "iot_stream")
