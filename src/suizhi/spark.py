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
