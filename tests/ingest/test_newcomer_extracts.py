"""Defects found by shaping data linkready did not generate (FEBRL 4, Splink's
fake_1000) as an NHS analyst's extracts arrive, each reproduced on a tiny hand-written
extract."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from linkready.cli.app import app
from lr_extracts import one_source, person

runner = CliRunner()


def _refusal(project: Path) -> str:
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert not (project.parent / "linkready-results").exists()
    return line


def test_a_minority_of_dates_in_other_formats_is_refused_naming_the_list(
        tmp_path: Path) -> None:
    """A GP list declared `%d/%m/%Y` whose dates are 40% in ISO or `10 Dec 1980` form:
    those were set to NULL as `unparseable` with no alert (the refusal started at half of
    the dates), so 40% of the records lost their DOB silently. Now refused naming the
    list that reads them all, as for a majority (README: mixed formats are an error)."""
    forms = ["10/12/1980"] * 3 + ["1980-12-10", "10 Dec 1980"]
    line = _refusal(one_source(tmp_path, [person(i, dob=forms[i % 5]) for i in range(40)]))
    assert "40% of the dates" in line and "sources.src.columns.dob" in line
    assert '`dob_format: ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y"]`' in line
    assert "1980" not in line


def test_a_minority_of_bad_or_swapped_dates_is_counted_not_refused(tmp_path: Path) -> None:
    """Dates no common format reads, or day and month swapped (25/12 written 12/25: read
    only by the swap of the declared format), are bad data, counted `unparseable`."""
    forms = ["10/12/1980"] * 3 + ["not a date", "12/25/1980"]
    project = one_source(tmp_path, [person(i, dob=forms[i % 5]) for i in range(40)])
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    assert doc["sources"]["src"]["fields"]["dob"]["issues"]["unparseable"]["count"] == 15
