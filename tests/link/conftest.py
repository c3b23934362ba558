"""Shared fixtures: one small synthetic world, linked and evaluated once per session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from link_world import FAST, World, write_world

import linkready


@pytest.fixture(scope="session")
def world_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project.yaml of a 1,500-person world with GP, LA and acute sources."""
    return write_world(World(persons=1500), tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def linked(world_project: Path) -> dict:
    """The world linked once: the run, its output directory, the LinkResult and the parsed
    linkage.json."""
    project = linkready.load_project(world_project)
    out = world_project.parent / "linkage"
    result = linkready.link(project, out, training=FAST)
    return {"project": project, "run": result.run, "out": out, "result": result,
            "summary": json.loads((out / "linkage.json").read_text())}


@pytest.fixture(scope="session")
def evaluated(linked: dict) -> linkready.EvaluationResult:
    """The session's links evaluated against truth, as `linkready.evaluate` does it
    (evaluation.json written beside linkage.json)."""
    return linkready.evaluate(linked["project"], linked["out"])
