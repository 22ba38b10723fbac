"""The operator's report plan (conf/reports.yaml), and the reports it calls for in the periods held.

The plan is data: which periodic reports are published and from which month, whether each
topic gets its yearly report, and the themes (主题) with the indicator domains and datasets
each covers. Gold derives every report from the lake: a period's report once its months are
held, a topic's or theme's only where its data has rows. It draws on `suizhi.gold.reports`
and `suizhi.gold.theme_reports`, which builds on the first; the plan sits above both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from suizhi.errors import ConfigError
from suizhi.gold.reports import Facts, Report, period_report, topic_report
from suizhi.gold.theme_reports import theme_datasets, theme_report
from suizhi.yamlfile import Strict, read_yaml

PERIODIC = ("monthly", "quarterly", "annual")


class Theme(Strict):
    """A theme (主题) with a yearly operation analysis report."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the report's file name")
    name: str = Field(min_length=1, description="主题 name, as the report's title gives it")
    domains: list[str] = Field(default=[], description="indicator domains (conf/indicators/*.yaml `domain`)")
    datasets: list[str] = Field(default=[], description="datasets beyond those its domains are computed from")

    @model_validator(mode="after")
    def _covers_something(self) -> Theme:
        if not self.domains and not self.datasets:
            raise ValueError("a theme names at least one indicator domain or dataset")
        return self


class ReportPlan(Strict):
    version: Literal[1]
    start: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="the first month reported on (YYYY-MM); none: every month held")
    periodic: list[Literal["monthly", "quarterly", "annual"]] = Field(default=list(PERIODIC))
    topics: bool = True
    themes: list[Theme] = []

    @model_validator(mode="after")
    def _unique_themes(self) -> ReportPlan:
        ids = [t.id for t in self.themes]
        if len(ids) != len(set(ids)):
            raise ValueError(f"theme ids given twice: {sorted({i for i in ids if ids.count(i) > 1})}")
        return self


# A home without conf/reports.yaml publishes the periodic and topic reports of every month held.
DEFAULT_PLAN = ReportPlan(version=1)


def load_report_plan(home: Path, domains: set[str] | None = None, datasets: set[str] | None = None) -> ReportPlan:
    """conf/reports.yaml validated; with `domains` and `datasets` (the indicator domains declared
    and the catalog's datasets), each theme's references are checked against them too."""
    path = Path(home) / "conf" / "reports.yaml"
    if not path.exists():
        return DEFAULT_PLAN
    doc = read_yaml(path)
    plan = doc.validate(ReportPlan)
    problems = []
    for i, theme in enumerate(plan.themes):
        for field, names, known in (("domains", theme.domains, domains), ("datasets", theme.datasets, datasets)):
            for j, name in enumerate(names):
                if known is not None and name not in known:
                    problems.append(doc.problem(("themes", i, field, j), f"theme '{theme.id}': no {field[:-1]} "
                                                f"'{name}' is declared"))
    if problems:
        raise ConfigError(problems)
    return plan


def reported_periods(start: str | None, year: str) -> tuple[list[str], dict[str, list[str]]]:
    """The months of `year` the plan reports on (from `start` on) and each quarter with its
    reported months: a quarter the start falls in reports the months from it (2021-Q2: June)."""
    months = [p for p in (f"{year}-{m:02d}" for m in range(1, 13)) if start is None or p >= start]
    quarters = {f"{year}-Q{q}": [p for p in months if (int(p[5:]) + 2) // 3 == q] for q in range(1, 5)}
    return months, {q: ms for q, ms in quarters.items() if ms}


def plan_reports(facts: Facts, topic_names: dict[str, str], plan: ReportPlan = DEFAULT_PLAN) -> list[Report]:
    """Every report the plan calls for in the periods held (from its start month on): each month,
    each quarter and year whose reported months are all held, the year of each topic with rows in
    them, and the year of each theme whose datasets hold rows of them in silver."""
    periods = sorted({p for _, p, _, _ in facts.values} | {r["period"] for r in facts.ledger}
                     | {p for held in facts.held.values() for p in held})
    periods = [p for p in periods if plan.start is None or p >= plan.start]
    reports = [period_report(facts, "monthly", p, [p]) for p in periods] if "monthly" in plan.periodic else []
    for year in sorted({p[:4] for p in periods}):
        held = [p for p in periods if p.startswith(year)]
        months, quarters = reported_periods(plan.start, year)
        if "quarterly" in plan.periodic:
            reports += [period_report(facts, "quarterly", q, ms) for q, ms in quarters.items()
                        if all(m in held for m in ms)]
        if "annual" in plan.periodic and held == months:
            reports.append(period_report(facts, "annual", year, held))
        if plan.topics:
            active = {t for t, _, p, rows in facts.activity if p in held and rows}
            reports += [topic_report(facts, t, n, year, held) for t, n in sorted(topic_names.items()) if t in active]
        for theme in plan.themes:
            datasets = theme_datasets(facts, theme.domains, theme.datasets)
            if any(p in held for d in datasets for p in facts.held.get(d, ())):
                reports.append(theme_report(facts, theme, datasets, year, held))
    return reports
