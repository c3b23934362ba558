"""Linkage: deterministic and probabilistic (Splink) linkage of each source against the
spine, all sources clustered into people, label-free match-rate estimates and evaluation
against synthetic truth. Sweeps (which generate worlds) live in :mod:`linkready.pipeline`.

The public surface is small, and imported on first use: importing a submodule
(``linkready.link.backends``) loads neither the linkage run nor the evaluation (pandas);
Splink is imported only when a function runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each public name lives.
_LAZY = {
    **{name: "linkready.link.evaluate_run" for name in (
        "Evaluation", "evaluate_outputs", "evaluate_project", "evaluation_document",
        "write_evaluation")},
    **{name: "linkready.link.run" for name in (
        "DEFAULT_THRESHOLD", "LinkageRun", "link_project", "write_outputs")},
    "TrainingConfig": "linkready.link.settings",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (a submodule name falls through to the import
    system, which imports ``linkready.link.<name>``)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'linkready.link' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
