"""Where each table lives: `bronze.<dataset>`, `silver.<dataset>`, `quarantine.<dataset>`, the ledger."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lake:
    root: str

    def table(self, name: str) -> str:
        """The storage location of a table named `<layer>.<name>`."""
        layer, _, rest = name.partition(".")
        if not rest:
            raise ValueError(f"table name '{name}' must be <layer>.<name>")
        return f"{self.root.rstrip('/')}/{layer}/{rest}"

    def staging(self, system: str, period: str) -> str:
        """A system's extracted batch, waiting for the bronze job to land it."""
        return f"{self.root.rstrip('/')}/staging/{system}/{period}.parquet"

    @property
    def ledger(self) -> str:
        return self.table("ledger.batches")

    def checkpoint(self, system: str) -> str:
        """Where a system's streaming ingest keeps its progress (files taken, micro-batches done)."""
        return f"{self.root.rstrip('/')}/_checkpoints/{system}"


def batch_id(system: str, period: str) -> str:
    """A batch is one system's records for one period; rerunning it names the same batch."""
    return f"{system}/{period}"


def period_of(batch: str) -> str:
    """The period a batch id names (`batch_id`'s second part)."""
    return batch.rsplit("/", 1)[-1]
