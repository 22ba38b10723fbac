"""Airflow Silver DAG: conform, quarantine, dedup and MERGE every landed batch (runs on bronze's asset)."""
from suizhi.orchestration import build_silver_dag

dag = build_silver_dag()
