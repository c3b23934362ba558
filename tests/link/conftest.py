"""Shared fixtures: one small synthetic world, linked and evaluated once per session."""

from __future__ import annotations

import json
import sys
import time
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
    """The world linked once: the run, its output directory, the LinkResult, the parsed
    linkage.json and the process CPU seconds the link took."""
    project = linkready.load_project(world_project)
    out = world_project.parent / "linkage"
    cpu = time.process_time()
    result = linkready.link(project, out, training=FAST)
    return {"project": project, "run": result.run, "out": out, "result": result,
            "summary": json.loads((out / "linkage.json").read_text()),
            "cpu": time.process_time() - cpu}


@pytest.fixture(scope="session")
def evaluated(linked: dict) -> linkready.EvaluationResult:
    """The session's links evaluated against truth, as `linkready.evaluate` does it
    (evaluation.json written beside linkage.json)."""
    return linkready.evaluate(linked["project"], linked["out"])
