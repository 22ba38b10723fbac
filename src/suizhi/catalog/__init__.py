"""The catalog of departments, topics, systems and dataset contracts."""
from suizhi.catalog.loader import Catalog, check_catalog, load_catalog

__all__ = ["Catalog", "check_catalog", "load_catalog"]
