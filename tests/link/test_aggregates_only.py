"""``--aggregates-only``: refused with a workspace. That assess leaves no record-level
file behind (no links.parquet, clusters.parquet or workspace) and still writes every
aggregate is checked on a shared run (see below)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app

runner = CliRunner()
# The whole assessment under --aggregates-only (every aggregate written, evaluation and
# report included, no record-level file left behind even when the --fail-on-error gate
# fails) is checked on the one assess run of
# tests/cli/test_alerts_cli.py::test_assess_fail_on_error_pair_alert_and_report; link
# shares the same code path (pipeline._State.ws).


@pytest.mark.parametrize("command", ["link", "assess", "profile"])
def test_aggregates_only_refuses_a_workspace(small_world: Path, tmp_path: Path,
                                             command: str) -> None:
    result = runner.invoke(app, [command, str(small_world / "project.yaml"), "--out",
                                 str(tmp_path / "o"),
                                 "--workspace", str(tmp_path / "ws.duckdb"),
                                 "--aggregates-only"])
    assert result.exit_code == 2
    assert "--aggregates-only keeps no workspace" in result.output
    assert not (tmp_path / "o").exists() and not (tmp_path / "ws.duckdb").exists()
