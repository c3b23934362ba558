"""Link the pairs of a project two at a time, each in its own DuckDB database.

A pair spends much of its time in Python (Splink builds its SQL with sqlglot) and the
rest in DuckDB queries, which release the GIL: with two pairs in flight, one pair's SQL
runs while the other's Python does, and the two cores are both used.

Each worker pair gets a fresh in-memory DuckDB connection with the workspace attached
read-only (:func:`linkready.link.workspace.connect`) and its own backend, so the staged
tables, Splink's tables and term-frequency caches of two pairs can never meet: the
table names are the same as in a sequential run, in separate catalogues. The connection
runs one engine thread (the pairs share the cores), so the pair's own thread does all
of its work and its step CPU times are its own. Each pair's computation is the one
:func:`linkready.link.pair.link_pair` does alone, so the results (returned in pair
order) are those of a sequential run.

Pairs start largest first (records of both sides; :func:`start_order`), so the last
pair in flight is a small one; once no pair is left to start, the pairs still in flight
may use every worker's engine thread (:meth:`linkready.link.backends.DuckDBBackend.widen`,
taken up at the pair's next query), so a core is not left idle while the last pair runs.
DuckDB gives the same results on any number of threads (a sequential run uses them all),
so neither changes a result.

Only the DuckDB backend runs pairs concurrently (a Spark session is one shared engine).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

from linkready.link.backends import DuckDBBackend
from linkready.link.pair import CPU_CLOCK, PairResult, link_pair
from linkready.link.settings import TrainingConfig
from linkready.link.workspace import SourceStats, connect

#: Pairs in flight at once (at most the machine's cores).
MAX_WORKERS = 2
#: Seconds between interrupts of the workers' queries after Ctrl-C.
_INTERRUPT_EVERY = 0.1


def default_workers(pairs: int) -> int:
    """Pairs to run at once: :data:`MAX_WORKERS`, no more than the cores or the pairs."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, pairs))


def start_order(todo: Sequence[tuple[str, str]], stats: dict[str, SourceStats]
                ) -> list[int]:
    """Indices of ``todo`` in the order to start them: most records (both sides) first,
    ties in pair order. A pair's time grows with its records, so the last pair to start,
    which may run alone at the end, is a small one."""
    return sorted(range(len(todo)),
                  key=lambda i: -(stats[todo[i][0]].records + stats[todo[i][1]].records))


class PairClock:
    """A pair's CPU clock (:data:`linkready.link.pair.CPU_CLOCK`) while pairs link
    concurrently: its own thread's CPU time (a one-thread engine does all its work
    there) and, once its engine is widened (:meth:`widened`, called in the pair's own
    thread when no other pair is left in flight), the process's CPU time since, which is
    then the pair's alone (its engine threads too)."""

    def __init__(self) -> None:
        self._since: tuple[float, float] | None = None

    def widened(self) -> None:
        """The pair's engine now runs more threads (called in the pair's thread)."""
        if self._since is None:
            self._since = (time.thread_time(), time.process_time())

    def __call__(self) -> float:
        own = time.thread_time()
        if self._since is None:
            return own
        thread0, process0 = self._since
        return own + max(0.0, (time.process_time() - process0) - (own - thread0))


def link_pairs(workspace: Path, memory_limit: str | None,
               todo: Sequence[tuple[str, str]], stats: dict[str, SourceStats],
               threshold: float, cfg: TrainingConfig, *, workers: int,
               on_warning: Callable[[str, str, str], object] | None,
               reference: date | None,
               done: Callable[[str, str], object]) -> list[PairResult]:
    """:func:`link_pair` for every pair of ``todo``, ``workers`` at a time, each on its
    own connection to ``workspace`` (DuckDB's ``memory_limit`` shared between them).
    ``on_warning(left, right, warning)`` hears memory-guard warnings as they come;
    ``done(left, right)`` is called in pair order as each pair's result is taken.

    The first pair (in order) that fails raises its error once the pairs in flight have
    stopped; the pairs not yet started are not run. Ctrl-C interrupts every worker's
    running query until all have stopped, then raises KeyboardInterrupt."""
    share = _memory_share(memory_limit, workers)
    # Each pair in flight's backend (its connection: .workspace), by connection.
    in_flight: dict[int, DuckDBBackend] = {}
    lock = threading.Lock()
    stop = threading.Event()
    # Pairs not yet started, and started but not ended (counted as they are taken up,
    # before their connection opens).
    waiting, running = [len(todo)], [0]

    def widen_the_last() -> None:
        """Nothing left to start and one pair in flight: it may use the cores the other
        workers leave idle (called with ``lock`` held, as a pair starts or ends)."""
        if waiting[0] == 0 and running[0] == 1 and not stop.is_set():
            for be in in_flight.values():
                be.widen(workers)

    def one(left: str, right: str) -> PairResult:
        with lock:
            waiting[0] -= 1
            if stop.is_set():
                raise _Cancelled
            running[0] += 1
        try:
            return _run(left, right)
        finally:
            with lock:
                running[0] -= 1
                widen_the_last()

    def _run(left: str, right: str) -> PairResult:
        con = connect(workspace)
        # One DuckDB thread per pair (the pairs share the cores): all of the pair's work
        # is then done in this thread, so its CPU clock measures the pair alone.
        con.execute("SET threads = 1")
        clock = PairClock()
        CPU_CLOCK.set(clock)
        be = DuckDBBackend(con, memory_limit=share, on_widen=clock.widened)
        with lock:
            in_flight[id(con)] = be
            widen_the_last()
        try:
            tell = None if on_warning is None else \
                (lambda w: on_warning(left, right, w))
            return link_pair(con, stats[left], stats[right], threshold, cfg, backend=be,
                             on_warning=tell, reference=reference)
        finally:
            with lock:
                in_flight.pop(id(con), None)
            be.close()
            con.close()

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="linkready-pair")
    futures: dict[int, Future[PairResult]] = {
        i: pool.submit(one, *todo[i]) for i in start_order(todo, stats)}
    results: list[PairResult] = []
    try:
        for i, (left, right) in enumerate(todo):
            results.append(futures[i].result())
            done(left, right)
    except BaseException:
        stop.set()
        for fut in futures.values():
            fut.cancel()
        # Stop the pairs in flight: interrupt their queries until every worker is done
        # (a pair between two queries stops at its next one).
        while not all(f.done() for f in futures.values()):
            with lock:
                for be in in_flight.values():
                    be.workspace.interrupt()
            threading.Event().wait(_INTERRUPT_EVERY)
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    return results


class _Cancelled(Exception):
    """A pair not started because an earlier one failed."""


def _memory_share(memory_limit: str | None, workers: int) -> str | None:
    """Each worker's share of ``memory_limit`` (DuckDB's setting as it reports it, e.g.
    ``18.8 GiB``), so the workers together stay within what one connection had."""
    if not memory_limit or workers <= 1:
        return memory_limit
    units = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
             "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "bytes": 1}
    number, _, unit = memory_limit.strip().partition(" ")
    try:
        total = float(number) * units[unit]
    except (ValueError, KeyError):
        return None  # a form not known here: DuckDB's default for each
    return f"{max(1, int(total // workers // 2**20))}MiB"
