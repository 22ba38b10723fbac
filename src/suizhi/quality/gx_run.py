"""Great Expectations decides each silver pass's quality verdicts, and renders them as Data Docs.

Silver counts the rows evaluated and failed per rule and batch in its one pass over the
rows (validate.py). GX then validates those figures, one row per batch and rule with the
rule's thresholds from conf/quality.yaml beside its score, with a suite of three
expectations per dataset:

- the score (1 - failed / evaluated) is at least the rule's warn threshold: severity warning;
- the score is at least its fail threshold, on a batch of at least `min_rows` evaluated rows
  (a smaller one is too small to fail on): severity critical;
- a rule whose action is fail failed on no row: severity critical.

What silver does next is read from GX's result: a batch and rule an expectation of severity
critical finds stops the pass before its commit, one a warning finds is recorded as warned.
Three expectations over a few rows a dataset, in pandas: no Spark job, and GX's cost, which
is per expectation (some 25 ms each on the demo's machine), does not grow with the rules
(an expectation per rule and threshold took 23 s for the catalog's 462 rules, these 2 s).
The results stay in the run's GX context, and `write_docs` renders them as Data Docs when
the run ends, a failed run included, so the docs show what decided it.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from suizhi.errors import QualityError
from suizhi.lake import period_of
from suizhi.quality.scores import Thresholds
from suizhi.quality.suite import CONTRACT_RULE, Suite

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
SITE = "suizhi"
# The columns of the figures GX validates, one row per batch and rule; GX names the rows it
# finds by the first five.
FIGURES = ("batch", "system", "rule", "evaluated", "failed", "score", "warn_threshold", "fail_threshold",
           "failures_allowed")


@dataclass(frozen=True)
class Verdict:
    """One batch and rule that an expectation of the run's suite found: `warn` or `fail`."""

    dataset: str
    system: str
    batch_id: str
    rule: str
    verdict: str
    score: float
    failed: int
    evaluated: int
    threshold: float | None  # the least score GX allowed; None: the rule's action is fail, no row may fail

    def message(self) -> str:
        where = f"{self.dataset}: system {self.system}, batch {self.batch_id}, rule '{self.rule}'"
        if self.threshold is None:
            return f"{where}: {self.failed} of {self.evaluated} rows failed a rule whose action is fail"
        return (f"{where}: score {self.score:.4f} ({self.failed} of {self.evaluated} rows failed) is below the "
                f"{self.verdict} threshold {self.threshold}")


def _expectations(min_rows: int) -> list:
    """What each row's figures must meet; each says in Data Docs which verdict its failure is."""
    import great_expectations.expectations as gxe

    def pair(a: str, b: str, severity: str, description: str):
        return gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True,
                                                           ignore_row_if="either_value_is_missing",
                                                           severity=severity, description=description)
    return [pair("score", "warn_threshold", "warning", "告警（warn）：规则得分 score 不低于其告警阈值 warn_threshold"),
            pair("score", "fail_threshold", "critical",
                 f"中止（fail）：评估不少于 {min_rows} 行的批次，规则得分 score 不低于其中止阈值 fail_threshold"),
            pair("failures_allowed", "failed", "critical",
                 "中止（fail）：处置为 fail 的规则，不通过行数 failed 不超过 failures_allowed（0）")]


def _figures(suite: Suite, thresholds: Thresholds, counts: dict[str, dict[str, list[int]]],
             system_of: dict[str, str]) -> list[dict]:
    """One row per batch and rule (the contract first): rows evaluated and failed, the score,
    and the thresholds that apply to it."""
    actions = {CONTRACT_RULE: "quarantine", **{e.rule: e.action for e in suite.expectations}}
    rows = []
    for batch, per_rule in sorted(counts.items()):
        for rule, action in actions.items():
            evaluated, failed = per_rule.get(rule, [0, 0])
            limit = thresholds.of(suite.dataset, rule)
            rows.append(dict(zip(FIGURES, (
                batch, system_of.get(batch, batch), rule, evaluated, failed,
                1 - failed / evaluated if evaluated else None, limit.warn,
                limit.fail if evaluated >= thresholds.min_rows else None, 0 if action == "fail" else None))))
    return rows


