"""Run a simulated year through the real Airflow DAGs, month by month, then evaluate it."""
from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import pendulum

from suizhi.errors import SuizhiError
from suizhi.orchestration import TZ, build_evaluation_dag, build_gold_dag, build_ingest_dag, build_silver_dag
from suizhi.runtime import current_catalog, current_settings
from suizhi.simulate.iot import deliver
from suizhi.simulate.serve_api import serving_api


class DagRunFailed(SuizhiError):
    """A DAG run ended in a state other than success."""


def _test(dag, **kwargs) -> None:
    with warnings.catch_warnings():
        # dag.test() keeps one serialized version per run of a DAG it re-parses, and then
        # warns while loading a run that several exist; the run itself is unaffected.
        warnings.filterwarnings("ignore", message="Multiple rows returned with uselist=False")
        run = dag.test(**kwargs)
    state = getattr(run, "state", None)
    if str(state) not in ("success", "DagRunState.SUCCESS"):
        raise DagRunFailed(f"DAG {dag.dag_id} run {kwargs} ended in state {state}; see the task logs above")


def run_months(year: int, months: list[int], progress: Callable[[list[str], str, float], None] | None = None,
               every: int = 1) -> None:
    """Ingest each month in its own interval through dag.test(), and build silver and gold
    after every `every` months ingested (and after the last).

    The departmental APIs are served on loopback meanwhile, unless connection
    suizhi_city_api already points at a server, and the devices' files of each month are
    delivered to the landing folders of the IoT systems just before the month's run.
    `progress(periods, stage, seconds)` hears of each stage as it ends.

    Silver and gold are asset-scheduled: a silver run takes every batch landed since the
    last, as it does after a backfill or after being down for months. It takes a dataset's
    pending periods in one pass that counts each batch as the months run one by one would,
    so `every` changes what a run costs, not what the lake holds.
    """
    catalog = current_catalog()
    ingest = build_ingest_dag(sorted(catalog.systems))
    silver, gold = build_silver_dag(), build_gold_dag()
    apis = any(s.connector.kind == "rest_api" for s in catalog.systems.values())
    devices = any(s.connector.kind == "iot_stream" for s in catalog.systems.values())
    sources = Path(current_settings().sources_root)

    def run(month: int, stages, periods: list[str]) -> None:
        # A monthly data interval ends when the next month starts.
        after = pendulum.datetime(year, month, 1, tz=TZ).add(months=1)
        for stage, dag in stages:
            started = time.monotonic()
            _test(dag, logical_date=after)
            if progress:
                progress(periods, stage, time.monotonic() - started)

    waiting: list[str] = []
    with serving_api(sources) if apis else nullcontext():
        for i, month in enumerate(months):
            period = f"{year}-{month:02d}"
            if devices:  # the devices' files of the month arrive before its run, as time passes
                deliver(sources, period)
            run(month, [("ingest", ingest)], [period])
            waiting.append(period)
            if len(waiting) == every or i == len(months) - 1:
                run(month, [("silver", silver), ("gold", gold)], waiting)
                waiting = []


def evaluate(year: int) -> None:
    _test(build_evaluation_dag(), run_conf={"year": year})


def check_lake_holds(year: int, scale: float, seed: int) -> bool:
    """Refuse to mix two simulations in one lake; the same one is rerun idempotently.

    Returns whether the lake already held this simulation (a rerun)."""
    settings = current_settings()
    marker = Path(settings.lake_root) / "_simulation.json"
    wanted = {"year": year, "scale": scale, "seed": seed}
    if marker.exists():
        held = json.loads(marker.read_text())
        if held != wanted:
            raise SuizhiError(f"{settings.lake_root} holds the simulation {held}, not {wanted}: "
                              "run `make clean` first")
        return True
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(wanted))
    return False
