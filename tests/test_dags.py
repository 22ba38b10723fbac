"""DAG integrity: every file in dags/ parses without touching a connection, Spark or the network."""
from __future__ import annotations

import socket

import pytest

from tests.conftest import REPO


class Touched(AssertionError):
    pass


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook, Variable
    from pyspark.sql import SparkSession

    def refuse(*args, **kwargs):
        raise Touched("DAG parsing reached outside the DAG files")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(BaseHook, "get_connection", classmethod(refuse))
        mp.setattr(Variable, "get", staticmethod(refuse))
        mp.setattr(SparkSession.Builder, "getOrCreate", refuse)
        mp.setattr(socket.socket, "connect", refuse)
        bag = DagBag(dag_folder=str(REPO / "dags"))
    return bag


def test_every_dag_file_imports_without_error(dagbag):
    assert dagbag.import_errors == {}
    assert sorted(dagbag.dags) == ["suizhi_evaluation", "suizhi_gold", "suizhi_ingest", "suizhi_silver"]


@pytest.mark.parametrize("dag_id", ["suizhi_evaluation", "suizhi_gold", "suizhi_ingest", "suizhi_silver"])
def test_schedule_retries_tags_and_docs_are_deliberate(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.catchup is False
    assert dag.default_args["retries"] >= 1
    assert "suizhi" in dag.tags
    assert dag.doc_md and dag_id in dag.doc_md
    assert dag.max_active_runs == 1


def test_the_ingest_dag_maps_over_every_system_of_the_catalog(dagbag):
    from suizhi.catalog import load_catalog
    extract = dagbag.dags["suizhi_ingest"].get_task("extract")
    assert extract.op_kwargs_expand_input.value["system_id"] == sorted(load_catalog(REPO).systems)


def test_assets_chain_ingest_to_silver_to_gold_to_evaluation(dagbag):
    from suizhi.orchestration import BRONZE, EVALUATION, GOLD, SILVER
    assert dagbag.dags["suizhi_ingest"].get_task("land").outlets == [BRONZE]
    assert dagbag.dags["suizhi_silver"].get_task("build").outlets == [SILVER]
    assert dagbag.dags["suizhi_gold"].get_task("build").outlets == [GOLD]
    assert dagbag.dags["suizhi_evaluation"].get_task("report").outlets == [EVALUATION]
