"""Linkage: deterministic and probabilistic (Splink) linkage of each source against the
spine, all sources clustered into people, label-free match-rate estimates and evaluation
against synthetic truth. Sweeps (which generate worlds) live in :mod:`linkready.pipeline`.

The public surface is small; Splink is imported only when a function runs.
"""

from __future__ import annotations

from linkready.link.evaluate_run import (
    Evaluation,
    evaluate_outputs,
    evaluate_project,
    evaluation_document,
    write_evaluation,
)
from linkready.link.run import DEFAULT_THRESHOLD, LinkageRun, link_project, write_outputs
from linkready.link.settings import TrainingConfig

__all__ = [
    "DEFAULT_THRESHOLD",
    "Evaluation",
    "LinkageRun",
    "TrainingConfig",
    "evaluate_outputs",
    "evaluate_project",
    "evaluation_document",
    "link_project",
    "write_evaluation",
    "write_outputs",
]
