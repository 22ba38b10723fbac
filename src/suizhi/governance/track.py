"""Every run of a stage, tracked: OpenLineage START/COMPLETE/FAIL events and an audit row.

A stage says which datasets it reads and writes; the Delta versions before and after,
the protections silver's commits carry, and any details the stage adds are recorded.
"""
from __future__ import annotations

import sys
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from suizhi.delta_log import commit_metadata, recent_commits
from suizhi.governance.audit import record_audit, table_versions
from suizhi.governance.lineage import emit
from suizhi.lake import Lake
from suizhi.settings import project_home


@dataclass
class Tracked:
    run_id: str
    inputs: list[str]
    outputs: list[str]
    details: dict = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    # Sub-jobs with their own datasets (silver per dataset), so a trace stays per table.
    children: list[tuple[str, list[str], list[str]]] = field(default_factory=list)


def _lake_tables(names: list[str]) -> list[str]:
    """The lake tables among a stage's datasets: not `source:`/`report:` names, nor conf/ declarations."""
    return [n for n in names if ":" not in n and "/" not in n]


def silver_protections(spark: SparkSession, lake: Lake, writes: dict) -> dict:
    """The protections silver's new commits carry, per dataset."""
    found = {}
    for table, (before, after) in writes.items():
        if not table.startswith("silver.") or after is None or after == before:
            continue
        for commit in recent_commits(spark, lake.table(table), after - (-1 if before is None else before)):
            if meta := commit_metadata(commit):
                found.setdefault(table, meta.get("protections", {}))
    return found


def airflow_task_run() -> dict | None:
    """The Airflow task this stage runs in, named as Airflow's OpenLineage provider names its run,
    so a stage's events hang under the task's; None outside a task."""
    if "airflow.sdk" not in sys.modules:  # a CLI or a test calling the stage: no Airflow, no task
        return None
    try:
        from airflow.providers.openlineage.plugins.macros import lineage_job_name, lineage_job_namespace, lineage_run_id
        from airflow.sdk import get_current_context
        ti = get_current_context()["ti"]
        return {"run_id": lineage_run_id(ti), "job": lineage_job_name(ti), "namespace": lineage_job_namespace()}
    except Exception:  # noqa: BLE001 - no task context (or no provider): the events stand alone
        return None


@contextmanager
def tracked(spark: SparkSession, lake: Lake, job: str, inputs: list[str], outputs: list[str], *,
            children: list[tuple[str, list[str], list[str]]] = (), reads: dict[str, int | None] | None = None):
    """Wrap one run of a stage: lineage events around it, an audit row after it (failed or not).

    `children` are its sub-jobs (name, inputs, outputs); `reads`, the versions it read when an
    earlier task fixed them (the evaluation reads those its tally read), else the latest."""
    run = Tracked(str(uuid.uuid4()), list(inputs), list(outputs), children=list(children))
    home = project_home()
    task = airflow_task_run()
    emit(home, job, run.run_id, "START", run.inputs, run.outputs, parent=task)
    if reads is None:
        reads = table_versions(spark, lake, _lake_tables(run.inputs))
    before = table_versions(spark, lake, _lake_tables(run.outputs))
    status = "success"
    try:
        yield run
    except BaseException:
        status = "failed"
        raise
    finally:
        after = table_versions(spark, lake, _lake_tables(run.outputs))
        writes = {t: [before.get(t), v] for t, v in after.items() if v != before.get(t)}
        record_audit(spark, lake, job, reads=reads, writes=writes, details=run.details, status=status,
                     protections=silver_protections(spark, lake, writes), run_id=run.run_id)
        state = "COMPLETE" if status == "success" else "FAIL"
        own = {o for _, _, outs in run.children for o in outs}
        emit(home, job, run.run_id, state, run.inputs, [o for o in run.outputs if o not in own], run.descriptions,
             parent=task)
        for name, ins, outs in run.children:
            child, parent = str(uuid.uuid4()), {"run_id": run.run_id, "job": f"suizhi.{job}"}
            emit(home, f"{job}.{name}", child, "START", ins, outs, parent=parent)
            emit(home, f"{job}.{name}", child, state, ins, outs, parent=parent)
