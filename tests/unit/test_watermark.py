"""The month a JDBC read covers: from its first second up to, not including, the next month's."""
import pytest

from suizhi.connectors.watermark import month_bounds


@pytest.mark.parametrize("period, bounds", [
    ("2021-01", ("2021-01-01 00:00:00", "2021-02-01 00:00:00")),
    ("2020-02", ("2020-02-01 00:00:00", "2020-03-01 00:00:00")),
    ("2021-12", ("2021-12-01 00:00:00", "2022-01-01 00:00:00")),
])
def test_a_month_runs_to_the_first_second_of_the_next(period, bounds):
    assert month_bounds(period) == bounds
