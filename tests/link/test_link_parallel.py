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


def test_ctrl_c_interrupts_the_pairs_in_flight(linked: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while waiting: the other pair's running query is interrupted, the run
    stops at once with KeyboardInterrupt (not after the pair would have finished)."""
    ws = _workspace(linked)
    con = connect(ws)
    stats = source_stats(con)
    con.close()
    names = sorted(stats)
    todo = [(names[0], names[1]), (names[1], names[0])]
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
