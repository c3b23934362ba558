"""One small synthetic world, assessed once and shared by every report test: the README's
"Using it" block generates the default scenario (800 people) and runs `linkready assess`
on it (tests/readme_run.py, run once per session, across xdist workers); the report tests
read a copy of the folder as that assess left it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.readme_run import using_it


@dataclass(frozen=True)
class Assessed:
    """The world, a copy of assess's output folder as assess left it, the folder assess
    wrote to (the README run's later commands changed it since), the time assess started,
    its printed summary and the report's HTML."""

    world: Path
    out: Path
    written_to: Path
    started: float
    output: str
    html: str


@pytest.fixture(scope="session")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Assessed:
    """`linkready assess` as the README runs it (read-only for tests)."""
    run = using_it(tmp_path_factory)
    snap = run.snapshot
    code = snap / "exit_code"
    assert code.is_file() and code.read_text().strip() == "0", (
        "the README's 'Using it' block did not run `linkready assess` to the end: "
        + run.stdout[-2000:] + run.stderr[-2000:])
    return Assessed(run.world, snap / "out",
                    Path((snap / "written_to").read_text(encoding="utf-8").strip()),
                    (snap / "started").stat().st_mtime,
                    (snap / "assess.out").read_text(encoding="utf-8"),
                    (snap / "out" / "report.html").read_text("utf-8"))
