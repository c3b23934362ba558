"""The progress bar on stderr: left in place after a run, cleared when the run fails so
that bad input prints exactly one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.lr_extracts import COLUMNS, one_source, person
from typer.testing import CliRunner

from linkready.cli.app import app

runner = CliRunner()


def test_bad_input_prints_one_line_and_no_progress_bar(tmp_path: Path) -> None:
    """A mapping to a missing column: stderr is the error line alone (the bar that was
    drawn before the failure used to stay above it, as a second line)."""
    project = one_source(tmp_path, [person(i) for i in range(10)])
    doc = yaml.safe_load(project.read_text())
    doc["sources"]["src"]["columns"] = {**COLUMNS, "family_name": "NO_SUCH_COLUMN"}
    project.write_text(yaml.safe_dump(doc))
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 2, res.output
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    assert "NO_SUCH_COLUMN" in lines[0]


def test_success_keeps_the_finished_bar(tmp_path: Path) -> None:
    """A run that finishes leaves its bar, complete, on stderr."""
    project = one_source(tmp_path, [person(i) for i in range(10)])
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 0, res.output
    assert "profiled" in res.stderr and "error" not in res.stderr


@pytest.mark.parametrize("terminal", [False, True])
def test_the_bar_is_redrawn_in_the_background_on_a_terminal_only(
        terminal: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off a terminal nothing shows before the end: no thread redraws the bar meanwhile."""
    import threading

    from rich.live import _RefreshThread

    from linkready.cli._common import err_console
    from linkready.cli.progress import progress_bar

    monkeypatch.setattr(err_console, "_force_terminal", terminal)
    with progress_bar("linking", 2) as advance:
        advance("one")
        running = any(isinstance(t, _RefreshThread) for t in threading.enumerate())
    assert running == terminal
