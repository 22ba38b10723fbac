"""Load and cross-check the catalog; every problem names its file and field."""
from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, TypeAdapter

from suizhi.catalog.models import Catalog, Contract, Department, System, Topic
from suizhi.errors import ConfigError
from suizhi.yamlfile import read_yaml

M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M] | TypeAdapter, problems: list[str]):
    """The file validated as model, or None with its problems added; an empty file is None
    without a problem, as the catalog has always skipped one."""
    try:
        doc = read_yaml(path)
        return None if doc.data is None else doc.validate(model)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def _load_dir(directory: Path, model: type[M], id_field: str, problems: list[str]) -> dict[str, M]:
    out: dict[str, M] = {}
    for path in sorted(directory.glob("*.yaml")):
        item = _load(path, model, problems)
        if item is None:
            continue
        ident = getattr(item, id_field)
        if ident != path.stem:
            problems.append(f"{path}: field '{id_field}': '{ident}' must match the file name '{path.stem}'")
            continue
        out[ident] = item
    return out


def _collect(root: Path) -> tuple[Catalog, list[str]]:
    problems: list[str] = []
    conf, schemas = root / "conf", root / "schemas"
    lists = {}
    for name, model in (("departments", Department), ("topics", Topic)):
        path = conf / f"{name}.yaml"
        items = None
        if path.exists():
            items = _load(path, TypeAdapter(list[model]), problems)
        else:
            problems.append(f"{path}: missing")
        lists[name] = {i.id: i for i in items or []}
    systems = _load_dir(conf / "systems", System, "id", problems)
    contracts = _load_dir(schemas, Contract, "dataset", problems)
    from suizhi.quality.scores import load_thresholds  # suites sit beside the contracts they check
    from suizhi.quality.suite import collect_suites
    suites, suite_problems = collect_suites(root, contracts)
    problems.extend(suite_problems)
    try:
        thresholds = load_thresholds(root)
    except ConfigError as exc:
        problems.extend(exc.problems)
        thresholds = None
    catalog = Catalog(lists["departments"], lists["topics"], systems, contracts, suites, thresholds)
    problems.extend(_cross_check(root, catalog))
    return catalog, problems


def _cross_check(root: Path, c: Catalog) -> list[str]:
    problems = []
    for s in c.systems.values():
        path = root / "conf" / "systems" / f"{s.id}.yaml"
        if s.department not in c.departments:
            problems.append(f"{path}: field 'department': unknown department '{s.department}'")
        if s.dataset not in c.contracts:
            problems.append(f"{path}: field 'dataset': no contract schemas/{s.dataset}.yaml")
        if s.connector.kind == "iot_stream" and s.dataset in c.contracts:
            contract = c.contracts[s.dataset]
            names = {col.name: col for col in contract.columns}
            for field in ("device_column", "time_column"):  # a reading without either is rejected at ingest
                name = getattr(s.connector, field)
                if name not in names:
                    problems.append(f"{path}: field 'connector.{field}': '{name}' is not a column of "
                                    f"schemas/{s.dataset}.yaml")
            if s.connector.time_column in names and names[s.connector.time_column].type != "timestamp":
                problems.append(f"{path}: field 'connector.time_column': column '{s.connector.time_column}' "
                                "must be of type timestamp")
        for i, topic in enumerate(s.topics):
            if topic not in c.topics:
                problems.append(f"{path}: field 'topics.{i}': unknown topic '{topic}'")
    for k in c.contracts.values():
        if k.owner not in c.departments:
            path = root / "schemas" / f"{k.dataset}.yaml"
            problems.append(f"{path}: field 'owner': unknown department '{k.owner}'")
    return problems


def check_catalog(root: Path) -> list[str]:
    """Every problem in the catalog under root, and in the gold declarations written against
    it (conf/indicators/, conf/topics/), each naming its file and field."""
    from suizhi.gold.check import check_declarations  # gold reads the catalog, so it loads after it
    catalog, problems = _collect(Path(root))
    return problems + check_declarations(Path(root), catalog)


def load_catalog(root: Path) -> Catalog:
    """The validated catalog under root; raises ConfigError listing every problem."""
    catalog, problems = _collect(Path(root))
    if problems:
        raise ConfigError(problems)
    return catalog