class RuleValidation:
    """The Great Expectations context of one silver run: each dataset's pass is validated in
    it (`validate`, from silver's threads, one at a time), and `write_docs` renders them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._context = None
        self._suites: dict[str, tuple] = {}
        self.runs = 0
        self.seconds = 0.0  # spent in GX: validations and Data Docs
        self.verdicts: list[Verdict] = []

    def _gx(self):
        if self._context is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig
            context = gx.get_context(mode="ephemeral")
            # No progress bars: a run's log (and the demo's output) is read by people.
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
            context.data_sources.add_pandas("silver")
            self._context = context
        return self._context

    def _definition(self, dataset: str, min_rows: int, name: str):
        import great_expectations as gx
        context = self._gx()
        if dataset not in self._suites:
            asset = context.data_sources.get("silver").add_dataframe_asset(dataset)
            self._suites[dataset] = (
                asset.add_batch_definition_whole_dataframe("rule figures per batch"),
                context.suites.add(gx.ExpectationSuite(name=dataset, expectations=_expectations(min_rows))))
        batch, suite = self._suites[dataset]
        return context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))

    def validate(self, suite: Suite, thresholds: Thresholds, counts: dict[str, dict[str, list[int]]],
                 system_of: dict[str, str]) -> list[Verdict]:
        """GX's verdicts on a pass of `suite.dataset`: `counts` holds [evaluated, failed] per
        batch and rule. Raises QualityError if GX could not evaluate an expectation."""
        import pandas as pd
        from great_expectations.core.run_identifier import RunIdentifier
        started = time.monotonic()
        figures = pd.DataFrame(_figures(suite, thresholds, counts, system_of), columns=list(FIGURES))
        periods = sorted({period_of(b) for b in counts})
        with self._lock:
            self.runs += 1
            run = f"silver {periods[0]}" + (f" – {periods[-1]}" if len(periods) > 1 else "")
            definition = self._definition(suite.dataset, thresholds.min_rows, f"{suite.dataset} {run} #{self.runs}")
            result = definition.run(
                batch_parameters={"dataframe": figures}, run_id=RunIdentifier(run_name=run, run_time=datetime.now(UTC)),
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(FIGURES[:5]),
                               "return_unexpected_index_query": False})
            verdicts = _verdicts(suite.dataset, result)
            self.verdicts.extend(verdicts)
            self.seconds += time.monotonic() - started
        return verdicts

    def write_docs(self, docs: Path) -> Path | None:
        """Render this run's suites and validation results as Data Docs under `docs`; their index,
        or None when nothing was validated (the docs of the run before stay)."""
        with self._lock:
            if self._context is None:
                return None
            started = time.monotonic()
            if SITE not in self._context.list_data_docs_sites():
                self._context.add_data_docs_site(site_name=SITE, site_config={
                    "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs)}})
            self._context.build_data_docs(site_names=[SITE])
            self.seconds += time.monotonic() - started
        return Path(docs) / "index.html"


def _verdicts(dataset: str, result) -> list[Verdict]:
    """Every batch and rule an unsuccessful expectation of `result` found, warn or fail as its
    severity says, with the figures GX found there."""
    found = []
    for outcome in result.results:
        if outcome.success:
            continue
        config = outcome.expectation_config
        if "unexpected_index_list" not in outcome.result:  # an exception, not a finding
            raise QualityError(f"{dataset}: Great Expectations could not evaluate '{config.description}': "
                               f"{outcome.exception_info}")
        verdict = "fail" if str(getattr(config.severity, "value", config.severity)) == "critical" else "warn"
        threshold = config.kwargs["column_B"] if config.kwargs["column_A"] == "score" else None
        for hit in outcome.result["unexpected_index_list"]:
            evaluated, failed = int(hit["evaluated"]), int(hit["failed"])
            score = float(hit["score"]) if threshold else 1 - failed / evaluated
            found.append(Verdict(dataset, hit["system"], hit["batch"], hit["rule"], verdict, score, failed, evaluated,
                                 float(hit[threshold]) if threshold else None))
    return sorted(found, key=lambda v: (v.verdict != "fail", v.batch_id, v.rule, v.threshold is not None))
