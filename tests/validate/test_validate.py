"""``linkready validate``: GX suites from the mapping, counts only, a quality gate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from lr_extracts import COLUMNS, VALID_NHS, person, write_csv, write_project

runner = CliRunner()
DIRTY_ROWS = 2500
CHUNK = 1000


def dirty_rows() -> list[dict[str, Any]]:
    """2,500 records: 200 without an NHS number, 5 failing Modulus 11, and one record id
    used twice, far apart so the two copies would fall in different row-order batches."""
    rows = [person(i, nhs_number=VALID_NHS[i % 10]) for i in range(DIRTY_ROWS)]
    for i in range(200):
        rows[i]["nhs_number"] = ""
    for i in range(200, 205):
        rows[i]["nhs_number"] = "9434765918"
    rows[2400]["record_id"] = rows[1]["record_id"]
    return rows


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `validate --fail-on-error` run over a clean and a dirty source."""
    d = tmp_path_factory.mktemp("validate")
    header = list(COLUMNS.values())
    clean = [list(person(i).values()) for i in range(30)]
    write_csv(d / "clean.csv", header, clean)
    dirty = dirty_rows()
    write_csv(d / "dirty.csv", header, [list(r.values()) for r in dirty])
    spec = {"columns": COLUMNS, "dob_format": "%d/%m/%Y"}
    project_file = write_project(
        d, {"clean": {"path": "clean.csv", **spec}, "dirty": {"path": "dirty.csv", **spec}},
        validation={"chunk_rows": CHUNK, "mostly": {"nhs_number": 0.95}})
    result = runner.invoke(app, ["validate", str(project_file), "--out", str(d / "out"),
                                 "--fail-on-error"])
    identifiers = {str(v).upper() for r in dirty for k, v in r.items()
                   if k in ("nhs_number", "given_name", "family_name", "dob") and v}
    return {"result": result, "dir": d, "out": d / "out", "identifiers": identifiers,
            "doc": json.loads((d / "out" / "validation.json").read_text())}


def expectation(doc: dict[str, Any], source: str, kind: str, column: str) -> dict[str, Any]:
    for e in doc["sources"][source]["expectations"]:
        if e["expectation"] == kind and e["column"] == column:
            return e
    raise AssertionError(f"no {kind} on {column}")


def test_fail_on_error_exits_1(run: dict[str, Any]) -> None:
    """A failed expectation with --fail-on-error exits 1 with one line naming it."""
    result = run["result"]
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "dirty" in lines[0] and "validation.json" in lines[0]


@pytest.mark.parametrize(("source", "kind", "column", "success", "unexpected"), [
    pytest.param("clean", "expect_column_values_to_be_unique", "record_id", True, 0,
                 id="clean-unique"),
    pytest.param("clean", "expect_column_values_to_be_valid_nhs_number", "nhs_number", True, 0,
                 id="clean-nhs"),
    pytest.param("dirty", "expect_column_values_to_be_unique", "record_id", False, "*",
                 id="dirty-duplicate-across-batches"),
    pytest.param("dirty", "expect_column_values_to_not_be_null", "nhs_number", False, 200,
                 id="dirty-nhs-missing"),
    pytest.param("dirty", "expect_column_values_to_be_valid_nhs_number", "nhs_number", False,
                 "*", id="dirty-nhs-mod11"),
    pytest.param("dirty", "expect_column_values_to_match_regex", "nhs_number", True, 0,
                 id="dirty-nhs-regex"),
    pytest.param("dirty", "expect_column_values_to_match_regex", "postcode", True, 0,
                 id="dirty-postcode-regex"),
    pytest.param("dirty", "expect_column_values_to_be_between", "dob", True, 0,
                 id="dirty-dob-range"),
    pytest.param("dirty", "expect_column_values_to_be_in_set", "ethnicity", True, 0,
                 id="dirty-ethnicity-set"),
])
def test_expectation_results(run: dict[str, Any], source: str, kind: str, column: str,
                             success: bool, unexpected: Any) -> None:
    """Each expectation's success and (suppressed) unexpected count are as built."""
    e = expectation(run["doc"], source, kind, column)
    assert (e["success"], e["unexpected_count"], e["error"]) == (success, unexpected, None)


def test_batches_and_counts(run: dict[str, Any]) -> None:
    """Large sources are validated in batches; counts add up over batches."""
    dirty = run["doc"]["sources"]["dirty"]
    assert dirty["batches"] == 3
    assert dirty["records"] == DIRTY_ROWS
    e = expectation(run["doc"], "dirty", "expect_column_values_to_not_be_null", "given_name")
    assert e["element_count"] == DIRTY_ROWS
    assert run["doc"]["success"] is False
    assert run["doc"]["sources"]["clean"]["success"] is True


def test_suites_exported(run: dict[str, Any]) -> None:
    """Each source's suite is written to expectations/ as GX JSON with anchored regexes."""
    suite = json.loads((run["out"] / "expectations" / "dirty.json").read_text())
    kinds = {e["type"] for e in suite["expectations"]}
    assert "expect_column_values_to_be_valid_nhs_number" in kinds
    for e in suite["expectations"]:
        regex = e["kwargs"].get("regex")
        assert regex is None or (regex.startswith("^") and regex.endswith("$"))


def test_no_identifier_in_outputs(run: dict[str, Any]) -> None:
    """No NHS number, name or DOB of the input appears in validation.json or the suites."""
    texts = [(run["out"] / "validation.json").read_text().upper()]
    texts += [p.read_text().upper() for p in (run["out"] / "expectations").glob("*.json")]
    for value in run["identifiers"]:
        for text in texts:
            assert f'"{value}"' not in text
            if len(value) >= 8:
                assert value not in text
    assert "PARTIAL_UNEXPECTED_LIST" not in texts[0]


