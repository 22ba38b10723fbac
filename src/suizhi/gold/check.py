"""The gold declarations' part of `suizhi catalog check`: conf/indicators/ and conf/topics/."""
from __future__ import annotations

from pathlib import Path

from suizhi.errors import ConfigError


def check_declarations(home: Path, catalog) -> list[str]:
    """Every problem in the indicator and topic declarations, each naming its file and field.

    Sources are checked against the catalog's contracts and topics, as a gold run would use them.
    """
    from suizhi.gold.declarations import load_indicators
    from suizhi.gold.topics import load_topics
    problems: list[str] = []
    for load in (lambda: load_indicators(home, catalog.contracts), lambda: load_topics(home, catalog)):
        try:
            load()
        except ConfigError as exc:
            problems += exc.problems
    return problems
