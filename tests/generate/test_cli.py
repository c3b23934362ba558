"""``linkready generate`` from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from linkready.cli.app import app

runner = CliRunner()


def test_list() -> None:
    """--list names every built-in scenario."""
    result = runner.invoke(app, ["generate", "--list"])
    assert result.exit_code == 0
    for name in ("default", "ics", "primary_acute", "la_without_nhs_number"):
        assert name in result.output


def test_generate_small(tmp_path: Path) -> None:
    """A run writes the directory and prints a summary of what it wrote."""
    out = tmp_path / "w"
    result = runner.invoke(app, ["generate", "default", "--out", str(out), "-n", "300",
                                 "--format", "parquet"])
    assert result.exit_code == 0, result.output
    assert (out / "gp_register.parquet").is_file()
    assert "gp_register" in result.output


def test_bad_config_exit_2_nothing_written(tmp_path: Path) -> None:
    """A broken scenario exits 2 with one line per problem and writes nothing."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("population: 100\nsources:\n  acute:\n    coverage: {resident: 2}\n"
                   "    errors: {nhs_missing: -1}\n")
    out = tmp_path / "w"
    result = runner.invoke(app, ["generate", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 2 and all(str(bad) in ln for ln in lines)
    assert "Traceback" not in result.output
    assert not out.exists()


def test_existing_out_refused(tmp_path: Path) -> None:
    """A folder that already holds a generated world is refused with the fix named."""
    args = ["generate", "default", "--out", str(tmp_path), "-n", "300"]
    assert runner.invoke(app, args).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--overwrite" in result.output


def test_unknown_format(tmp_path: Path) -> None:
    """An unknown --format is a one-line error."""
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 2 and "csv or parquet" in result.output


def test_real_subprocess_help() -> None:
    """The installed console script answers --help in a real process."""
    exe = Path(sys.executable).parent / "linkready"
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "generate" in done.stdout
