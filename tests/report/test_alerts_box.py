"""The alerts box at the top of the report, built from a hand-built extract's profile."""

from __future__ import annotations

import json
from pathlib import Path

from tests.lr_extracts import one_source, person
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.report import ReportInputs, build_report, render_html


def _profile(folder: Path, ethnicity: str) -> dict:
    rows = [person(i, ethnicity=ethnicity, dob="31/31/1980" if i % 4 else "10/12/1980")
            for i in range(40)]
    project = one_source(folder, rows)
    result = CliRunner().invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    return json.loads((folder / "linkready-results" / "profile.json").read_text())


def test_box_lists_alerts_first_and_table_flags_unreadable(tmp_path: Path) -> None:
    report = build_report(ReportInputs(profile=_profile(tmp_path, "Qwerty <b>Desc</b>")))
    assert [(a.severity, a.field) for a in report.alerts] == [("error", "dob"),
                                                               ("error", "ethnicity")]
    html = render_html(report)
    box = html[html.index('<section class="alerts"'):]
    box = box[:box.index("</section>")]
    assert html.index('class="alerts"') < html.index('<main id="main"')
    assert box.count("<li") == 2 and box.count("sev-error") == 2
    assert "<code>values:</code>" in box  # the fix, as code
    assert "Qwerty" not in html and "Desc" not in html  # no extract value, in the box or anywhere
    table = html[html.index('id="identifiers"'):]
    row = table[table.index(">date of birth<"):]
    row = row[:row.index("</tr>")]
    assert "mostly unreadable" in row and "✓ held" not in row


def test_no_box_without_alerts(tmp_path: Path) -> None:
    doc = _profile(tmp_path, "A")
    doc["alerts"] = [a for a in doc["alerts"] if a["field"] != "dob"]
    assert doc["alerts"] == []
    report = build_report(ReportInputs(profile=doc))
    assert report.alerts == ()
    assert 'class="alerts"' not in render_html(report)
