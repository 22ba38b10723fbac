"""How much of the city's declared volume the sources hold, read from a simulation's manifest.

Every system declares its real records a year (`yearly_volume` in conf/systems/). A simulation
generates a known fraction of that and says so in `<sources root>/manifest.json`, under the key
`sampling`:

    "sampling": {"fraction": 0.0002861,           rows_generated / declared_volume
                 "rows_generated": 314710,        rows the sources hold, the readings a stream
                                                  drops as re-sent or late included
                 "declared_volume": 1100000000,   yearly_volume × months / 12, summed over the
                                                  systems simulated
                 "systems": 115, "months": 12, "scale": 1.0}

The evaluation reads the year's volume as rows landed / fraction, to two significant figures
(more digits would claim a precision a sample does not have). Sources without a manifest are
the departments' own (production, the cluster): the fraction is 1 and the volume is the rows
landed, exactly. The pipeline never imports the simulator, so this module reads the JSON
itself, and the simulator writes the entry with `sampling_entry`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from suizhi.errors import EvaluationError

MANIFEST = "manifest.json"
SAMPLING = "sampling"


@dataclass(frozen=True)
class Sampling:
    """The fraction of the declared volume the sources hold; manifest None for real sources."""

    fraction: float = 1.0
    rows_generated: int | None = None
    declared_volume: int | None = None
    manifest: str | None = None


def sampling_entry(rows_generated: int, declared_volume: int, **inputs) -> dict:
    """The manifest's `sampling` entry: the fraction generated and what it is computed from."""
    if declared_volume <= 0:
        raise ValueError(f"the systems simulated declare no volume ({declared_volume!r})")
    return {"fraction": rows_generated / declared_volume, "rows_generated": rows_generated,
            "declared_volume": declared_volume, **inputs}


def read_sampling(sources: str | Path | None, year: int) -> Sampling:
    """The sampling of the simulation in `sources` (its manifest.json), or the whole volume
    (fraction 1) when the sources hold no simulation. A manifest of another year, or one
    without a usable `sampling`, is refused: the year's volume could not be read from it."""
    path = Path(sources) / MANIFEST if sources is not None else None
    if path is None or not path.is_file():
        return Sampling()
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvaluationError(f"{path}: the simulation's manifest cannot be read: {exc}") from None
    if manifest.get("year") != year:
        raise EvaluationError(f"{path}: the sources hold a simulation of {manifest.get('year')}, not of {year}; "
                              "its sampling does not say how much of that year's volume they hold")
    entry = manifest.get(SAMPLING)
    fraction = entry.get("fraction") if isinstance(entry, dict) else None
    if not (isinstance(fraction, (int, float)) and math.isfinite(fraction) and fraction > 0):
        raise EvaluationError(f"{path}: no '{SAMPLING}.fraction' (a positive number) saying what share of the "
                              f"declared volume was simulated, got {entry!r}; simulate again (`make clean`, "
                              "then `make demo`)")
    return Sampling(float(fraction), entry.get("rows_generated"), entry.get("declared_volume"), str(path.resolve()))


def round_2sf(x: float) -> float:
    """x to two significant figures, halves up: 1,095,644,879 → 1.1e9, 3,495 → 3,500."""
    if x <= 0:
        return 0.0
    d = Decimal(repr(float(x)))
    return float(d.quantize(Decimal(1).scaleb(d.adjusted() - 1), rounding=ROUND_HALF_UP))


def fraction_text(fraction: float) -> str:
    """A fraction as people say it: 1/3,500 (the reciprocal to two significant figures), or 2× above 1."""
    if fraction >= 1:
        return f"{round_2sf(fraction):g}×"
    n = round_2sf(1 / fraction)
    return f"1/{int(n):,}" if n.is_integer() else f"1/{n:g}"


def volume(rows_landed: int, sampling: Sampling) -> int | float:
    """The year's volume: the rows landed, or for a simulation rows landed / fraction to two
    significant figures."""
    if sampling.manifest is None:
        return rows_landed
    read = round_2sf(rows_landed / sampling.fraction)
    return int(read) if read.is_integer() else read


def volume_detail(rows_landed: int, sampling: Sampling) -> dict:
    """What the volume row shows beside its value: the fraction it was simulated at and the rows landed."""
    return {"fraction": sampling.fraction,
            "simulated_at": fraction_text(sampling.fraction) if sampling.manifest is not None else None,
            "rows_landed": rows_landed, "rows_generated": sampling.rows_generated,
            "declared_volume": sampling.declared_volume, "manifest": sampling.manifest}
