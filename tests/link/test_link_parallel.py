"""Pairs linked two at a time (link/parallel.py): same results as one at a time, in pair
order; a failing pair stops the run with its own error."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest
from link_world import FAST

from linkready.errors import InputError
from linkready.link import link_project, parallel
from linkready.link.training import new_linker, quiet_splink
from linkready.link.workspace import connect, default_workspace, source_stats


def test_concurrent_pairs_match_a_pair_linked_alone(linked: dict) -> None:
    """The session run linked its pairs two at a time; the second pair linked alone
    (sequentially) gives the same summary and links."""
    run = linked["run"]
    assert len(run.pairs) >= 2 and parallel.default_workers(len(run.pairs)) == 2
    second = run.pairs[1]
    alone = link_project(linked["project"], pairs=[(second.left, second.right)],
                         config=FAST, workers=1)
    assert json.dumps(alone.pairs[0].summary, sort_keys=True, default=str) == json.dumps(
        second.summary, sort_keys=True, default=str)
    assert alone.pairs[0].links.equals(second.links)


def _workspace(linked: dict) -> Path:
    ws = default_workspace(linked["project"])
    assert ws.exists(), "the session link wrote no workspace"
    return ws


def test_first_failing_pair_raises_and_results_come_in_order(
        linked: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = _workspace(linked)
    con = connect(ws)
    stats = source_stats(con)
    con.close()
    names = sorted(stats)
    todo = [(a, b) for a in names for b in names if a != b][:4]

    def fake(con, left, right, *args, **kwargs):
        if (left.name, right.name) == todo[2]:
            raise InputError(f"pair {left.name}:{right.name}: broken on purpose")
        return (left.name, right.name)

    monkeypatch.setattr(parallel, "link_pair", fake)
    done: list[tuple[str, str]] = []
    got = parallel.link_pairs(ws, None, todo[:2], stats, 0.9, FAST, workers=2,
                              on_warning=None, reference=None,
                              done=lambda a, b: done.append((a, b)))
    assert got == todo[:2] and done == todo[:2]
    done.clear()
    with pytest.raises(InputError, match="broken on purpose"):
        parallel.link_pairs(ws, None, todo, stats, 0.9, FAST, workers=2,
                            on_warning=None, reference=None,
                            done=lambda a, b: done.append((a, b)))
    assert done == todo[:2]  # the pairs before the failing one, in order


def _two_pairs(linked: dict) -> tuple[Path, dict, list[tuple[str, str]]]:
    """The linked world's workspace, its source statistics, and two pairs of its sources
    (one each way)."""
    ws = _workspace(linked)
    con = connect(ws)
    stats = source_stats(con)
    con.close()
    names = sorted(stats)
    return ws, stats, [(names[0], names[1]), (names[1], names[0])]


def test_ctrl_c_interrupts_the_pairs_in_flight(linked: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while waiting: the other pair's running query is interrupted, the run
    stops at once with KeyboardInterrupt (not after the pair would have finished)."""
    ws, stats, todo = _two_pairs(linked)
    started = threading.Event()

    def fake(con, left, right, *args, **kwargs):
        if (left.name, right.name) == todo[0]:
            started.wait(10)
            return "first"
        started.set()  # a query that would run for minutes
        con.sql("SELECT sum(hash(range)) FROM range(100000000000)").fetchall()
        return "second"

    def ctrl_c(left: str, right: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "link_pair", fake)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        parallel.link_pairs(ws, None, todo, stats, 0.9, FAST, workers=2, on_warning=None,
                            reference=None, done=ctrl_c)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(("limit", "workers", "share"), [
    ("18.8 GiB", 2, "9625MiB"), ("1000 MiB", 2, "500MiB"), ("4 GiB", 1, "4 GiB"),
    (None, 2, None), ("lots", 2, None)])
def test_memory_limit_is_shared_between_workers(limit: str | None, workers: int,
                                                share: str | None) -> None:
    assert parallel._memory_share(limit, workers) == share


def test_overlapping_quiet_blocks_restore_the_level() -> None:
    """Two threads' quiet blocks overlapping in time leave Splink's level as it was."""
    log = logging.getLogger("splink")
    before = log.level
    log.setLevel(logging.INFO)
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with quiet_splink():
            inside.set()
            release.wait(5)

    try:
        t = threading.Thread(target=other)
        t.start()
        inside.wait(5)
        with quiet_splink():
            release.set()
            t.join()
            assert log.level == logging.ERROR
        assert log.level == logging.INFO
    finally:
        log.setLevel(before)


