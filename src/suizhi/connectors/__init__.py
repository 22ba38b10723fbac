"""Connectors read one system's records for one period into an Arrow table of raw strings."""
from suizhi.connectors.base import Batch, extract_batch

__all__ = ["Batch", "extract_batch"]
