"""Airflow Gold DAG: indicators, alerts, topic datasets, vital signs and reports (runs on silver's asset)."""
from suizhi.orchestration import build_gold_dag

dag = build_gold_dag()
