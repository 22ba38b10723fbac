"""What a stage costs, as `suizhi bench` prints it: seconds, rows, Delta commits, Spark jobs
and the peak memory of the Spark driver JVM and of Python.

Commits are counted from the lake's `_delta_log` folders (one JSON file a commit) and Spark
jobs from the driver's job counter, which numbers every job the session runs, whatever
thread started it. Both are read before and after a stage, so a stage's figures include
everything it caused: the commits of every table it wrote and the jobs of every query.
"""
from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

STAGES = ("extract", "land", "silver", "quality", "gold", "reports", "evaluation")


def delta_commits(lake_root: str | Path) -> int:
    """Commits in every Delta table under a local lake: the JSON files of its `_delta_log` folders."""
    found = 0
    for folder, dirs, files in os.walk(lake_root):
        if os.path.basename(folder) == "_delta_log":
            found += sum(1 for f in files if f.endswith(".json") and f[:20].isdigit())
            dirs[:] = []
    return found


def spark_jobs(spark) -> int:
    """Jobs the session's driver has started so far (the scheduler's next job id)."""
    return int(spark.sparkContext._jsc.sc().dagScheduler().nextJobId())


def jvm_peak_mib() -> float:
    """Peak resident memory of this process's Spark driver JVM (VmHWM), in MiB."""
    peak = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
        if b"SparkSubmit" in cmdline and ppid == os.getpid():
            peak = max(peak, int(next((line.split()[1] for line in status.splitlines()
                                       if line.startswith("VmHWM:")), "0")))
    return peak / 1024


def python_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Cost:
    """One stage of one interval."""
    stage: str
    interval: str
    seconds: float = 0.0
    rows: int = 0
    commits: int = 0
    jobs: int = 0
    jvm_mib: float = 0.0
    python_mib: float = 0.0


@dataclass
class Profile:
    """The costs of the stages a bench runs, interval by interval, on one lake."""
    spark: object
    lake_root: str
    costs: list[Cost] = field(default_factory=list)

    @contextmanager
    def stage(self, stage: str, interval: str):
        """Time a stage; the caller sets `rows` on the cost it is given."""
        cost = Cost(stage, interval)
        commits, jobs, started = delta_commits(self.lake_root), spark_jobs(self.spark), time.monotonic()
        try:
            yield cost
        finally:
            cost.seconds = time.monotonic() - started
            cost.commits = delta_commits(self.lake_root) - commits
            cost.jobs = spark_jobs(self.spark) - jobs
            cost.jvm_mib, cost.python_mib = jvm_peak_mib(), python_peak_mib()
            self.costs.append(cost)

    def split(self, cost: Cost, stage: str, seconds: float) -> None:
        """Count `seconds` of a stage just timed as a stage of their own (gold's reports)."""
        cost.seconds -= seconds
        self.costs.append(Cost(stage, cost.interval, seconds, cost.rows, 0, 0, cost.jvm_mib, cost.python_mib))

    def of(self, stage: str, interval: str | None = None) -> list[Cost]:
        return [c for c in self.costs if c.stage == stage and interval in (None, c.interval)]

    def table(self) -> str:
        """Every stage of every interval, then each stage's total."""
        head = (f"{'stage':<11} {'interval':<9} {'seconds':>8} {'rows':>10} {'rows/s':>9} {'commits':>8} "
                f"{'jobs':>6} {'JVM MiB':>8} {'Py MiB':>7}")
        lines = [head, "-" * len(head)]
        for c in self.costs:
            lines.append(_line(c))
        lines.append("-" * len(head))
        for stage in [s for s in STAGES if self.of(s)] + sorted({c.stage for c in self.costs} - set(STAGES)):
            parts = self.of(stage)
            total = Cost(stage, "all", sum(c.seconds for c in parts), sum(c.rows for c in parts),
                         sum(c.commits for c in parts), sum(c.jobs for c in parts),
                         max(c.jvm_mib for c in parts), max(c.python_mib for c in parts))
            lines.append(_line(total))
        return "\n".join(lines)

    def growth(self, stage: str) -> str | None:
        """The last interval's seconds per row against the first's: flat is 1.0x."""
        parts = [c for c in self.of(stage) if c.rows]
        if len(parts) < 2:
            return None
        first, last = parts[0], parts[-1]
        ratio = (last.seconds / last.rows) / (first.seconds / first.rows)
        return (f"{stage}: {last.interval} {last.seconds:.1f} s for {last.rows:,} rows against {first.interval} "
                f"{first.seconds:.1f} s for {first.rows:,}: {ratio:.2f}x per row")


def _line(c: Cost) -> str:
    rate = f"{c.rows / c.seconds:,.0f}" if c.rows and c.seconds else "-"
    return (f"{c.stage:<11} {c.interval:<9} {c.seconds:>8.1f} {c.rows:>10,} {rate:>9} {c.commits:>8} {c.jobs:>6} "
            f"{c.jvm_mib:>8,.0f} {c.python_mib:>7,.0f}")
