"""Run a suite over a conformed batch in one pass: a pass flag per rule, the quarantine
decision, and the rows evaluated and failed per rule and batch, which Great Expectations
judges (`gx_run`).

The flags are plain columns added before silver checkpoints the conformed rows, so every
rule costs one expression of the same scan, and the counts one aggregation, however many
rules a suite holds.
"""
from __future__ import annotations

import logging

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from suizhi.catalog.models import Contract
from suizhi.errors import QualityError
from suizhi.masking import mask_sql
from suizhi.quality.gx_run import RuleValidation
from suizhi.quality.rules import found, passes_sql
from suizhi.quality.scores import Thresholds
from suizhi.quality.suite import CONTRACT_RULE, Expectation, Suite
from suizhi.sqltext import ident, lit

log = logging.getLogger(__name__)

FAILURE = "struct<rule:string,dimension:string,field:string,value:string>"


def flag(e: Expectation) -> str:
    return f"_ok_{e.rule}"


def shown_sql(contract: Contract, name: str) -> str:
    """A column's value as a quarantine or a report may show it: masked when it is personal."""
    pii = contract.column(name).pii
    return mask_sql(ident(name), pii) if pii else f"CAST({ident(name)} AS STRING)"


def _failure(e: Expectation, contract: Contract) -> str:
    value = shown_sql(contract, e.column)
    if e.other:
        value = f"concat_ws(', ', {value}, {shown_sql(contract, e.other)})"
    return (f"named_struct('rule', {lit(e.rule)}, 'dimension', {lit(e.dimension)}, 'field', {lit(e.column)}, "
            f"'value', {value})")


# The conform problems as failures of the contract rule (missing: 完整性, else 规范性).
CONTRACT_FAILURES = (f"transform(`_problems`, p -> named_struct('rule', {lit(CONTRACT_RULE)}, 'dimension', "
                     "CASE WHEN endswith(p, 'required value is missing') THEN '完整性' ELSE '规范性' END, "
                     "'field', substring_index(p, ':', 1), 'value', p))")


def join_references(conformed: DataFrame, suite: Suite, keys: dict[str, DataFrame]) -> DataFrame:
    """Mark, per references rule, the rows whose value is among the referenced keys (`_found_<rule>`).

    A left join against the distinct values keeps every row once; a row without a match is
    the left-anti join's answer, the dangling reference. `keys[rule]` holds the referenced
    values in one column, `_key`. The distinct values of a code list or a registry are
    small, and adaptive execution broadcasts them; a large table is joined by shuffle.
    """
    for e in suite.expectations:
        if e.type != "references":
            continue
        if e.rule not in keys:
            raise QualityError(f"{suite.dataset}: rule '{e.rule}' needs the keys of "
                               f"silver.{e.references.dataset}.{e.references.column} to run")
        probe = (keys[e.rule].select(F.col("_key").cast("string").alias("_probe")).distinct()
                 .withColumn(found(e), F.lit(True)))
        conformed = (conformed.join(probe, F.col(e.column).cast("string") == F.col("_probe"), "left")
                     .drop("_probe"))
    return conformed


def check(conformed: DataFrame, suite: Suite, contract: Contract, keys: dict[str, DataFrame] | None = None,
          schedules: dict[str, str] | None = None) -> DataFrame:
    """Add `_ok_<rule>` per expectation and `_failures`; a quarantine rule's failures join `_problems`.

    Rules judge only rows that conform to the contract: a row the contract already
    quarantines is counted once, under the contract rule. `keys` holds the referenced
    values of each references rule (see `checks.referenced_keys`), `schedules` each
    system's schedule for timeliness rules that follow it. The columns are SQL text, two
    projections Spark parses in one call each, however many rules the suite holds.
    """
    joined = join_references(conformed, suite, keys or {})
    df = joined.selectExpr(*map(ident, conformed.columns), *[
        f"CASE WHEN size(`_problems`) = 0 THEN {passes_sql(e, schedules)} END AS {ident(flag(e))}"
        for e in suite.expectations])
    failed = [f"CASE WHEN NOT {ident(flag(e))} THEN {_failure(e, contract)} END" for e in suite.expectations]
    rule_failures = (f"filter(array({', '.join(failed)}), f -> f IS NOT NULL)" if failed
                     else f"CAST(array() AS array<{FAILURE}>)")
    quarantining = [f"CASE WHEN NOT {ident(flag(e))} THEN {lit(f'{e.rule}: {e.column} fails {e.type}')} END"
                    for e in suite.of_action("quarantine")]
    problems = "`_problems`"
    if quarantining:
        problems = f"concat(`_problems`, filter(array({', '.join(quarantining)}), p -> p IS NOT NULL))"
    return df.selectExpr(*[f"{problems} AS `_problems`" if c == "_problems" else ident(c) for c in df.columns],
                         f"concat({CONTRACT_FAILURES}, {rule_failures}) AS `_failures`")


