"""The gold declarations' part of `suizhi catalog check`: conf/indicators/, conf/topics/ and conf/reports.yaml."""
from __future__ import annotations

from pathlib import Path

from suizhi.errors import ConfigError


def check_declarations(home: Path, catalog) -> list[str]:
    """Every problem in the indicator and topic declarations and the report plan, each naming its
    file and field. Sources are checked against the catalog's contracts and topics, as a gold run
    would use them; the plan's themes against the declared domains and the catalog's datasets.
    """
    from suizhi.gold.declarations import load_indicators
    from suizhi.gold.report_plan import load_report_plan
    from suizhi.gold.topics import load_topics
    problems: list[str] = []
    domains: set[str] | None = None
    try:
        domains = {i.domain for i in load_indicators(home, catalog.contracts)}
    except ConfigError as exc:
        problems += exc.problems
    for load in (lambda: load_topics(home, catalog),
                 lambda: load_report_plan(home, domains, set(catalog.datasets()))):
        try:
            load()
        except ConfigError as exc:
            problems += exc.problems
    return problems
