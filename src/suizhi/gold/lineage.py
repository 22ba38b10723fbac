"""What a gold run reads and writes, table by table, for its lineage events and audit row.

Each gold table is the output of one child job that names the tables and declarations it
is computed from, so `suizhi lineage` follows gold.indicator_values to the silver datasets
the indicators are declared on, and gold.topic_<id> to its topic's sources, rather than
every gold table to all of silver. Declarations are named by their path under the project
home (`conf/indicators`, `conf/topics/<id>.yaml`).
"""
from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import SparkSession

from suizhi.catalog import Catalog
from suizhi.delta_log import latest_version
from suizhi.gold.build import GoldPlan
from suizhi.gold.report_plan import DEFAULT_PLAN
from suizhi.gold.topics import TopicDataset
from suizhi.lake import Lake

INDICATORS = "conf/indicators"
REPORT_PLAN = "conf/reports.yaml"
LEDGER = "ledger.batches"


@dataclass(frozen=True)
class GoldLineage:
    inputs: list[str]                                   # silver tables, the ledger, declarations
    outputs: list[str]                                  # every gold table the run may write
    children: list[tuple[str, list[str], list[str]]]    # (table's job, its inputs, [the table])


def _topic_inputs(spec: TopicDataset, catalog: Catalog, held: set[str]) -> list[str]:
    """The silver tables gold.topic_<id> reads (none when none of its sources has a table yet)."""
    sources = [s for s in spec.sources if s.dataset in catalog.contracts and s.dataset in held]
    if not sources:
        return []
    read = {s.dataset for s in sources} | {s.join.dataset for s in sources if s.join and s.join.dataset in held}
    if spec.window and spec.window.dataset in held:
        read.add(spec.window.dataset)
    return sorted(f"silver.{d}" for d in read)


def gold_lineage(spark: SparkSession, lake: Lake, catalog: Catalog, plan: GoldPlan) -> GoldLineage:
    """The tables a gold run of `plan` reads and writes now, each gold table with its own inputs."""
    held = {d for d in plan.datasets if latest_version(spark, lake.table(f"silver.{d}")) is not None}

    def silver(datasets) -> list[str]:
        return sorted(f"silver.{d}" for d in set(datasets) if d in held)

    children = [("indicators", [INDICATORS], ["gold.indicators"])]
    values = silver(i.source for i in plan.indicators)
    if values:
        children += [("indicator_values", [*values, INDICATORS], ["gold.indicator_values"]),
                     ("alerts", ["gold.indicator_values", INDICATORS], ["gold.alerts"])]
    if plan.breakdown:
        broken = silver({i.source for i in plan.indicators if i.id in plan.breakdown.indicators}
                        | plan.breakdown.datasets)
        if broken:
            children.append(("district_values", [*broken, INDICATORS], ["gold.district_values"]))
    topics = []
    for topic_id, spec in sorted(plan.topics.items()):
        if read := _topic_inputs(spec, catalog, held):
            topics.append(f"gold.topic_{topic_id}")
            children.append((f"topic_{topic_id}", [*read, f"conf/topics/{topic_id}.yaml"], [topics[-1]]))
    children.append(("topic_activity", topics, ["gold.topic_activity"]))
    written = {t for _, _, outs in children for t in outs}

    def present(*tables: str) -> list[str]:
        """Tables this run writes, or an earlier run wrote: what the reports and items find."""
        return [t for t in tables if t in written or latest_version(spark, lake.table(t)) is not None]

    ledger = present(LEDGER)
    facts = present("gold.indicator_values", "gold.district_values", "gold.alerts", "gold.topic_activity", *topics)
    # The plan decides which reports are written; a home without conf/reports.yaml has the default one.
    plan_file = [REPORT_PLAN] if plan.reports is not DEFAULT_PLAN else []
    children.append(("report_register", [*facts, *ledger, INDICATORS, *plan_file], ["gold.report_register"]))
    items = present("gold.indicator_values", "gold.district_values", "gold.topic_activity")
    children.append(("vital_sign_items", [*items, *ledger, INDICATORS], ["gold.vital_sign_items"]))
    read = sorted({t for _, ins, _ in children for t in ins if t.startswith("silver.")})
    declared = sorted({t for _, ins, _ in children for t in ins if t.startswith("conf/")})
    outputs = [t for _, _, outs in children for t in outs]
    return GoldLineage([*read, *ledger, *declared], outputs, children)