def rule_sums(suite: Suite) -> list[Column]:
    """The aggregates rule counts are made of, for any grouping that includes `_batch_id`:
    rows, rows conforming to the contract, and rows failed per rule."""
    conforming = F.size(F.filter("_failures", lambda f: f["rule"] == CONTRACT_RULE)) == 0
    return [F.count(F.lit(1)).alias("_rows"), F.sum(conforming.cast("long")).alias("_conforming"),
            *[F.sum((~F.col(flag(e))).cast("long")).alias(f"_failed_{e.rule}") for e in suite.expectations]]


def counts_of(grouped: list, suite: Suite, batch_ids: list[str]) -> dict[str, dict[str, list[int]]]:
    """Per batch and rule: [rows evaluated, rows failed], the contract rule first, from rows of
    `rule_sums` grouped by `_batch_id` and maybe more keys (summed here)."""
    sums: dict[str, dict[str, int]] = {}
    for row in grouped:
        total = sums.setdefault(row["_batch_id"], {})
        for name in ("_rows", "_conforming", *[f"_failed_{e.rule}" for e in suite.expectations]):
            total[name] = total.get(name, 0) + (row[name] or 0)
    counts = {b: {} for b in batch_ids}
    for batch, total in sums.items():
        rows, ok = total["_rows"], total["_conforming"]
        counts[batch] = {CONTRACT_RULE: [rows, rows - ok],
                         **{e.rule: [ok, total[f"_failed_{e.rule}"]] for e in suite.expectations}}
    return counts


def rule_counts(checked: DataFrame, suite: Suite, batch_ids: list[str]) -> dict[str, dict[str, list[int]]]:
    """Per batch and rule: [rows evaluated, rows failed], the contract rule first. One Spark job."""
    return counts_of(checked.groupBy("_batch_id").agg(*rule_sums(suite)).collect(), suite, batch_ids)


def _example(checked: DataFrame, e: Expectation, batch: str) -> str:
    """A failing value (masked) of rule `e` in the batch, for the message that stops the run."""
    # F.filter calls the lambda here, while e is this call's rule.
    return (checked.where((F.col("_batch_id") == batch) & ~F.col(flag(e)))
            .select(F.element_at(F.filter("_failures", lambda f: f["rule"] == e.rule), 1)["value"]).first()[0])


def judge(checked: DataFrame, suite: Suite, catalog, dataset: str, batches: list[tuple[str, str]],
          grouped: list | None = None, validation: RuleValidation | None = None) -> dict[str, dict]:
    """Count the rules per batch of a checked pass and have Great Expectations judge the figures
    (`gx_run`): per batch {"rules": {rule: [evaluated, failed]}, "warned": [rules GX warned on]}.

    A fail verdict of GX raises QualityError naming dataset, system, batch, rule and figures
    (and a masked failing value of a rule whose action is fail); a warn verdict is logged
    and returned. `grouped` holds the `rule_sums` rows when the caller aggregated them already
    (silver does, in the pass that counts dispositions); without it the counts take one job
    here. `validation` is the run's GX context (silver's); without it one is made for this call.
    """
    ids = [b for _, b in batches]
    counts = counts_of(grouped, suite, ids) if grouped is not None else rule_counts(checked, suite, ids)
    verdicts = (validation or RuleValidation()).validate(suite, catalog.thresholds or Thresholds(), counts,
                                                         {b: s for s, b in batches})
    rules = {e.rule: e for e in suite.expectations}
    stops = []
    for v in (v for v in verdicts if v.verdict == "fail"):
        e = rules.get(v.rule)
        if v.threshold is None and e is not None:
            stops.append(f"{dataset}: rule '{e.rule}' ({e.dimension}, action fail) failed on {v.failed} row(s) of "
                         f"batch {v.batch_id}, field '{e.column}', e.g. '{_example(checked, e, v.batch_id)}'")
        else:
            stops.append(v.message())
    if stops:
        raise QualityError("; ".join(stops) + f" (Great Expectations, suite '{dataset}')")
    warned: dict[str, set[str]] = {b: set() for b in ids}
    for v in verdicts:
        log.warning("%s (Great Expectations)", v.message())
        warned[v.batch_id].add(v.rule)
    return {b: {"rules": counts[b], "warned": sorted(warned[b])} for b in ids}
