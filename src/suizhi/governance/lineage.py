"""OpenLineage events for every run of a stage, and tracing a table back to its systems.

Datasets are named as the lake names them: namespace `suizhi://lake` with `bronze.<dataset>`,
`silver.<dataset>`, `gold.<table>`, `ledger.batches`; `suizhi://sources` with a system id (its
file drops); `suizhi://reports` with a report's path, and `<path>#<tally>` for one figure of an
evaluation; `suizhi://conf` with a declaration's path under the project home
(`conf/standards.yaml`). Events go to var/lineage/events.jsonl (the file
transport of the OpenLineage client) and, when OPENLINEAGE_URL or OPENLINEAGE_CONFIG is
set, to that endpoint too.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import documentation_dataset, job_type_job, parent_run
from openlineage.client.transport.file import FileConfig, FileTransport

NAMESPACE = "suizhi"
PRODUCER = "urn:suizhi:pipeline"
LAKE, SOURCES, REPORTS, CONF = "suizhi://lake", "suizhi://sources", "suizhi://reports", "suizhi://conf"
EVENTS = "events.jsonl"
AIRFLOW_EVENTS = "airflow.jsonl"
_CONFIGURED = ("AIRFLOW__OPENLINEAGE__TRANSPORT", "AIRFLOW__OPENLINEAGE__CONFIG_PATH",
               "AIRFLOW__OPENLINEAGE__CONFIG_CONN_ID", "AIRFLOW__OPENLINEAGE__DISABLED", "OPENLINEAGE_URL",
               "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED")


def lineage_dir(home: Path) -> Path:
    return Path(home) / "var" / "lineage"


def airflow_provider_env(home: Path, environ: dict | None = None) -> dict[str, str]:
    """The settings that switch Airflow's OpenLineage provider on for the embedded default: its
    task events go to var/lineage/airflow.jsonl, beside the stages' events, under our namespace.

    Empty when the environment configures (or disables) OpenLineage itself. The provider
    reads them once, when Airflow loads its plugins, so they go into the environment first.
    """
    environ = os.environ if environ is None else environ
    if any(environ.get(k) for k in _CONFIGURED):
        return {}
    lineage_dir(home).mkdir(parents=True, exist_ok=True)
    transport = {"type": "file", "log_file_path": str(lineage_dir(home) / AIRFLOW_EVENTS), "append": True}
    # The provider forks the task's process to emit each event unless told to use a thread:
    # two forks of a process holding a JVM's gateway per task, 230 for the city's 115 extracts,
    # which cost an ingest run some 15 s.
    return {"AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport), "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
            "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "true"}


def dataset(name: str) -> tuple[str, str]:
    """(namespace, name) of `source:<system>`, `report:<path>`, a declaration `conf/<path>` or a
    lake table `<layer>.<name>`."""
    kind, _, rest = name.partition(":")
    if kind == "source":
        return SOURCES, rest
    if kind == "report":
        return REPORTS, rest
    if name.startswith("conf/"):
        return CONF, name
    return LAKE, name


def _clients(home: Path) -> list[OpenLineageClient]:
    folder = lineage_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    clients = [OpenLineageClient(transport=FileTransport(FileConfig(log_file_path=str(folder / EVENTS),
                                                                    append=True)))]
    if os.environ.get("OPENLINEAGE_URL") or os.environ.get("OPENLINEAGE_CONFIG"):
        clients.append(OpenLineageClient())
    return clients


def emit(home: Path, job: str, run_id: str, state: str, inputs: list[str], outputs: list[str],
         descriptions: dict[str, str] | None = None, parent: dict | None = None) -> RunEvent:
    """One RunEvent (START, COMPLETE or FAIL) of job `suizhi.<job>` with its datasets."""
    def facets(name):
        text = (descriptions or {}).get(name)
        return {"documentation": documentation_dataset.DocumentationDatasetFacet(description=text)} if text else None

    run_facets = {}
    if parent:
        run_facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=parent["run_id"]),
            job=parent_run.Job(namespace=parent.get("namespace", NAMESPACE), name=parent["job"]))
    event = RunEvent(
        eventType=RunState[state], eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=run_id, facets=run_facets or None),
        job=Job(namespace=NAMESPACE, name=f"suizhi.{job}", facets={
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="SPARK", jobType="JOB")}),
        inputs=[InputDataset(*dataset(n), facets=facets(n)) for n in sorted(set(inputs))],
        outputs=[OutputDataset(*dataset(n), facets=facets(n)) for n in sorted(set(outputs))],
        producer=PRODUCER)
    for client in _clients(home):
        client.emit(event)
    return event


def read_events(home: Path, name: str = EVENTS) -> list[dict]:
    """The events of var/lineage/<name>: the stages' (events.jsonl) or Airflow's tasks' (airflow.jsonl)."""
    path = lineage_dir(home) / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(ds: dict) -> str:
    ns, name = ds["namespace"], ds["name"]
    return {SOURCES: f"source:{name}", REPORTS: f"report:{name}"}.get(ns, name)  # conf/ and lake: as named


def upstream(events: list[dict]) -> dict[str, dict[str, set[str]]]:
    """For each dataset, the jobs that wrote it (completed runs) and what those jobs read."""
    graph: dict[str, dict[str, set[str]]] = {}
    for e in events:
        if e.get("eventType") != "COMPLETE":
            continue
        ins = {_key(d) for d in e.get("inputs", [])}
        for out in e.get("outputs", []):
            graph.setdefault(_key(out), {}).setdefault(e["job"]["name"], set()).update(ins)
    return graph


@dataclass(frozen=True)
class Trace:
    lines: list[str]        # an indented tree: each dataset, the jobs that wrote it and what they read
    systems: list[str]      # the source systems it reaches
    declarations: list[str]  # the conf/ files it reaches


def trace_tree(events: list[dict], target: str) -> Trace:
    """The tree from `target` down to the source systems and the declarations in conf/."""
    graph = upstream(events)
    lines: list[str] = []
    leaves: set[str] = set()
    seen: set[str] = set()

    def walk(name: str, depth: int) -> None:
        if name not in graph:
            leaves.add(name)
        if name in seen and name in graph:
            lines.append("  " * depth + f"{name} (see above)")
            return
        lines.append("  " * depth + name)
        seen.add(name)
        for job, ins in sorted(graph.get(name, {}).items()):
            lines.append("  " * (depth + 1) + f"<- {job}")
            for i in sorted(ins):
                walk(i, depth + 2)

    walk(target, 0)
    return Trace(lines, sorted(n.removeprefix("source:") for n in leaves if n.startswith("source:")),
                 sorted(n for n in leaves if n.startswith("conf/")))


def trace(events: list[dict], target: str) -> tuple[list[str], list[str]]:
    """The lines of an indented tree from `target` down to source systems, and those systems."""
    found = trace_tree(events, target)
    return found.lines, found.systems
