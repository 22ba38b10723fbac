"""What each Airflow task runs: the settings, catalog and SparkSession of this process."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from suizhi.catalog import Catalog, load_catalog
from suizhi.connectors import Batch
from suizhi.connectors.extract import extract_batch
from suizhi.lake import Lake
from suizhi.settings import Settings, load_settings


def _signature(home: Path) -> tuple:
    """Changes whenever a catalog file is added, removed or edited."""
    files = sorted([*(home / "conf").rglob("*.yaml"), *(home / "schemas").glob("*.yaml"),
                    *(home / "expectations").glob("*.yaml")])
    return tuple((str(f), f.stat().st_mtime_ns) for f in files)


@lru_cache(maxsize=4)
def _catalog(home: str, signature: tuple) -> Catalog:
    return load_catalog(Path(home))


def current_settings() -> Settings:
    return load_settings(os.environ.get("SUIZHI_ENV"))


def current_catalog(settings: Settings | None = None) -> Catalog:
    home = (settings or current_settings()).home
    return _catalog(str(home), _signature(home))


def spark_session(settings: Settings | None = None):
    from suizhi.spark import get_spark
    return get_spark(settings or current_settings())


def extract_system(system_id: str, period: str) -> dict:
    s = current_settings()
    catalog = current_catalog(s)
    system = catalog.systems[system_id]
    batch = extract_batch(system, catalog.contracts[system.dataset], period, s.sources_root, Lake(s.lake_root))
    return batch.to_dict()


def land_batches(batches: list[dict]) -> int:
    """Stage what Spark reads itself (JDBC), land every batch, then archive the landed files
    and delete the staged copies."""
    from suizhi.bronze import land
    from suizhi.connectors.staging import archive_landed, clear_staged, stage_deferred
    from suizhi.governance.stages import landing_run
    s = current_settings()
    spark, lake, catalog = spark_session(s), Lake(s.lake_root), current_catalog(s)
    run, descriptions, children = landing_run(spark, lake, catalog, batches)
    with run as tracked:
        tracked.descriptions.update(descriptions)
        tracked.children.extend(children)
        staged = stage_deferred(spark, lake, catalog, s.sources_root, [Batch(**b) for b in batches],
                                s.parallel_commits)
        rows = land(spark, lake, catalog, staged, s.parallel_commits)
        archive_landed(catalog, s.sources_root, staged)
        clear_staged(staged)
        tracked.details["batches_landed"] = len(rows)
        devices = {r["system"]: r["devices"] for r in rows if "devices" in r}
        if devices:  # streamed IoT systems: devices registered, reported and silent in the interval
            tracked.details["devices"] = devices
    return len(rows)


def build_silver_tables() -> int:
    from suizhi.governance.stages import silver_run
    from suizhi.quality.checks import rule_validation, write_scorecard
    from suizhi.silver import build_silver
    s = current_settings()
    spark, lake, catalog = spark_session(s), Lake(s.lake_root), current_catalog(s)
    quality = Path(s.reports_root) / "quality"
    run, children = silver_run(spark, lake, catalog)
    # Great Expectations judges each dataset's pass; Data Docs of its verdicts when silver ends, failed or not.
    with run as tracked, rule_validation(quality / "gx") as validation:
        tracked.children.extend(children)
        counts = build_silver(spark, lake, catalog, s.parallel_commits, validation)
        tracked.details["batches_counted"] = len(counts)
        tracked.details["quality_warnings"] = len(validation.verdicts)  # each in quality.results, verdict warn
    write_scorecard(spark, lake, catalog, quality)
    return len(counts)


def build_gold_tables() -> dict:
    from suizhi.gold.build import build_gold, plan_gold
    from suizhi.gold.lineage import gold_lineage
    from suizhi.governance.stages import gold_run
    s = current_settings()
    spark, lake, catalog = spark_session(s), Lake(s.lake_root), current_catalog(s)
    plan = plan_gold(catalog, s.home)
    lineage = gold_lineage(spark, lake, catalog, plan)
    with gold_run(spark, lake, lineage.inputs, lineage.outputs, lineage.children) as tracked:
        done = build_gold(spark, lake, catalog, s.home, s.reports_root, s.parallel_commits, plan)
        tracked.details.update(done)  # periods, values, alerts, topic rows, reports, items; or skipped
    return done


def purge_expired_bronze() -> int:
    from suizhi.governance.policy import load_policy
    from suizhi.governance.retention import purge_bronze
    s = current_settings()
    return len(purge_bronze(spark_session(s), Lake(s.lake_root), current_catalog(s), load_policy(s.home),
                            s.sources_root))


def tally_year(year: int | None, pinned: dict[str, int] | None = None) -> dict:
    from suizhi.evaluation.tally import tally
    s = current_settings()
    return tally(spark_session(s), Lake(s.lake_root), current_catalog(s), year, pinned, s.home, s.sources_root)


def report_year(tallied: dict, lang: str = "zh") -> str:
    from suizhi.evaluation.publish import publish
    from suizhi.governance.stages import evaluation_run
    s = current_settings()
    with evaluation_run(spark_session(s), Lake(s.lake_root), tallied["year"], tallied.get("read", {}),
                        tallied.get("figures", {})) as tracked:
        tracked.details.update(read=tallied.get("read", {}), figures=tallied.get("figures", {}))
        return str(publish(s, tallied, lang))
