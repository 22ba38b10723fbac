"""`quarantine.<dataset>`: the rows silver could not accept, with the rule, dimension and
failing value (masked), the batch, and the raw record with its personal fields masked.
"""
from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from suizhi.catalog.models import Contract
from suizhi.quality.validate import shown


def protected_record(contract: Contract) -> Column:
    """The record as JSON with every personal column masked (no clear text outside bronze)."""
    return F.to_json(F.struct(*[shown(contract, c.name).alias(c.name) if c.pii else F.col(c.name)
                                for c in contract.columns]))


def quarantine_rows(classified: DataFrame, contract: Contract) -> DataFrame:
    """The quarantined rows of a classified period as `quarantine.<dataset>` stores them."""
    first = F.element_at("_failures", 1)
    return classified.where(F.col("_disposition") == "quarantined").select(
        F.lit(contract.dataset).alias("dataset"), "_source_system", "_batch_id", "_period", "_source_file",
        "_source_line", "_record_hash", first["rule"].alias("rule"), first["dimension"].alias("dimension"),
        first["field"].alias("field"), first["value"].alias("failing_value"), F.col("_failures").alias("failures"),
        F.concat_ws("; ", "_problems").alias("reason"), protected_record(contract).alias("_raw_record"),
        F.current_timestamp().alias("quarantined_at"))
