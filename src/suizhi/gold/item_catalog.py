"""The catalog of city vital-sign data items (城市体征数据项) gold publishes, declared from conf/ alone.

A published item is one figure a reader can look up by month, traceable to its indicator
or dataset:

- every indicator, as declared (city-wide or per hospital, district, category, …);
- its district breakdown, one item per district of dimensions.yaml, when the indicator
  adds up across districts (a count or a sum, so the districts' figures sum to the
  city's), its source dataset records the district, it is not already per district, it
  is not per a place that sits in one district (a dimension marked `located`), and no
  family declares the same figure per district already (全市门急诊人次 has 天河区门急诊人次);
- every dataset's records kept (入库量, from the ledger) and, where it records the
  district, its records per district (from silver);
- every topic's records.

So the catalog grows with the declarations, and its size is a number computed from conf/.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from suizhi.gold.declarations import Dimension, Indicator

DISTRICT = "district"                       # the dimension of dimensions.yaml the breakdowns use
ADDITIVE = re.compile(r"^(count\(\*\)|sum\([A-Za-z_][A-Za-z0-9_]*\))$")


@dataclass(frozen=True)
class DistrictBreakdown:
    """What gold also computes per district, in the same pass over each source dataset."""

    column: str                             # the district column of silver (district_code)
    districts: tuple[tuple[str, str], ...]  # (code, label) of each published district
    indicators: frozenset[str]              # ids of the indicators broken down
    datasets: frozenset[str]                # datasets whose records are counted per district


@dataclass(frozen=True)
class ItemSpec:
    item_id: str
    name: str
    source: str                             # the indicator id, silver.<dataset> or gold.topic_<id>
    dimension: str                          # the slice, as gold.indicator_values names it; '' city-wide
    unit: str


def district_item(owner: str, code: str) -> str:
    """The item id of an indicator's ('indicator:<id>') or dataset's ('dataset:<d>') figure in a district."""
    return f"{owner}/district={code}"


def _figure(ind: Indicator) -> tuple:
    """What an indicator computes apart from its district: the same figure whatever family declares it."""
    rest = tuple((d, v) for (d, _), v in zip(ind.by, ind.values) if d != DISTRICT)
    return ind.source, " ".join(ind.measure.split()), ind.filter, rest


def breaks_down(ind: Indicator, dimensions: dict[str, Dimension], columns: set[str], column: str,
                declared: set[tuple] = frozenset()) -> bool:
    """Whether the indicator is also published per district (see the module's rules); `declared`
    holds the figures a family already declares per district, which are not published twice."""
    dims = [d for d, _ in ind.by]
    return (column in columns and DISTRICT not in dims and ADDITIVE.match(ind.measure.strip()) is not None
            and not any(dimensions[d].located for d in dims if d in dimensions) and _figure(ind) not in declared)


def district_breakdown(indicators: list[Indicator], dimensions: dict[str, Dimension],
                       dataset_columns: dict[str, set[str]]) -> DistrictBreakdown | None:
    """The breakdown the declarations call for; None without a district dimension."""
    if DISTRICT not in dimensions:
        return None
    column = dimensions[DISTRICT].column
    declared = {_figure(i) for i in indicators if any(d == DISTRICT for d, _ in i.by)}
    return DistrictBreakdown(
        column, tuple(dimensions[DISTRICT].labelled()),
        frozenset(i.id for i in indicators
                  if breaks_down(i, dimensions, dataset_columns.get(i.source, set()), column, declared)),
        frozenset(d for d, cols in dataset_columns.items() if column in cols))


def _in_district(name: str, label: str) -> str:
    return label + (name[2:] if name.startswith("全市") else name)


def declare_items(indicators: list[Indicator], breakdown: DistrictBreakdown | None, dataset_titles: dict[str, str],
                  topic_names: dict[str, str]) -> list[ItemSpec]:
    """Every item the declarations publish: indicators, their district breakdowns, datasets, topics."""
    districts = breakdown.districts if breakdown else ()
    items = []
    for ind in indicators:
        items.append(ItemSpec(f"indicator:{ind.id}", ind.name, ind.id, ind.dimension, ind.unit))
        if breakdown and ind.id in breakdown.indicators:
            items += [ItemSpec(district_item(f"indicator:{ind.id}", code), _in_district(ind.name, label), ind.id,
                               ",".join(filter(None, [ind.dimension, f"{DISTRICT}={code}"])), ind.unit)
                      for code, label in districts]
    for dataset, title in sorted(dataset_titles.items()):
        items.append(ItemSpec(f"dataset:{dataset}", f"{title}入库量", f"silver.{dataset}", "", "条"))
        if breakdown and dataset in breakdown.datasets:
            items += [ItemSpec(district_item(f"dataset:{dataset}", code), f"{label}{title}记录数", f"silver.{dataset}",
                               f"{DISTRICT}={code}", "条") for code, label in districts]
    items += [ItemSpec(f"topic:{t}", f"{name}专题数据量", f"gold.topic_{t}", "", "条")
              for t, name in sorted(topic_names.items())]
    return items
