"""One definition of synthetic data: generate's manifest beside the project, hashes matching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import load_scenario
from linkready.project import load_project
from linkready.synthetic import HASHES_KEY, is_synthetic, sha256_file


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A small generated world, private to the test (they edit it)."""
    out = tmp_path / "w"
    generate_to_dir(load_scenario("default", population=300), out, fmt="csv")
    return out


def test_generated_world_is_synthetic(world: Path) -> None:
    """generate records a hash of every extract, truth and population; they match."""
    manifest = json.loads((world / "manifest.json").read_text())
    project = load_project(world / "project.yaml")
    files = {Path(project.sources[s].path).name for s in project.sources}
    assert files | {"truth.parquet", "population.parquet"} == set(manifest[HASHES_KEY])
    assert manifest[HASHES_KEY]["truth.parquet"] == sha256_file(world / "truth.parquet")
    assert is_synthetic(project)


@pytest.mark.parametrize("change", ["edit_extract", "edit_truth", "no_manifest",
                                   "old_manifest", "foreign_extract"])
def test_anything_else_is_real_data(world: Path, tmp_path: Path, change: str) -> None:
    """An edited extract or truth, a missing or hash-less manifest, or a project pointing
    at a file the manifest does not list is real data."""
    project_file = world / "project.yaml"
    if change == "edit_extract":
        path = world / "gp_register.csv"
        path.write_bytes(path.read_bytes() + b"\n")
    elif change == "edit_truth":
        shutil.copy(world / "population.parquet", world / "truth.parquet")
    elif change == "no_manifest":
        (world / "manifest.json").unlink()
    elif change == "old_manifest":
        doc = json.loads((world / "manifest.json").read_text())
        del doc[HASHES_KEY]
        (world / "manifest.json").write_text(json.dumps(doc))
    else:
        shutil.copy(world / "gp_register.csv", world / "mine.csv")
        text = project_file.read_text().replace("path: gp_register.csv", "path: mine.csv")
        assert "mine.csv" in text
        project_file.write_text(text)
    assert not is_synthetic(load_project(project_file))


def test_moved_world_stays_synthetic(world: Path, tmp_path: Path) -> None:
    """Hashes name files relative to the project, so a copied world is still synthetic."""
    moved = tmp_path / "elsewhere"
    shutil.copytree(world, moved)
    assert is_synthetic(load_project(moved / "project.yaml"))
