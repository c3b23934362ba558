"""``--aggregates-only``: refused with a workspace. That assess leaves no record-level
file behind (no links.parquet, clusters.parquet or workspace) and still writes every
aggregate is checked on a shared run (see below)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hand_world import add_truth, write_world
from linkready import pipeline
from linkready.cli.app import app
from linkready.outdir import TMP_PREFIX
from linkready.project import load_project

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


def test_evaluate_honours_an_aggregates_only_folder(tmp_path: Path) -> None:
    """`evaluate` on a folder whose last run over the records was --aggregates-only (here
    a profile; link and assess record the choice the same way) links (there are no links
    to read) but, as that run chose, keeps no record-level file: no links.parquet,
    clusters.parquet, workspace or temporary is left behind."""
    path = add_truth(write_world(tmp_path, with_nhs=20))
    project = load_project(path)
    results = tmp_path / "linkready-results"
    pipeline.profile(project, aggregates_only=True).run()
    result = pipeline.evaluate(project).run()
    assert result.path == results / "evaluation.json"
    [pair] = result.document["pairs"]
    assert pair["deterministic"]["recall"] == 0.5  # 20 of the 40 council clients
    left = sorted(p.name for p in results.iterdir())
    for record_level in ("links.parquet", "clusters.parquet", "linkready.duckdb"):
        assert record_level not in left
    assert not [n for n in left if n.startswith(TMP_PREFIX)]
