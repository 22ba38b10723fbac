"""Airflow Evaluation DAG: the yearly 绩效自评表 from the ledger and silver (runs on silver's asset)."""
from suizhi.orchestration import build_evaluation_dag

dag = build_evaluation_dag()
