"""One small synthetic world, assessed once through the CLI and shared by every report test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from linkready.cli.app import app
from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import load_scenario

#: Small enough to keep the whole folder well under a minute and a half on 2 cores.
POPULATION = 1500


@dataclass(frozen=True)
class Assessed:
    """The world, the assess output directory, the CLI result and the report's HTML."""

    world: Path
    out: Path
    result: Result
    html: str


@pytest.fixture(scope="session")
def report_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario at 1,500 people, written as CSV (read-only for tests)."""
    out = tmp_path_factory.mktemp("report_world") / "default_1500"
    generate_to_dir(load_scenario("default", population=POPULATION), out, fmt="csv")
    return out


@pytest.fixture(scope="session")
def assessed(report_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    """`linkready assess` run once on the world (read-only for tests)."""
    out = tmp_path_factory.mktemp("assessed") / "out"
    result = CliRunner().invoke(app, ["assess", str(report_world / "project.yaml"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return Assessed(report_world, out, result, (out / "report.html").read_text("utf-8"))
