"""The city's year through the DAGs, once for the whole run."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from suizhi.demo_cli import run_demo
from suizhi.runtime import current_settings
from suizhi.simulate.writer import MANIFEST
from tests.conftest import make_home

CITY_SCALE, CITY_SEED = 0.25, 5


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """The real 115-system catalog at a quarter of the demo's scale, its whole year 2021 run
    through Airflow by `suizhi demo`; silver and gold catch up on the year in one run each
    (demo.silver_every: 12). What the demo printed is kept for the rerun's comparison.

    This is the one run of the full catalog through the DAGs: the seed's table, the ledger
    against the ground truth and the reruns are all asserted on it."""
    home = make_home(tmp_path_factory.mktemp("city"))
    env = home / "conf" / "env" / "local.yaml"
    env.write_text(env.read_text(encoding="utf-8").replace("silver_every: 3", "silver_every: 12"), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUIZHI_HOME", str(home))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert run_demo(2021, CITY_SCALE, CITY_SEED) == 0
        manifest = json.loads((Path(current_settings().sources_root) / MANIFEST).read_text(encoding="utf-8"))
        yield home, manifest, printed.getvalue()
