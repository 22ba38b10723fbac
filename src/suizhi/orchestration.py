"""The Airflow DAGs, built from the catalog. DAG files in dags/ only call these builders.

Parsing reads conf/ and schemas/ from disk and nothing else: no connection, no database,
no Spark. Spark starts inside a task, once per stage (land, silver, tally), never once
per system.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

TZ = "Asia/Shanghai"
BRONZE = Asset("suizhi://lake/bronze", group="suizhi")
SILVER = Asset("suizhi://lake/silver", group="suizhi")
GOLD = Asset("suizhi://lake/gold", group="suizhi")
EVALUATION = Asset("suizhi://reports/evaluation", group="suizhi")
START = pendulum.datetime(2021, 1, 1, tz=TZ)


def period_of(data_interval_start) -> str:
    """The month a run covers, named in the city's time zone (2021-03)."""
    return pendulum.instance(data_interval_start).in_timezone(TZ).strftime("%Y-%m")


def build_ingest_dag(system_ids: list[str]):
    @dag(
        dag_id="suizhi_ingest",
        schedule=CronDataIntervalTimetable("@monthly", timezone=TZ),
        start_date=START, catchup=False, max_active_runs=1,
        default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
        tags=["suizhi", "ingest", "bronze"],
        doc_md="""### suizhi_ingest
Lands every departmental system's records for the month in its dataset's `bronze.<dataset>`.
`extract` is mapped over the systems of the catalog (one file under conf/systems each)
and stages each batch with its source count; `land` starts Spark once, appends every
batch idempotently and writes the ingestion ledger. IoT systems (kind iot_stream) are
streamed in `land`: every file their devices delivered since the last run, with a
watermark, re-sent readings dropped and the month's silent devices accounted.""",
    )
    def ingest():
        # multiple_outputs=False: a `-> dict` task otherwise also pushes every key of its result
        # as an XCom of its own, some ten requests per system that nothing reads.
        @task(max_active_tis_per_dagrun=8, multiple_outputs=False)
        def extract(system_id: str, data_interval_start=None) -> dict:
            from suizhi.runtime import extract_system
            return extract_system(system_id, period_of(data_interval_start))

        @task(outlets=[BRONZE])
        def land(batches: list[dict]) -> int:
            from suizhi.runtime import land_batches
            # Index within the known length: iterating the lazy XCom sequence probes one
            # offset past its end, which the task SDK logs as an error.
            return land_batches([batches[i] for i in range(len(batches))])

        land(extract.expand(system_id=system_ids))

    return ingest()


def build_silver_dag():
    @dag(
        dag_id="suizhi_silver", schedule=[BRONZE], start_date=START, catchup=False, max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=["suizhi", "silver"],
        doc_md="""### suizhi_silver
Runs when bronze changes. Conforms every landed batch that silver has not counted to its
contract in schemas/, quarantines what cannot conform, removes exact duplicates and
superseded versions with a Delta MERGE on the business key, and counts each batch in
the ledger. Personal data is protected by conf/governance.yaml before the MERGE; then
bronze batches past their retention (and already counted) are purged and vacuumed.""",
    )
    def silver():
        @task(outlets=[SILVER])
        def build() -> int:
            from suizhi.runtime import build_silver_tables
            return build_silver_tables()

        @task
        def purge_expired_bronze() -> int:
            from suizhi.runtime import purge_expired_bronze
            return purge_expired_bronze()

        build() >> purge_expired_bronze()

    return silver()


def build_gold_dag():
    @dag(
        dag_id="suizhi_gold", schedule=[SILVER], start_date=START, catchup=False, max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
        tags=["suizhi", "gold"],
        doc_md="""### suizhi_gold
Runs when silver changes. Computes the indicators declared in conf/indicators/ (one
aggregation per source dataset), derives the alerts of the warning indicators, writes
the topic datasets of conf/topics/, the district figures and vital-sign items, and the
monthly, quarterly, annual, topic and domain (主题) reports with their register. Writes
nothing when silver is unchanged.""",
    )
    def gold():
        @task(outlets=[GOLD], multiple_outputs=False)
        def build() -> dict:
            from suizhi.runtime import build_gold_tables
            return build_gold_tables()

        build()

    return gold()


def build_evaluation_dag():
    @dag(
        dag_id="suizhi_evaluation", schedule=[GOLD], start_date=START, catchup=False, max_active_runs=1,
        default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
        params={"year": Param(None, type=["null", "integer"], description="year to evaluate; latest when empty")},
        tags=["suizhi", "evaluation"],
        doc_md="""### suizhi_evaluation
The yearly 绩效自评表: tallies volumes (ledger), indicators, reports and topics (gold),
support sessions and venue uptime (silver.operation_record) and standards (conf/),
recording the Delta version of every table read; scores them against
conf/evaluation/<year>.yaml and writes reports/<year>/ (JSON, Excel, HTML, Markdown).""",
    )
    def evaluation():
        @task(multiple_outputs=False)
        def tally(params=None) -> dict:
            from suizhi.runtime import tally_year
            return tally_year(params.get("year"))

        @task(outlets=[EVALUATION])
        def report(tallied: dict) -> str:
            from suizhi.runtime import report_year
            return report_year(tallied)

        report(tally())

    return evaluation()
