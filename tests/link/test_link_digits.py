"""Prediction runs on the trained parameters exactly as model.json publishes them
(link/digits.py): drift in EM's last bits (DuckDB's threaded sums differ between runs)
cannot reach the match probabilities, links or figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import linkready
from hand_world import write_world
from linkready.link import training
from linkready.link.digits import MODEL_DIGITS


def _drifted(train: Any) -> Any:
    """``training.train``, then every trained m and u moved below its published digits
    (as EM's threaded sums can move them between identical runs): to its
    MODEL_DIGITS-digit value times 1 + 1e-12, which publishes the same (1e-12 is a
    hundredth of the grid's spacing) but differs from the trained value by up to ~5e-11."""

    def run(linker: Any, *args: Any, **kwargs: Any) -> Any:
        out = train(linker, *args, **kwargs)
        for comparison in linker._settings_obj.comparisons:
            for level in comparison.comparison_levels:
                if level.is_null_level:
                    continue
                for name in ("m_probability", "u_probability"):
                    value = getattr(level, f"_{name}")
                    if isinstance(value, float) and 0 < value < 1:
                        setattr(level, name,
                                float(f"{value:.{MODEL_DIGITS}g}") * (1 + 1e-12))
        return out

    return run


def test_last_bit_drift_in_training_does_not_reach_the_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, the drifted run's linkage.json differed (a refit share in its 12th digit)."""
    project = write_world(tmp_path, with_nhs=20)
    linkready.link(project, tmp_path / "plain")
    monkeypatch.setattr(training, "train", _drifted(training.train))
    linkready.link(project, tmp_path / "drifted")
    for name in ("linkage.json", "model.json", "links.parquet", "clusters.parquet"):
        assert (tmp_path / "plain" / name).read_bytes() == \
            (tmp_path / "drifted" / name).read_bytes(), name
