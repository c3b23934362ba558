"""linkready: measure whether English health and care extracts are ready to link.

The Python API (``docs/python-api.md``)::

    import linkready
    world = linkready.generate("default", "data", population=2000)
    project = linkready.load_project(world.project_file)
    result = linkready.assess(project, "results")
    result.link.pairs_df()

Each function runs the same pipeline as the matching command, writes the same files
(published together, see ``docs/safety.md``) and returns a typed result with
``.to_dict()`` (the published document) and DataFrame accessors. Importing linkready is
cheap: DuckDB, Splink, Great Expectations and pandas load only when a function runs.

``generate``, ``profile``, ``validate``, ``link``, ``report`` and ``whatif`` are also the
names of the stage packages (``linkready.profile.profile_workspace`` …). Python makes an imported
subpackage an attribute of its parent, so those six are the packages themselves, made
callable: ``linkready.profile(project)`` runs :func:`linkready._api.profile`, while
``import linkready.profile`` and ``from linkready.profile import …`` work as before.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from linkready._version import __version__
from linkready.errors import ConfigError, InputError, LinkreadyError, OutputError

if TYPE_CHECKING:
    from linkready import lessons
    from linkready._api import (
        assess,
        evaluate,
        generate,
        link,
        load_project,
        profile,
        project_from_frames,
        report,
        sweep,
        validate,
        whatif,
    )
    from linkready.link.settings import TrainingConfig
    from linkready.link.spark import SparkSettings
    from linkready.project import Project
    from linkready.results import (
        AssessResult,
        EvaluationResult,
        GenerateResult,
        LinkResult,
        ProfileResult,
        ReportResult,
        SweepResult,
        ValidationResult,
        WhatIfResult,
    )

__all__ = [
    "AssessResult",
    "ConfigError",
    "EvaluationResult",
    "GenerateResult",
    "InputError",
    "LinkResult",
    "LinkreadyError",
    "OutputError",
    "ProfileResult",
    "Project",
    "ReportResult",
    "SparkSettings",
    "SweepResult",
    "TrainingConfig",
    "ValidationResult",
    "WhatIfResult",
    "__version__",
    "assess",
    "evaluate",
    "generate",
    "lessons",
    "link",
    "load_project",
    "profile",
    "project_from_frames",
    "report",
    "sweep",
    "validate",
    "whatif",
]

#: Where each lazily imported public name lives.
_LAZY = {
    **{name: "linkready._api" for name in (
        "assess", "evaluate", "load_project", "project_from_frames", "sweep")},
    **{name: "linkready.results" for name in (
        "AssessResult", "EvaluationResult", "GenerateResult", "LinkResult",
        "ProfileResult", "ReportResult", "SweepResult", "ValidationResult",
        "WhatIfResult")},
    "Project": "linkready.project",
    "TrainingConfig": "linkready.link.settings",
    "SparkSettings": "linkready.link.spark",
}


#: Stage packages that double as API functions of the same name.
_CALLABLE_STAGES = frozenset({"generate", "profile", "validate", "link", "report",
                              "whatif"})


class _StageModule(types.ModuleType):
    """A stage package that, called, runs the API function of its name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from linkready import _api

        return getattr(_api, self.__name__.rpartition(".")[2])(*args, **kwargs)


class _Package(types.ModuleType):
    """``linkready`` itself: stage subpackages become callable as they are bound."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE_STAGES and type(value) is types.ModuleType:
            value.__class__ = _StageModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Import the public API on first use (keeps ``import linkready`` and the CLI fast)."""
    import importlib

    if name == "lessons" or name in _CALLABLE_STAGES:
        return importlib.import_module(f"linkready.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'linkready' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
