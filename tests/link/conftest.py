"""Shared fixtures: one small synthetic world, linked and evaluated once per session."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from link_world import FAST, World, write_world

from linkready.link import link_project, write_outputs
from linkready.project import load_project


@pytest.fixture(scope="session")
def world_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project.yaml of a 1,500-person world with GP, LA and acute sources."""
    return write_world(World(persons=1500), tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def linked(world_project: Path) -> dict:
    """The world linked once: the run, its output directory and the parsed linkage.json."""
    project = load_project(world_project)
    run = link_project(project, config=FAST)
    out = world_project.parent / "linkage"
    write_outputs(run, out)
    return {"project": project, "run": run, "out": out,
            "summary": json.loads((out / "linkage.json").read_text())}
