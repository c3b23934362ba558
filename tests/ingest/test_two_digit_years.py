"""Two-digit years (``%y``): read with a documented century pivot that never puts a date
of birth after the reference date; a four-digit-year format (``%Y``) never reads them
as the years 0–99, so a wrong declaration is refused naming the ``%y`` format. Every
stage reads the one parsed date of the workspace, so profile, validate and link agree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.ingest import ingest_project, open_workspace
from linkready.project import load_project
from lr_extracts import one_source, person

runner = CliRunner()


def _dobs(tmp_path: Path, dobs: list[str], dob_format: str | list[str]) -> list[tuple]:
    rows = [person(i, dob=d) for i, d in enumerate(dobs)]
    project = load_project(one_source(tmp_path, rows, dob_format=dob_format))
    con = open_workspace(ingest_project(project).workspace)
    try:
        return con.execute("SELECT dob, dob_issue FROM records ORDER BY record_id").fetchall()
    finally:
        con.close()


def test_two_digit_years_pivot_on_the_reference_date(tmp_path: Path) -> None:
    """Reference date 2025-01-01: each two-digit year is the latest year ending in those
    digits that puts the date on or before it (63 → 1963, 24 → 2024, 25 → 1925 for a
    date after 1 January, 2025 for 1 January itself); none is set to NULL as future."""
    got = _dobs(tmp_path, ["01/02/63", "01/02/24", "01/02/25", "01/01/25", "31/12/99",
                           "29/02/24"], "%d/%m/%y")
    assert got == [(date(1963, 2, 1), None), (date(2024, 2, 1), None),
                   (date(1925, 2, 1), None), (date(2025, 1, 1), None),
                   (date(1999, 12, 31), None), (date(2024, 2, 29), None)]


def test_a_format_list_reads_four_digit_years_first(tmp_path: Path) -> None:
    """With ["%d/%m/%Y", "%d/%m/%y"], 01/02/63 is 1963 (not the year 63, too early) and a
    four-digit date after the reference date stays in the future (NULL): the pivot is
    only for two-digit years."""
    got = _dobs(tmp_path, ["01/02/63", "01/02/1963", "01/02/2063"], ["%d/%m/%Y", "%d/%m/%y"])
    assert got == [(date(1963, 2, 1), None), (date(1963, 2, 1), None), (None, "future")]


def test_two_digit_years_under_a_four_digit_format_are_refused_with_the_fix(
        tmp_path: Path) -> None:
    """Ten dates like 01/02/63 declared %d/%m/%Y were read as the year 63 and set to NULL
    as too early, without a word: now refused naming `%d/%m/%y` (no date in the
    message), exit 2, nothing written."""
    rows = [person(i, dob=f"0{1 + i % 9}/02/{40 + i}") for i in range(10)]
    project = one_source(tmp_path, rows, dob_format="%d/%m/%Y")
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 2, result.output
    assert "%d/%m/%y" in result.stderr and "src.csv" in result.stderr
    assert "/02/4" not in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "linkready-results").exists()


def test_profile_counts_the_two_digit_years_it_read(tmp_path: Path) -> None:
    """profile.json's standardisation log says how many dates had a two-digit year (the
    century chosen by the reference date), so the reader knows the pivot was used."""
    rows = [person(i, dob=d) for i, d in enumerate(
        ["01/02/63"] * 10 + ["01/02/1963"] * 10)]
    project = one_source(tmp_path, rows, dob_format=["%d/%m/%Y", "%d/%m/%y"])
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    log = {(e["field"], e["action"]): e["count"]
           for e in doc["sources"]["src"]["standardisation"]}
    assert log[("dob", "two_digit_year")] == 10
    assert doc["sources"]["src"]["fields"]["dob"]["issues"]["future"]["count"] == 0


def test_a_two_digit_year_format_also_reads_four_digit_years(tmp_path: Path) -> None:
    """`%d/%m/%y` reads 01/02/1920 as 1920 (a four-digit year is never pivoted), so an
    extract mixing both needs no list."""
    got = _dobs(tmp_path, ["01/02/1920", "01/02/20", "01/02/2063"], "%d/%m/%y")
    assert got == [(date(1920, 2, 1), None), (date(2020, 2, 1), None), (None, "future")]


def test_workbook_date_cells_keep_their_century_under_a_two_digit_format(
        tmp_path: Path) -> None:
    """A date typed into Excel (1 February 1920) in a workbook declared `%d/%m/%y` (for
    its text dates) is read as 1920, not written back as `20` and read as 2020."""
    from test_workbooks import write_xlsx

    from lr_extracts import COLUMNS, write_project

    fields = ("record_id", "nhs_number", "given_name", "family_name", "dob", "sex",
              "postcode")
    rows: list[list[object]] = [[COLUMNS[f] for f in fields]]
    rows += [[f"R{i}", None, "Ada", "Lovelace", (date(1920, 2, 1), 1), 2, "NW1 2AB"]
             for i in range(3)]
    rows += [["R9", None, "Ada", "Lovelace", "01/02/63", 2, "NW1 2AB"]]
    write_xlsx(tmp_path / "clients.xlsx", rows)
    project = write_project(tmp_path, {"la": {"path": "clients.xlsx", "columns": {
        f: COLUMNS[f] for f in fields}, "dob_format": "%d/%m/%y"}})
    con = open_workspace(ingest_project(load_project(project)).workspace)
    try:
        got = con.execute("SELECT dob FROM records ORDER BY record_id").fetchall()
    finally:
        con.close()
    assert got == [(date(1920, 2, 1),)] * 3 + [(date(1963, 2, 1),)]
