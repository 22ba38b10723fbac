"""`quarantine.<dataset>`: the rows silver could not accept, with the rule, dimension and
failing value (masked), the batch, and the raw record with its personal fields masked.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from suizhi.catalog.models import Contract
from suizhi.quality.validate import shown_sql
from suizhi.sqltext import ident, lit


def protected_record(contract: Contract) -> Column:
    """The record as JSON with every personal column masked (no clear text outside bronze)."""
    fields = ", ".join(f"{lit(c.name)}, {shown_sql(contract, c.name) if c.pii else ident(c.name)}"
                       for c in contract.columns)
    return F.expr(f"to_json(named_struct({fields}))")


def quarantine_rows(classified: DataFrame, contract: Contract) -> DataFrame:
    """The quarantined rows of a classified period as `quarantine.<dataset>` stores them."""
    first = F.element_at("_failures", 1)
    return classified.where(F.col("_disposition") == "quarantined").select(
        F.lit(contract.dataset).alias("dataset"), "_source_system", "_batch_id", "_period", "_source_file",
        "_source_line", "_record_hash", first["rule"].alias("rule"), first["dimension"].alias("dimension"),
        first["field"].alias("field"), first["value"].alias("failing_value"), F.col("_failures").alias("failures"),
        F.concat_ws("; ", "_problems").alias("reason"), protected_record(contract).alias("_raw_record"),
        F.current_timestamp().alias("quarantined_at"))


def list_quarantine(spark, lake, catalog, dataset: str | None = None, system: str | None = None,
                    limit: int = 50) -> list[dict]:
    """Quarantined rows, newest first: where they came from, the rule that stopped them, the masked value."""
    from suizhi.delta_log import latest_version
    datasets = [dataset] if dataset else sorted(catalog.contracts)
    frames = [spark.read.format("delta").load(lake.table(f"quarantine.{d}")) for d in datasets
              if latest_version(spark, lake.table(f"quarantine.{d}")) is not None]
    out: list[dict] = []
    for frame in frames:
        if "rule" not in frame.columns:
            continue
        rows = frame.where(F.col("_source_system") == system) if system else frame
        out += [r.asDict() for r in rows.select(
            "dataset", "_source_system", "_batch_id", "_source_line", "rule", "dimension", "field", "failing_value",
            "_record_hash").orderBy(F.col("quarantined_at").desc(), "_source_line").limit(limit).collect()]
    return out[:limit]


def quarantine_table(rows: list[dict]) -> str:
    head = f"{'dataset':<22} {'system':<30} {'batch':<38} {'line':>6} {'rule':<24} {'dimension':<5} {'value':<22} id"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['dataset']:<22} {r['_source_system']:<30} {r['_batch_id']:<38} {r['_source_line']:>6} "
                     f"{r['rule']:<24} {r['dimension']:<5} {str(r['failing_value'])[:22]:<22} {r['_record_hash'][:16]}")
    return "\n".join(lines)
