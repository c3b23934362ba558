"""One small synthetic world, assessed once and shared by every report test: the README's
"Using it" block generates the default scenario (800 people) and runs `linkready assess`
on it (tests/readme_run.py, run once per session, across xdist workers); the report tests
read a copy of the results folder and of the project's folder as that assess left them,
as soon as the copy is made (the block's later commands may still be running)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.readme_run import assess_snapshot


@dataclass(frozen=True)
class Assessed:
    """A copy of the world (extracts, project.yaml, truth, manifest) and of assess's
    output folder as assess left them, the folder assess wrote to (the README run's later
    commands change it), the time assess started, its printed summary and the report's
    HTML."""

    world: Path
    out: Path
    written_to: Path
    started: float
    output: str
    html: str


@pytest.fixture(scope="session")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    """`linkready assess` as the README runs it (read-only for tests)."""
    snap, ended = assess_snapshot(tmp_path_factory)
    code = snap / "exit_code"
    assert ended is None and code.read_text().strip() == "0", (
        "the README's 'Using it' block did not run `linkready assess` to the end: "
        + (ended.stdout[-2000:] + ended.stderr[-2000:] if ended
           else (snap / "assess.out").read_text(encoding="utf-8")[-2000:]))
    return Assessed(snap / "world", snap / "out",
                    Path((snap / "written_to").read_text(encoding="utf-8").strip()),
                    (snap / "started").stat().st_mtime,
                    (snap / "assess.out").read_text(encoding="utf-8"),
                    (snap / "out" / "report.html").read_text("utf-8"))
