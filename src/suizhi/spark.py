"""The one SparkSession a process uses, with Delta configured from cached jars."""
from __future__ import annotations

import glob
import os

from pyspark.sql import SparkSession

from suizhi.errors import SuizhiError
from suizhi.settings import Settings


def delta_jars() -> list[str]:
    """Delta's jars from the project cache (make setup fetches them once from Maven Central)."""
    folder = os.environ.get("SUIZHI_JARS") or os.path.join(os.environ.get("SUIZHI_HOME", "."), ".cache", "jars")
    jars = sorted(glob.glob(os.path.join(folder, "*.jar")))
    if not any("delta-spark" in j for j in jars):
        raise SuizhiError(f"no Delta jars in {folder}: run `make setup` to fetch them from Maven Central")
    return jars


def get_spark(settings: Settings, app: str = "suizhi") -> SparkSession:
    """Start (or reuse) the process's SparkSession with Delta Lake enabled."""
    builder = (
        SparkSession.builder.appName(app)
        .master(settings.spark.master)
        .config("spark.jars", ",".join(delta_jars()))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    )
    for key, value in settings.spark.conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# Interpreting beats compiling for the few thousand rows of most batches (conf/env/local.yaml
# turns code generation off); from this many rows on, compiled code wins: the full-scale
# day's landing took 180 s interpreted and 131 s compiled, its silver 315 s and 285 s.
COMPILE_ROWS = 100_000


def sized_session(spark: SparkSession, rows: int) -> SparkSession:
    """A session of its own (its own SQL conf) for work over `rows` rows, with code generation
    turned back on when there are enough of them to pay for the compiling."""
    session = spark.newSession()
    if rows >= COMPILE_ROWS:
        session.conf.set("spark.sql.codegen.wholeStage", "true")
        session.conf.set("spark.sql.codegen.factoryMode", "FALLBACK")
    return session
