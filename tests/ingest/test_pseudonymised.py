"""Pseudonymised NHS numbers (``pseudonymised: [nhs_number]``) on hand-written extracts:
tokens from a keyed hash are read as they are, compared exactly, profiled as tokens, and
validated as tokens; a column declared pseudonymised that holds NHS numbers in clear is
refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.nhs import sample_test_numbers
from lr_extracts import GIVEN, write_csv, write_project

runner = CliRunner()
KEY = b"an ICB's secret key"
HEADER = ["ID", "NHS_TOKEN", "FORENAME", "SURNAME", "DOB", "SEX", "POSTCODE"]
COLUMNS = {"record_id": "ID", "nhs_number": "NHS_TOKEN", "given_name": "FORENAME",
           "family_name": "SURNAME", "dob": "DOB", "sex": "SEX", "postcode": "POSTCODE"}


def token(nhs: str) -> str:
    """What a secure environment supplies: HMAC-SHA256 of the NHS number, in hex."""
    return hmac.new(KEY, nhs.encode(), hashlib.sha256).hexdigest()


def _people(n: int) -> list[dict[str, str]]:
    numbers = sample_test_numbers(np.random.default_rng(5), n)
    return [{"nhs": f"{x:010d}", "given": GIVEN[i % len(GIVEN)],
             "family": "Smith" + "abcdefghijklmnopqrstuvwxyz"[i % 26] * (1 + i // 26),
             "dob": f"{1940 + i % 60}-{1 + i % 12:02d}-{1 + i % 28:02d}",
             "sex": "1" if i % 2 else "2"} for i, x in enumerate(numbers)]


def _rows(people: list[dict[str, str]], prefix: str, nhs: list[str | None]) -> list[list]:
    return [[f"{prefix}{i:04d}", t, p["given"], p["family"], p["dob"], p["sex"], "NW1 2AB"]
            for i, (p, t) in enumerate(zip(people, nhs, strict=True))]


@pytest.fixture()
def tokens_project(tmp_path: Path) -> tuple[Path, int]:
    """GP: 40 people, every token; social care: 30 of them plus a second record of one
    (a duplicate client), 6 with no token, one `UNKNOWN`. Returns the project file and
    the number of social-care records whose token is on the GP list (24)."""
    people = _people(40)
    gp = [token(p["nhs"]) for p in people]
    la_people = [*people[:30], people[10]]
    la: list[str | None] = [token(p["nhs"]) for p in la_people]
    for i in range(6):
        la[i] = None
    la[6] = "UNKNOWN"
    la[7] = "  " + la[7] + " "  # whitespace around a token is trimmed
    write_csv(tmp_path / "gp.csv", HEADER, _rows(people, "G", gp))
    write_csv(tmp_path / "la.csv", HEADER, _rows(la_people, "L", la))
    spec = {"columns": COLUMNS, "pseudonymised": ["nhs_number"]}
    project = write_project(tmp_path, {"gp": {"path": "gp.csv", **spec},
                                       "la": {"path": "la.csv", **spec}}, spine="gp")
    return project, 31 - 7


def test_tokens_profiled_as_tokens(tokens_project: tuple[Path, int]) -> None:
    project, _ = tokens_project
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((project.parent / "linkready-results" / "profile.json")
                     .read_text(encoding="utf-8"))
    la = doc["sources"]["la"]
    nhs = la["fields"]["nhs_number"]
    assert nhs["form"] == "token"
    assert doc["sources"]["gp"]["fields"]["nhs_number"]["form"] == "token"
    # Only the issues a token can have: none of non-numeric, wrong length, checksum.
    assert set(nhs["issues"]) == {"missing", "placeholder"}
    assert nhs["issues"]["missing"]["count"] == "*"  # 6 records: suppressed
    assert la["readiness"]["deterministic"]["count"] == 25  # 24 present tokens, rounded
    checks = {(c["field"], c["category"]) for c in la["checks"]}
    assert ("nhs_number", "outside_issued_ranges") not in checks
    assert ("nhs_number", "test_range") not in checks
    # Duplicates: the same token twice in social care (a duplicate client): 2 records
    # share a token (published as *, i.e. 1-7); none on the GP list.
    shared = {s: next(c for c in doc["sources"][s]["checks"]
                      if (c["field"], c["category"]) == ("nhs_number", "shared_number"))
              for s in ("la", "gp")}
    assert shared["la"]["count"] == "*" and shared["gp"]["count"] == 0
    power = {p["field"]: p for p in la["discriminating_power"]}
    assert power["nhs_number"]["non_null"] == 25
    assert {"field": "nhs_number", "action": "pseudonymised"}.items() <= {
        **next(s for s in la["standardisation"] if s["action"] == "pseudonymised")}.items()
    assert not [a for a in doc["alerts"] if a["field"] == "nhs_number"
                and a["code"] in ("unreadable", "nhs_spreadsheet_form")]
    text = json.dumps(doc)
    for p in _people(40):  # no token and no NHS number of any record is published
        assert token(p["nhs"]) not in text and p["nhs"] not in text


def test_tokens_compared_exactly_in_the_deterministic_stage(
        tokens_project: tuple[Path, int]) -> None:
    from linkready.ingest import ingest_project, open_workspace
    from linkready.link.deterministic import deterministic_pairs
    from linkready.project import load_project

    project_file, on_list = tokens_project
    project = load_project(project_file)
    ws = project_file.parent / "ws.duckdb"
    ingest_project(project, ws, project_file=project_file)
    con = open_workspace(ws)
    try:
        for s in ("gp", "la"):
            con.execute(f"CREATE TEMP VIEW {s} AS SELECT * FROM records WHERE source = '{s}'")
        pairs = deterministic_pairs(con, "la", "gp")
        stored = con.execute("SELECT count(*) FROM records WHERE source = 'la' AND "
                             "nhs_number_valid").fetchall()[0][0]
    finally:
        con.close()
    assert stored == on_list
    assert len(set(pairs.column("record_id_l").to_pylist())) == on_list


def test_validate_checks_tokens_not_digits(tokens_project: tuple[Path, int]) -> None:
    project, _ = tokens_project
    result = runner.invoke(app, ["validate", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((project.parent / "linkready-results" / "validation.json")
                     .read_text(encoding="utf-8"))
    nhs = [e for e in doc["sources"]["gp"]["expectations"] if e["column"] == "nhs_number"]
    kinds = {e["expectation"] for e in nhs}
    assert "expect_column_values_to_be_valid_nhs_number" not in kinds
    assert {"expect_column_values_to_match_regex",
            "expect_column_values_to_not_match_regex"} <= kinds
    assert all(e["success"] for e in nhs)


def test_clear_nhs_numbers_declared_pseudonymised_are_refused(tmp_path: Path) -> None:
    people = _people(12)
    write_csv(tmp_path / "gp.csv", HEADER, _rows(people, "G", [p["nhs"] for p in people]))
    project = write_project(tmp_path, {"gp": {"path": "gp.csv", "columns": COLUMNS,
                                              "pseudonymised": ["nhs_number"]}})
    result = runner.invoke(app, ["profile", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "are NHS numbers in clear, not tokens; supply the tokens, or drop nhs_number " \
           "from sources.gp.pseudonymised" in text
    assert people[0]["nhs"] not in result.output
    assert not (tmp_path / "linkready-results").exists()


@pytest.mark.parametrize(("spec", "fragment"), [
    ({"pseudonymised": ["dob"]}, "pseudonymised"),
    ({"pseudonymised": ["nhs_number"], "columns": {k: v for k, v in COLUMNS.items()
                                                   if k != "nhs_number"}},
     "pseudonymised lists nhs_number, which `columns` does not map"),
])
def test_pseudonymised_config_errors(tmp_path: Path, spec: dict, fragment: str) -> None:
    write_csv(tmp_path / "gp.csv", HEADER, [])
    project = write_project(tmp_path, {"gp": {"path": "gp.csv", "columns": COLUMNS,
                                              **spec}})
    result = runner.invoke(app, ["profile", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert fragment in " ".join(result.output.split())


def test_a_pair_with_tokens_on_one_side_is_alerted() -> None:
    from linkready.alerts import pair_alerts

    def src(form: str) -> dict:
        return {"records": 100, "fields": {"nhs_number": {"held": True, "form": form}}}

    alerts = pair_alerts({"a": src("token"), "b": src("nhs_number")}, [("a", "b")])
    assert [a.code for a in alerts] == ["nhs_token_one_side"]
    assert "can never match on NHS number" in alerts[0].message
    assert pair_alerts({"a": src("token"), "b": src("token")}, [("a", "b")]) == []
