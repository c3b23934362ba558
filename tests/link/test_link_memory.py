"""The memory guard: its arithmetic, its warning, and chunked prediction in a real run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from link_world import FAST

import linkready
from linkready.link import memory

GB = memory.GB


@pytest.mark.parametrize(("comparisons", "available", "chunked", "warns"), [
    pytest.param(10_000, 16 * GB, False, False, id="small-fits"),
    pytest.param(40_000_000, 16 * GB, True, False, id="large-chunked-quietly"),
    pytest.param(70_000_000, 16 * GB, True, True, id="too-large-at-once-chunked-fits"),
    pytest.param(2_000_000_000, 16 * GB, True, True, id="huge-exceeds-even-chunked"),
])
def test_plan_prediction(comparisons: int, available: int, chunked: bool, warns: bool) -> None:
    """Chunking starts when prediction would use over half the memory; a warning when
    it would need more than all of it."""
    plan = memory.plan_prediction(comparisons, 100_000, is_estimate=True,
                                  available=available)
    assert plan.chunked is chunked
    assert (plan.warning is not None) is warns
    if chunked:
        assert plan.predict_kwargs() == {"num_chunks_left": plan.chunks_left,
                                         "num_chunks_right": plan.chunks_right}
        assert plan.needed < plan.needed_unchunked


def test_warning_names_figure_estimate_and_remedies() -> None:
    """The warning gives the comparison count, says it is an estimate, and the remedies."""
    plan = memory.plan_prediction(2_000_000_000, 10**6, is_estimate=True, available=8 * GB)
    assert plan.warning is not None
    for fragment in ("about 2.0 billion comparisons", "estimated", "GB", "blocking rules",
                     "--backend spark", "chunks"):
        assert fragment in plan.warning, fragment


def test_spark_plan_never_chunks() -> None:
    """On Spark only the driver's share (collecting scored pairs) is guarded."""
    plan = memory.plan_prediction(2_000_000_000, 10**6, is_estimate=False, backend="spark",
                                  available=8 * GB)
    assert not plan.chunked
    assert plan.warning is not None and "spark.driver.memory" in plan.warning


def test_available_memory_is_positive() -> None:
    """The machine's available memory is read (from /proc/meminfo or sysconf)."""
    assert memory.available_memory() > 0


def test_guard_warns_and_chunks_in_a_real_run(linked: dict, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """With too little memory (the guard's reading of it patched), linkage.json carries
    the warning and chunked prediction gives the same links as the unchunked run."""
    pair = ("la_adult_social_care", "gp_register")
    base_pair = linked["summary"]["pairs"][0]
    assert (base_pair["left"], base_pair["right"]) == pair
    blocked = int(base_pair["probabilistic"]["blocking"]["rules"][-1]["cumulative"])
    exact = linked["result"].exact()[0]  # counts as counted
    records = exact["left_records"] + exact["right_records"]
    # Less memory than scoring at once needs, enough once chunked.
    squeeze = int(0.8 * memory.needed_bytes(blocked, records))
    monkeypatch.setattr(memory, "available_memory", lambda: squeeze)
    monkeypatch.setattr(memory, "MAX_CHUNKS_PER_SIDE", 2)  # a few chunks keep it quick
    result = linkready.link(linked["project"], tmp_path, pairs=[pair], training=FAST)
    warned = [w for w in result.to_dict()["warnings"] if ": memory:" in w]
    assert warned and "chunks" in warned[0]
    cols = ["record_id_l", "record_id_r", "linked"]
    base = linked["result"].links_df()
    base = base[(base["source_l"] == pair[0]) & (base["source_r"] == pair[1])]
    pd.testing.assert_frame_equal(result.links_df()[cols],
                                  base[cols].reset_index(drop=True))
