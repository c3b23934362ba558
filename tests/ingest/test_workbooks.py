"""Excel workbooks given as extracts are refused with the exact fix, whatever their name."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from lr_extracts import COLUMNS, write_project

runner = CliRunner()


def _xlsx(path: Path) -> Path:
    """A minimal .xlsx-like zip (what Excel writes starts with the zip magic)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


@pytest.mark.parametrize("name", ["clients.xlsx", "clients.csv", "clients.xls"])
def test_a_workbook_is_refused_with_the_fix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xls"):
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    else:
        _xlsx(path)
    project = write_project(tmp_path, {"la": {"path": name, "columns": COLUMNS}})
    result = runner.invoke(app, ["profile", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "an Excel workbook, not a CSV file (sources.la.path)" in text
    assert 'Save As > "CSV UTF-8 (Comma delimited)"' in text
    assert not (tmp_path / "linkready-results").exists()
