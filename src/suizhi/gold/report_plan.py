"""Which operation reports the periods held call for.

It draws on `suizhi.gold.reports` (monthly, quarterly, annual and topic reports) and on
`suizhi.gold.domain_reports` (one per domain), which builds on the first. The plan sits
above both, so the two report modules import one way only."""
from __future__ import annotations

from suizhi.gold.domain_reports import active_domains, domain_report
from suizhi.gold.reports import Facts, Report, period_report, topic_report


def plan_reports(facts: Facts, topic_names: dict[str, str]) -> list[Report]:
    """Every report the periods held call for: each month, each complete quarter and year, the year
    of each topic whose dataset has rows in it, and the year of each domain with a valued indicator."""
    periods = sorted({p for _, p, _, _ in facts.values} | {r["period"] for r in facts.ledger})
    reports = [period_report(facts, "monthly", p, [p]) for p in periods]
    for year in sorted({p[:4] for p in periods}):
        held = [p for p in periods if p.startswith(year)]
        for q in range(1, 5):
            months = [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
            if all(m in held for m in months):
                reports.append(period_report(facts, "quarterly", f"{year}-Q{q}", months))
        if len(held) == 12:
            reports.append(period_report(facts, "annual", year, held))
        active = {t for t, _, p, rows in facts.activity if p.startswith(year) and rows}
        reports += [topic_report(facts, t, n, year, held) for t, n in sorted(topic_names.items()) if t in active]
        reports += [domain_report(facts, d, year, held) for d in active_domains(facts, year)]
    return reports
