"""Connectors read one system's records for one period into an Arrow table of raw strings.

`suizhi.connectors.extract` picks the connector of a system's kind and stages its batch."""
from suizhi.connectors.base import Batch

__all__ = ["Batch"]
