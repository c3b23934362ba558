"""Shared fixtures: one small linked world with truth, and a copy of it without truth
(real-shaped input), each linked once per session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "link"))

from link_world import FAST, World, write_world

import linkready


@pytest.fixture(scope="session")
def truth_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """project.yaml of a 1,500-person world (GP, LA, acute) with truth, already linked
    into linkready-results/ next to it."""
    path = write_world(World(persons=1500), tmp_path_factory.mktemp("review_world"))
    linkready.link(path, path.parent / "linkready-results", training=FAST)
    return path


@pytest.fixture(scope="session")
def real_project(truth_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same linked world with the truth removed: no `truth:`, no truth files."""
    root = tmp_path_factory.mktemp("review_real") / "w"
    shutil.copytree(truth_project.parent, root)
    for name in ("truth.parquet", "population.parquet"):
        (root / name).unlink()
    doc = yaml.safe_load((root / "project.yaml").read_text())
    doc.pop("truth"), doc.pop("population")
    (root / "project.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return root / "project.yaml"
