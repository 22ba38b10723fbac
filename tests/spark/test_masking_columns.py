"""The Spark form of display masking gives exactly what the Python form gives."""
import pytest

from suizhi.masking import CATEGORIES, mask_column, mask_value

pytestmark = pytest.mark.spark

VALUES = ["11010519491231002X", "13812345678", "020-83123456", "张伟", "欧阳小明", "王",
          "广州市天河区体育西路123号", "体育西路123号", "粤A12345", "粤AD12345", "113.264385", "1234.5",
          "电话13812345678，身份证440106199003071234。", "订单号1234567890123456789", "", None]


def test_spark_masking_equals_python_masking(spark):
    df = spark.createDataFrame([(v,) for v in VALUES], "v string")
    rows = df.select("v", *[mask_column("v", c).alias(c) for c in CATEGORIES]).collect()
    for row in rows:
        for category in CATEGORIES:
            assert row[category] == mask_value(row["v"], category), (row["v"], category)
