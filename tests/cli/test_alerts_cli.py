"""Alerts through the CLI on hand-built extracts with no truth: one line each, no value of
any record in a line, and ``--fail-on-error`` turning error alerts into exit 1 after the
outputs are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.lr_extracts import COLUMNS, person, write_csv, write_project
from typer.testing import CliRunner

from linkready.cli.app import app

runner = CliRunner()
N = 40


def _rows(**change: Any) -> list[dict[str, Any]]:
    """40 clean people; ``change[field](i)`` rewrites a field of record i."""
    return [person(i, **{f: fn(i) for f, fn in change.items()}) for i in range(N)]


def _write(folder: Path, name: str, rows: list[dict[str, Any]],
           columns: dict[str, str] = COLUMNS) -> dict[str, Any]:
    write_csv(folder / f"{name}.csv", list(columns.values()),
              [[r.get(f) for f in columns] for r in rows])
    return {"path": f"{name}.csv", "columns": dict(columns), "dob_format": "%d/%m/%Y"}


def _values(rows: list[dict[str, Any]]) -> set[str]:
    """Every identifying value of the extract (names are short: only those of 3+ letters)."""
    return {str(v) for r in rows for k, v in r.items()
            if v and k != "sex" and len(str(v)) >= 3}


def _alert_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("alert ")]


def _check_lines(lines: list[str], expected: list[tuple[str, str]],
                 rows: list[dict[str, Any]]) -> None:
    assert len(lines) == len(expected), lines
    for line, (where, words) in zip(lines, expected, strict=True):
        assert where in line and words in line, line
        assert not [v for v in _values(rows) if v in line], line


@pytest.mark.parametrize(("change", "expected"), [
    ({"dob": lambda i: "31/31/1980" if i % 4 else "10/12/1980"},
     [("ERROR src.dob", "do not parse with dob_format")]),
    # dates of mixed formats that common formats read are refused at ingest, naming the
    # list (tests/ingest/test_hostile_input.py); half unreadable, half another format:
    ({"dob": lambda i: "1980-12-10" if i % 5 < 2 else "31/31/1980" if i % 5 < 4 else
      "10/12/1980"},
     [("ERROR src.dob", 'list each in dob_format (e.g. ["%d/%m/%Y", "%Y-%m-%d"])')]),
    ({"ethnicity": lambda i: "White British"},
     [("ERROR src.ethnicity", "not NHS ethnic category codes; map them with `values:`")]),
    ({"ethnicity": lambda i: "Irish Traveller" if i < 12 else "A"},
     [("WARNING src.ethnicity", "not NHS ethnic category codes")]),
    ({"postcode": lambda i: "NOWHERE" if i % 4 else "NW1 2AB"},
     [("ERROR src.postcode", "are not UK postcodes")]),
    ({"nhs_number": lambda i: "'" + person(i)["nhs_number"]},
     [("WARNING src.nhs_number", "spreadsheet's leading '")]),
])
def test_profile_prints_one_line_per_alert(tmp_path: Path, change: dict[str, Any],
                                           expected: list[tuple[str, str]]) -> None:
    rows = _rows(**change)
    project = write_project(tmp_path, {"src": _write(tmp_path, "src", rows)})
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    _check_lines(_alert_lines(result.output), expected, rows)
    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    assert [(a["severity"].upper(), a["source"], a["field"]) for a in doc["alerts"]] == [
        (w.split()[0], *w.split()[1].split(".")) for w, _ in expected]
    assert all(a["count"] == "*" or a["count"] % 5 == 0 for a in doc["alerts"])


def test_clean_extract_has_no_alert(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"src": _write(tmp_path, "src", _rows())})
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    assert _alert_lines(result.output) == []


def test_validate_fail_on_error_exits_1_after_writing(tmp_path: Path) -> None:
    # Without the flag an error alert does not change the exit code (see the profile
    # tests above, exit 0 with error alerts). One extract holds every kind of error alert
    # (each alone is gated: tests/test_alerts.py); one validate run checks them all.
    rows = _rows(nhs_number=lambda i: "N/K", given_name=lambda i: "1",
                 family_name=lambda i: "?",
                 dob=lambda i: "31/31/1980", postcode=lambda i: "NOWHERE",
                 ethnicity=lambda i: "White British")
    project = write_project(tmp_path, {"src": _write(tmp_path, "src", rows)})
    gated = runner.invoke(app, ["validate", str(project), "--out", str(tmp_path / "b"),
                                "--fail-on-error"])
    assert gated.exit_code == 1, gated.output
    assert (tmp_path / "b" / "validation.json").is_file()
    expected = [(f"ERROR src.{f}", words) for f, words in (
        ("nhs_number", "are not 10-digit NHS numbers"), ("given_name", "are not names"),
        ("family_name", "are not names"), ("dob", "dob_format"),
        ("postcode", "are not UK postcodes"),
        ("ethnicity", "not NHS ethnic category codes"))]
    _check_lines(_alert_lines(gated.output), expected, rows)
    gate = [ln for ln in gated.output.splitlines() if ln.startswith("error:")]
    assert len(gate) == 1 and "expectation(s) failed" in gate[0], gated.output
    assert "src.postcode (unreadable)" in gate[0], gate


def test_assess_fail_on_error_pair_alert_and_report(tmp_path: Path) -> None:
    """One assess run, checked twice over to keep the tests cheap: the alerts gate (exit 1
    after writing, one line per alert, the report's box) and ``--aggregates-only`` (every
    aggregate written, evaluation included, and no record-level file left behind, even
    when the gate fails; see tests/link/test_aggregates_only.py)."""
    import pandas as pd

    left = _rows(dob=lambda i: "31/31/1980" if i % 4 else "10/12/1980")
    right = _rows()
    no_postcode = {k: v for k, v in COLUMNS.items() if k != "postcode"}
    pd.DataFrame([{"source": s, "record_id": r["record_id"], "person_id": i}
                  for s in ("la", "gp") for i, r in enumerate(right)]).to_parquet(
        tmp_path / "truth.parquet", index=False)
    project = write_project(tmp_path, {"la": _write(tmp_path, "la", left),
                                       "gp": _write(tmp_path, "gp", right, no_postcode)},
                            pairs=[["la", "gp"]], truth="truth.parquet")
    out = tmp_path / "out"
    result = runner.invoke(app, ["assess", str(project), "--out", str(out),
                                 "--fail-on-error", "--aggregates-only"])
    assert result.exit_code == 1, result.output
    _check_lines(_alert_lines(result.output),
                 [("ERROR la.dob", "dob_format"),
                  ("WARNING la.postcode", "held by la but not by gp")], left + right)
    html = (out / "report.html").read_text(encoding="utf-8")
    box = html[html.index('class="alerts"'):html.index("</section>")]
    assert box.count("<li") == 2 and "la · dob" in box and "la · postcode" in box
    assert "mostly unreadable" in html
    assert not [v for v in _values(left + right) if v in box]
    # --aggregates-only: every aggregate, no record-level file, nothing left listed
    from linkready.outdir import MARKER

    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json"):
        assert (out / name).is_file(), name
    names = {p.name for p in out.rglob("*")}
    assert not names & {"links.parquet", "clusters.parquet", "linkready.duckdb",
                        "linkage-exact.json"}, names
    assert not [n for n in names if n.endswith(".duckdb") or n.startswith(".linkready-tmp-")]
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    listed = {n for ns in marker["sets"].values() for n in ns}
    assert not listed & {"links.parquet", "clusters.parquet", "linkready.duckdb"}, listed
    doc = json.loads((out / "linkage.json").read_text(encoding="utf-8"))
    assert [(p["left"], p["right"]) for p in doc["pairs"]] == [("la", "gp")]
