"""Shared fixtures: one SparkSession for the whole run, and project homes in tmp_path."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"

os.environ.setdefault("AIRFLOW_HOME", str(REPO / ".airflow"))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
os.environ.setdefault("SUIZHI_JARS", str(REPO / ".cache" / "jars"))
# A fixed pseudonymisation key for tests only; the demo generates its own outside the repo.
TEST_PSEUDONYM_KEY = "tests-only-pseudonym-key-7f3a9c"
os.environ.setdefault("SUIZHI_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)


def make_home(tmp: Path, source: Path = REPO) -> Path:
    """A project home in tmp: its own copy of conf/ and schemas/, its own lake and sources."""
    home = tmp / "home"
    shutil.copytree(source / "conf", home / "conf")
    shutil.copytree(source / "schemas", home / "schemas")
    shutil.copytree(source / "expectations", home / "expectations")
    if not (home / "conf" / "env").exists():
        shutil.copytree(REPO / "conf" / "env", home / "conf" / "env")
    if not (home / "conf" / "evaluation").exists():
        shutil.copytree(REPO / "conf" / "evaluation", home / "conf" / "evaluation")
    for name in ("governance.yaml", "roles.yaml"):
        if not (home / "conf" / name).exists() and (REPO / "conf" / name).exists():
            shutil.copy(REPO / "conf" / name, home / "conf" / name)
    return home


@pytest.fixture(scope="session")
def spark():
    """The one SparkSession of the test run: Delta on, local[2], few partitions, no UI."""
    from suizhi.settings import load_settings
    from suizhi.spark import get_spark
    settings = load_settings(home=REPO, env="local")
    settings.spark.conf.update({"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2",
                                "spark.driver.memory": "2g"})
    session = get_spark(settings.model_copy(update={"spark": settings.spark.model_copy(update={"master": "local[2]"})}))
    yield session
    session.stop()


@pytest.fixture
def mini_home(tmp_path, monkeypatch) -> Path:
    """A three-system catalog (tests/fixtures/mini) with its own lake, made current."""
    home = make_home(tmp_path, MINI)
    monkeypatch.setenv("SUIZHI_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server on loopback for the whole run; its connection URI."""
    from tests.postgres import PostgresServer
    server = PostgresServer().start()
    yield server.uri
    server.stop()


@pytest.fixture(scope="session")
def mariadb():
    """A real MariaDB server on loopback for the whole run; its connection URI (type mysql)."""
    from tests.mariadb import MariadbServer
    server = MariadbServer().start()
    yield server.uri
    server.stop()
