"""``--aggregates-only``: link and assess leave no record-level file behind (no
links.parquet, clusters.parquet or workspace), and still write every aggregate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import MARKER

runner = CliRunner()
RECORD_LEVEL = ("links.parquet", "clusters.parquet", "linkready.duckdb")


def _everything(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _assert_no_record_level(folder: Path) -> None:
    names = _everything(folder)
    assert not [n for n in names if Path(n).name in RECORD_LEVEL or ".duckdb" in n], names
    assert not [n for n in names if n.startswith(".linkready-tmp-")], names
    marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    listed = {n for ns in marker["sets"].values() for n in ns}
    assert not listed & set(RECORD_LEVEL), listed


def test_assess_aggregates_only(small_world: Path, tmp_path: Path) -> None:
    """The whole assessment (one pair, to keep it cheap), report included, with only
    aggregates left behind; link shares the same code path (pipeline._State.ws)."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["assess", str(small_world / "project.yaml"), "--out",
                                 str(out),
                                 "--pairs", "acute:gp_register", "--aggregates-only"])
    assert result.exit_code == 0, result.output
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json",
                 "report.html"):
        assert (out / name).is_file(), name
    _assert_no_record_level(out)
    doc = json.loads((out / "linkage.json").read_text(encoding="utf-8"))
    assert [(p["left"], p["right"]) for p in doc["pairs"]] == [("acute", "gp_register")]


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
