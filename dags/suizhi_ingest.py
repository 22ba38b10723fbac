"""Airflow Ingest DAG: one mapped extract per system in the catalog, one Spark landing into bronze."""
from suizhi.orchestration import build_ingest_dag
from suizhi.runtime import current_catalog

dag = build_ingest_dag(sorted(current_catalog().systems))