def test_clean_project_passes_gate(run: dict[str, Any], tmp_path: Path) -> None:
    """With only clean data, --fail-on-error exits 0."""
    write_csv(tmp_path / "clean.csv", list(COLUMNS.values()),
              [list(person(i).values()) for i in range(20)])
    project_file = write_project(tmp_path, {"clean": {"path": "clean.csv", "columns": COLUMNS,
                                                      "dob_format": "%d/%m/%Y"}})
    result = runner.invoke(app, ["validate", str(project_file), "--fail-on-error"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "linkready-results" / "validation.json").is_file()
    # Reproducible: a second run writes the same suite, byte for byte (GX gives every
    # suite and expectation a random id; the file held them).
    again = tmp_path / "again"
    assert runner.invoke(app, ["validate", str(project_file), "--out", str(again)]).exit_code == 0
    suite = "expectations/clean.json"
    assert (again / suite).read_bytes() == (tmp_path / "linkready-results" / suite).read_bytes()


def test_help_does_not_import_gx() -> None:
    """Loading the CLI imports neither Great Expectations nor pandas nor DuckDB."""
    code = ("import sys, linkready.cli.app; "
            "print(sorted(m for m in ('great_expectations', 'duckdb', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


EXAMPLES = Path(__file__).parents[2] / "configs" / "examples"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()))
def test_examples_profile_and_validate(example: str, tmp_path: Path) -> None:
    """Every example project profiles and validates, writing nothing beside it."""
    project_file = EXAMPLES / example / "project.yaml"
    before = sorted(p.name for p in (EXAMPLES / example).iterdir())
    args = [str(project_file), "--out", str(tmp_path), "--workspace", str(tmp_path / "w.duckdb")]
    for command in ("profile", "validate"):
        result = runner.invoke(app, [command, *args])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "profile.json").is_file() and (tmp_path / "validation.json").is_file()
    assert sorted(p.name for p in (EXAMPLES / example).iterdir()) == before


def test_gx_nhs_expectation_matches_numpy_rule(run: dict[str, Any]) -> None:
    """The custom GX expectation flags exactly the numbers linkready.nhs calls invalid."""
    import numpy as np
    import pandas as pd

    from linkready.nhs import is_valid
    from linkready.validate._gx import GxRunner
    from linkready.validate._suites import ExpectationSpec

    rng = np.random.default_rng(3)
    numbers = np.concatenate([rng.integers(0, 10_000_000_000, 3000),
                              np.array([9434765919, 1111111111, 0])])
    frame = pd.DataFrame({"nhs_number": [f"{n:010d}" for n in numbers]})
    gx = GxRunner()
    gx.add_suite("nhs", [ExpectationSpec("ExpectColumnValuesToBeValidNhsNumber", "nhs_number")])
    (outcome,) = gx.validate("nhs", frame)
    assert outcome.unexpected_count == int((~is_valid(numbers)).sum())


def test_exported_suite_loads_into_gx(run: dict[str, Any]) -> None:
    """An exported suite can be rebuilt in GX once the custom expectation is registered."""
    from linkready.validate import register_gx_expectations

    register_gx_expectations()
    import great_expectations as gx

    data = json.loads((run["out"] / "expectations" / "dirty.json").read_text())
    suite = gx.ExpectationSuite(**data)
    assert len(suite.expectations) == len(data["expectations"])


def _between_counts(frame: Any) -> list[tuple[int, int, int]]:
    from linkready.validate._gx import GxRunner
    from linkready.validate._suites import between

    gx = GxRunner()
    gx.add_suite("b", [between("dob", datetime(1895, 1, 1), datetime(2026, 1, 1)),
                       between("imd_decile", 1, 10)])
    return [(o.element_count, o.unexpected_count, o.missing_count)
            for o in gx.validate("b", frame)]


def test_gx_frame_counts_as_duckdb_hands_over() -> None:
    """The batch in GX's vectorised dtypes (dob in ns, imd_decile float) gives the counts
    GX's per-value comparison gives on DuckDB's dtypes (dob in us, nullable Int32),
    missing values and out-of-range values included."""
    import pandas as pd

    from linkready.validate._run import gx_frame

    dob = pd.Series(pd.to_datetime(["1890-05-01", "1950-01-01", None, "2030-01-01",
                                    "1895-01-01", "2026-01-01"])).dt.as_unit("us")
    imd = pd.Series([0, 1, None, 10, 11, 5], dtype="Int32")
    raw = pd.DataFrame({"dob": dob, "imd_decile": imd})
    fast = gx_frame(raw.copy())
    assert (str(fast["dob"].dtype), str(fast["imd_decile"].dtype)) == \
        ("datetime64[ns]", "float64")
    assert _between_counts(fast) == _between_counts(raw) == [(6, 2, 1), (6, 2, 1)]


def test_gx_frame_keeps_dates_outside_the_ns_range() -> None:
    """A date before 1677 cannot be held in nanoseconds: the column keeps microseconds
    (GX's slower comparison) and is still counted as out of range."""
    import pandas as pd

    from linkready.validate._run import gx_frame

    frame = pd.DataFrame({"dob": pd.Series([datetime(1600, 1, 1), datetime(1950, 1, 1)],
                                           dtype="datetime64[us]"),
                          "imd_decile": pd.Series([1, 2], dtype="Int32")})
    out = gx_frame(frame)
    assert str(out["dob"].dtype) == "datetime64[us]"
    assert _between_counts(out)[0] == (2, 1, 0)
