"""Linkage: deterministic and probabilistic (Splink) linkage of each source against the
spine, all sources clustered into people, label-free match-rate estimates, evaluation
against synthetic truth, and parameter sweeps.

The public surface is small; Splink is imported only when a function runs.
"""

from __future__ import annotations

from linkready.link.run import DEFAULT_THRESHOLD, LinkageRun, link_project, write_outputs
from linkready.link.settings import TrainingConfig

__all__ = [
    "DEFAULT_THRESHOLD",
    "LinkageRun",
    "TrainingConfig",
    "link_project",
    "write_outputs",
]
