"""Memory guard: before a pair is scored, estimate from the blocking counts how much memory
prediction needs, compare it with what the machine has, and decide whether to split
prediction into chunks. Pure arithmetic plus one read of the machine's memory.

The figures per comparison are rounded up from runs on DuckDB with this package's
model: the ``ics`` scenario's largest pair (acute against the GP register, 1.05M
records, 7.9M blocked comparisons) peaked under 2 GB for the whole ``assess`` process,
for which these constants give 3.1 GB. Chunking (Splink's
``predict(num_chunks_left=, num_chunks_right=)``) bounds the memory of blocking and
scoring, but not of the scored pairs kept afterwards, so a run can still exceed memory
when the blocked pairs themselves do not fit; that is what the warning is for.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

#: Bytes of working memory per blocked comparison while Splink blocks and scores them
#: in one go (blocked id pairs, comparison vectors, DuckDB hash tables); split by chunks.
WORKING_BYTES_PER_COMPARISON = 200
#: Bytes per comparison kept after prediction (ids and weight of the pairs above the
#: minimum match weight, then Arrow and numpy copies for the estimates and links);
#: chunking does not reduce it. Measured: about 6% of blocked pairs are kept.
KEPT_BYTES_PER_COMPARISON = 60
#: Bytes per input record (staged tables, term frequencies, training samples).
BYTES_PER_RECORD = 1_000
#: Share of available memory prediction may plan to use; the rest is headroom.
BUDGET_SHARE = 0.5
#: Never split into more chunks than this on either side.
MAX_CHUNKS_PER_SIDE = 16

GB = 2**30


def _meminfo_available(path: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_limit() -> int | None:
    """The container's memory limit, if one is set (cgroup v2, then v1)."""
    for p in (Path("/sys/fs/cgroup/memory.max"),
              Path("/sys/fs/cgroup/memory/memory.limit_in_bytes")):
        try:
            text = p.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def available_memory() -> int:
    """Bytes this process can expect to use: MemAvailable (or, without /proc, physical
    memory), capped by a container's cgroup limit."""
    avail = _meminfo_available()
    if avail is None:
        try:
            avail = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 8 * GB  # unknown platform: assume a modest laptop
    limit = _cgroup_limit()
    return min(avail, limit) if limit else avail


@dataclass(frozen=True)
class MemoryPlan:
    """How one pair's prediction is run, and why."""

    comparisons: int
    is_estimate: bool
    #: Bytes prediction would need without chunking, and with the chosen chunks.
    needed_unchunked: int
    needed: int
    available: int
    chunks_left: int = 1
    chunks_right: int = 1
    warning: str | None = None

    @property
    def chunked(self) -> bool:
        """Whether prediction is split into chunks."""
        return self.chunks_left * self.chunks_right > 1

    def predict_kwargs(self) -> dict[str, int]:
        """Keyword arguments for Splink's ``predict`` (empty when not chunked)."""
        if not self.chunked:
            return {}
        return {"num_chunks_left": self.chunks_left, "num_chunks_right": self.chunks_right}


def needed_bytes(comparisons: int, records: int, chunks: int = 1) -> int:
    """Memory prediction needs for ``comparisons`` blocked pairs of ``records`` inputs,
    split into ``chunks`` chunks."""
    working = WORKING_BYTES_PER_COMPARISON * comparisons / max(chunks, 1)
    return int(working + KEPT_BYTES_PER_COMPARISON * comparisons + BYTES_PER_RECORD * records)


def choose_chunks(comparisons: int, records: int, budget: int) -> tuple[int, int]:
    """The fewest (left, right) chunks whose prediction fits ``budget``, at most
    :data:`MAX_CHUNKS_PER_SIDE` a side."""
    fixed = KEPT_BYTES_PER_COMPARISON * comparisons + BYTES_PER_RECORD * records
    room = budget - fixed
    working = WORKING_BYTES_PER_COMPARISON * comparisons
    limit = MAX_CHUNKS_PER_SIDE ** 2
    n = limit if room <= 0 else min(limit, max(1, math.ceil(working / room)))
    left = min(MAX_CHUNKS_PER_SIDE, math.ceil(math.sqrt(n)))
    return left, min(MAX_CHUNKS_PER_SIDE, math.ceil(n / left))


def _gb(n: float) -> str:
    return f"{n / GB:.1f} GB"


def count_words(n: int) -> str:
    """A comparison count as published: rounded, never exact (an aggregate, but counts
    in outputs are disclosure-controlled)."""
    if n >= 10**9:
        return f"{n / 10**9:.1f} billion"
    if n >= 10**6:
        return f"{n / 10**6:.1f} million"
    return f"{round(n, -3):,}"


def plan_prediction(comparisons: int, records: int, *, is_estimate: bool,
                    backend: str = "duckdb", available: int | None = None) -> MemoryPlan:
    """Decide how to run prediction for a pair and whether to warn.

    On DuckDB, prediction is chunked when it would use more than :data:`BUDGET_SHARE`
    of available memory. A warning is returned when, even chunked, it would need more
    than the memory available; on Spark when the scored pairs returned to the driver
    would.
    """
    avail = available_memory() if available is None else available
    unchunked = needed_bytes(comparisons, records)
    what = (f"about {count_words(comparisons)} comparisons"
            + (" (estimated from a sample of the records)" if is_estimate else ""))
    if backend != "duckdb":
        kept = KEPT_BYTES_PER_COMPARISON * comparisons
        warning = None
        if kept > avail:
            warning = (f"memory: {what} need about {_gb(kept)} on the driver to collect "
                       f"the scored pairs, more than the {_gb(avail)} available; tighten "
                       "the blocking rules or give the driver more memory "
                       "(spark.driver.memory)")
        return MemoryPlan(comparisons, is_estimate, unchunked, kept, avail, warning=warning)
    budget = int(avail * BUDGET_SHARE)
    left = right = 1
    if unchunked > budget:
        left, right = choose_chunks(comparisons, records, budget)
    needed = needed_bytes(comparisons, records, left * right)
    warning = None
    if unchunked > avail:
        head = (f"memory: {what} need about {_gb(unchunked)} to score at once, more than "
                f"the {_gb(avail)} available")
        if needed <= avail:
            warning = (f"{head}; prediction was split into {left}×{right} chunks (about "
                       f"{_gb(needed)}). If it still runs out of memory, tighten the "
                       "blocking rules or run with --backend spark")
        else:
            chunked = (f"; even split into {left}×{right} chunks it needs about "
                       f"{_gb(needed)}" if left * right > 1 else "")
            warning = (f"{head}{chunked}. Tighten the blocking rules, materialise to "
                       "parquet, or run with --backend spark on a cluster")
    return MemoryPlan(comparisons, is_estimate, unchunked, needed, avail, left, right,
                      warning)