def test_a_linker_built_in_another_thread_leaves_a_quiet_block_quiet() -> None:
    """Building a linker (as a concurrent pair does) must not reset Splink's level while
    another pair's quiet block runs: Splink's default ``log_level`` would set it to INFO,
    and the other pair's EM training would print to the user's terminal."""
    import duckdb
    import pandas as pd
    from splink import DuckDBAPI, SettingsCreator
    from splink import comparison_library as cl

    log = logging.getLogger("splink")
    before = log.level
    db_api = DuckDBAPI(duckdb.connect())
    frame = pd.DataFrame({"unique_id": [1, 2], "given_name": ["ann", "bob"]})
    settings = SettingsCreator(link_type="link_only",
                               comparisons=[cl.ExactMatch("given_name")])
    try:
        log.setLevel(logging.INFO)
        with quiet_splink():
            new_linker([db_api.register(frame, dataset_display_name="a"),
                        db_api.register(frame, dataset_display_name="b")], settings)
            assert log.getEffectiveLevel() == logging.ERROR
    finally:
        log.setLevel(before)


def test_concurrent_pairs_time_their_own_cpu(linked: dict) -> None:
    """With pairs in flight together (the session run), each pair's CPU seconds are its
    own thread's (a one-thread engine): together they stay within the process's CPU
    over the run (the process-wide clock would count each pair's overlap twice)."""
    per_pair = [sum(v for k, v in p.timings.items() if k.startswith("cpu:"))
                for p in linked["run"].pairs]
    assert len(per_pair) >= 2 and all(c > 0 for c in per_pair)
    assert sum(per_pair) <= linked["cpu"]


def test_pairs_start_largest_first() -> None:
    """The pair with most records (both sides) starts first, ties in pair order."""
    from types import SimpleNamespace

    stats = {n: SimpleNamespace(records=r) for n, r in
             {"gp": 100, "a": 5, "b": 50, "c": 5, "d": 80}.items()}
    todo = [("a", "gp"), ("b", "gp"), ("c", "gp"), ("d", "gp")]
    assert parallel.start_order(todo, stats) == [3, 1, 0, 2]  # type: ignore[arg-type]


def test_last_pair_in_flight_takes_the_idle_cores(
        linked: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once no pair is left to start and the other worker is done, the pair still in
    flight runs its next query on every worker's thread (results unchanged, as DuckDB's
    do not depend on threads), and its CPU clock then counts those threads too."""
    ws, stats, todo = _two_pairs(linked)
    first_done, second_started = threading.Event(), threading.Event()

    def fake(con, left, right, *args, backend, **kwargs):
        def threads() -> int:
            return int(backend.to_arrow("SELECT current_setting('threads') AS t")
                       .column("t")[0].as_py())
        if (left.name, right.name) == todo[0]:
            assert second_started.wait(30)  # both in flight
            return threads()
        before = threads()
        second_started.set()
        assert first_done.wait(30)  # the first pair's worker ended (and widened this)
        return (before, threads())

    monkeypatch.setattr(parallel, "link_pair", fake)
    got = parallel.link_pairs(ws, None, todo, stats, 0.9, FAST, workers=2,
                              on_warning=None, reference=None,
                              done=lambda a, b: first_done.set())
    assert got[0] == 1 and got[1] == (1, 2)


def test_a_widened_pair_clock_counts_its_engine_threads() -> None:
    """Before widening a pair's clock is its thread's CPU; after, the process's CPU
    since (another thread's work included)."""
    clock = parallel.PairClock()

    def burn(seconds: float) -> None:
        end = time.thread_time() + seconds
        while time.thread_time() < end:
            pass

    start = clock()
    t = threading.Thread(target=burn, args=(0.1,))
    t.start()
    t.join()
    assert clock() - start < 0.05  # another thread's CPU is not the pair's
    clock.widened()
    start = clock()
    t = threading.Thread(target=burn, args=(0.1,))
    t.start()
    t.join()
    assert clock() - start >= 0.09
