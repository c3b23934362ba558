"""Linkage: deterministic and probabilistic (Splink) linkage of each source against the
spine, all sources clustered into people, label-free match-rate estimates, evaluation
against synthetic truth, and parameter sweeps.

The public surface is small; Splink is imported only when a function runs.
"""

from __future__ import annotations

from linkready.link.evaluate_run import evaluate_outputs, evaluate_project, write_evaluation
from linkready.link.run import DEFAULT_THRESHOLD, LinkageRun, link_project, write_outputs
from linkready.link.settings import TrainingConfig
from linkready.link.sweep import run_sweep, write_sweep

__all__ = [
    "DEFAULT_THRESHOLD",
    "LinkageRun",
    "TrainingConfig",
    "evaluate_outputs",
    "evaluate_project",
    "link_project",
    "run_sweep",
    "write_evaluation",
    "write_outputs",
    "write_sweep",
]
