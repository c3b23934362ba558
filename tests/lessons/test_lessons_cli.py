"""``linkready lessons`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.lessons import LESSONS

runner = CliRunner()


def test_list_names_every_lesson() -> None:
    """`lessons list` shows all twelve lessons."""
    result = runner.invoke(app, ["lessons", "list"])
    assert result.exit_code == 0
    for name in LESSONS:
        assert name in result.output


def test_run_writes_page_and_json(tmp_path: Path) -> None:
    """`lessons run` with --population, --set and --out writes lesson.html and lesson.json."""
    out = tmp_path / "formats"
    result = runner.invoke(app, ["lessons", "run", "formats", "--population", "1500",
                                 "--out", str(out), "--set",
                                 "sources.acute.format.nhs_style=spaced"])
    assert result.exit_code == 0, result.output
    payload = json.loads((out / "lesson.json").read_text())
    assert payload["population"] == 1500
    assert payload["sets"] == {"sources.acute.format.nhs_style": "spaced"}
    # With both systems writing spaced NHS numbers the raw join works again.
    assert payload["figures"]["rule1_raw"]["value"] > 0.5
    assert (out / "lesson.html").is_file() and not (out / "data").exists()


def test_unknown_lesson_exit_2_one_line(tmp_path: Path) -> None:
    """An unknown lesson exits 2 with one error line that lists the lessons."""
    result = runner.invoke(app, ["lessons", "run", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "unknown lesson `nope`" in lines[0]
    assert all(name in lines[0] for name in LESSONS)
    assert not (tmp_path / "x").exists()


def test_bad_set_key_exit_2(tmp_path: Path) -> None:
    """A --set key the scenario does not have exits 2 naming the key; nothing is written."""
    result = runner.invoke(app, ["lessons", "run", "formats", "-n", "500", "--out",
                                 str(tmp_path / "x"), "--set", "world.twin_rat=0.1"])
    assert result.exit_code == 2
    assert "twin_rat" in result.output
    assert not (tmp_path / "x").exists()


def test_malformed_set_exit_2(tmp_path: Path) -> None:
    """--set without KEY=VALUE exits 2."""
    result = runner.invoke(app, ["lessons", "run", "formats", "--set", "oops"])
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.output


def test_help_in_a_real_process() -> None:
    """`linkready lessons --help` works in a fresh interpreter."""
    exe = Path(sys.executable).parent / "linkready"
    proc = subprocess.run([str(exe), "lessons", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "run" in proc.stdout and "list" in proc.stdout


def test_keep_data_keeps_the_worlds(tmp_path: Path) -> None:
    """--keep-data leaves each world's extracts, project and workspace in OUT/data."""
    out = tmp_path / "f"
    result = runner.invoke(app, ["lessons", "run", "formats", "-n", "400", "--out", str(out),
                                 "--keep-data"])
    assert result.exit_code == 0, result.output
    world = out / "data" / "formats"
    assert (world / "project.yaml").is_file()
    assert (world / "linkready-results" / "linkready.duckdb").is_file()
