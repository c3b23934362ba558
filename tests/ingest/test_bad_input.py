"""Bad input gives one line naming the file and the column or key, exit 2, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from lr_extracts import COLUMNS, one_source, person, write_csv, write_project

runner = CliRunner()
Setup = Callable[[Path], Path]


def missing_file(d: Path) -> Path:
    return write_project(d, {"src": {"path": "nowhere.csv", "columns": COLUMNS}})


def wrong_delimiter(d: Path) -> Path:
    write_csv(d / "src.csv", list(COLUMNS.values()), [list(person(1).values())], delimiter=";")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})



def _absent(d: Path) -> Path:
    one_source(d, [person(1)])
    return write_project(d, {"src": {"path": "src.csv",
                                     "columns": {**COLUMNS, "postcode": "POST_CODE"}}})


def _absent_case(d: Path) -> Path:
    one_source(d, [person(1)])
    cols = {**COLUMNS, "nhs_number": "nhs"}
    return write_project(d, {"src": {"path": "src.csv", "columns": cols}})


def header_only(d: Path) -> Path:
    write_csv(d / "src.csv", list(COLUMNS.values()), [])
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def empty_file(d: Path) -> Path:
    (d / "src.csv").write_bytes(b"")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def undecodable(d: Path) -> Path:
    write_csv(d / "src.csv", list(COLUMNS.values()),
              [list(person(1, family_name="Núñez").values())], encoding="latin-1")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def duplicate_columns(d: Path) -> Path:
    header = [*COLUMNS.values(), "SURNAME"]
    write_csv(d / "src.csv", header, [[*person(1).values(), "X"]])
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def yaml_syntax(d: Path) -> Path:
    one_source(d, [person(1)])
    p = d / "project.yaml"
    p.write_text("name: test\nsources: [unclosed\n", encoding="utf-8")
    return p


def unknown_key(d: Path) -> Path:
    one_source(d, [person(1)])
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS, "delimeter": ";"}})


def no_record_id(d: Path) -> Path:
    one_source(d, [person(1)])
    cols = {k: v for k, v in COLUMNS.items() if k != "record_id"}
    return write_project(d, {"src": {"path": "src.csv", "columns": cols}})


def unknown_encoding(d: Path) -> Path:
    one_source(d, [person(1)])
    return write_project(d, {"src": {"path": "src.csv", "encoding": "klingon",
                                     "columns": COLUMNS}})


def second_source_broken(d: Path) -> Path:
    one_source(d, [person(1)])
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS},
                             "other": {"path": "other.csv", "columns": COLUMNS}})


CASES = [
    # setup, words the one line must contain
    pytest.param(missing_file, ["nowhere.csv", "sources.src.path", "not found"], id="missing-file"),
    pytest.param(wrong_delimiter, ["src.csv", "`ID`", "delimiter", "semicolon"],
                 id="wrong-delimiter"),
    pytest.param(_absent, ["src.csv", "`POST_CODE`", "sources.src.columns.postcode",
                           "`POSTCODE`"], id="mapped-column-absent"),
    pytest.param(_absent_case, ["`nhs`", "did you mean `NHS`?"],
                 id="mapped-column-wrong-case"),
    pytest.param(header_only, ["src.csv", "no readable rows", "sources.src"], id="no-rows"),
    pytest.param(empty_file, ["src.csv", "empty", "sources.src.path"], id="empty-file"),
    pytest.param(undecodable, ["src.csv", "utf-8", "sources.src.encoding"], id="undecodable-bytes"),
    pytest.param(duplicate_columns, ["src.csv", "duplicate", "`SURNAME`", "sources.src"],
                 id="duplicate-columns"),
    pytest.param(yaml_syntax, ["project.yaml", "YAML", "line"], id="yaml-syntax"),
    pytest.param(unknown_key, ["project.yaml", "sources.src.delimeter", "unknown key"],
                 id="yaml-unknown-key"),
    pytest.param(no_record_id, ["project.yaml", "sources.src.columns", "record_id"],
                 id="yaml-no-record-id"),
    pytest.param(unknown_encoding, ["project.yaml", "sources.src.encoding", "klingon"],
                 id="unknown-encoding"),
    pytest.param(second_source_broken, ["other.csv", "sources.other.path"],
                 id="second-source-missing"),
]


@pytest.mark.parametrize("command", ["profile", "validate"])
@pytest.mark.parametrize(("setup", "words"), CASES)
def test_bad_input(tmp_path: Path, setup: Setup, words: list[str], command: str) -> None:
    """The CLI exits 2 with one error line naming file and field; no workspace or output."""
    project_file = setup(tmp_path)
    before = set(tmp_path.iterdir())
    out = tmp_path / "out"
    result = runner.invoke(app, [command, str(project_file), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in result.output + result.stderr
    assert set(tmp_path.iterdir()) == before
    assert not out.exists()


def test_failure_keeps_previous_workspace(tmp_path: Path) -> None:
    """A failed ingest leaves an existing workspace exactly as it was."""
    project_file = one_source(tmp_path, [person(1)])
    assert runner.invoke(app, ["profile", str(project_file)]).exit_code == 0
    ws = tmp_path / "linkready-results" / "linkready.duckdb"
    before = ws.read_bytes()
    (tmp_path / "src.csv").write_bytes(b"")
    assert runner.invoke(app, ["profile", str(project_file)]).exit_code == 2
    assert ws.read_bytes() == before


def test_unparseable_values_are_not_fatal(tmp_path: Path) -> None:
    """Garbage values are counted invalid; the run succeeds."""
    rows = [person(1, dob="not a date", nhs_number="abc", postcode="!!", sex="?",
                   ethnicity="??")]
    project_file = one_source(tmp_path, rows)
    result = runner.invoke(app, ["profile", str(project_file)])
    assert result.exit_code == 0, result.output


def test_malformed_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    """A row with too many fields is rejected, counted in the log, and the run succeeds."""
    write_csv(tmp_path / "src.csv", list(COLUMNS.values()),
              [list(person(1).values()), [*person(2).values(), "EXTRA"], list(person(3).values())])
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                    "dob_format": "%d/%m/%Y"}})
    result = runner.invoke(app, ["profile", str(project_file)])
    assert result.exit_code == 0, result.output
    import duckdb

    con = duckdb.connect(str(tmp_path / "linkready-results" / "linkready.duckdb"),
                         read_only=True)
    log = dict(((f, a), n) for f, a, n in con.execute(
        "SELECT field, action, count FROM standardisation_log").fetchall())
    assert log[("record_id", "read")] == 2 and log[("record_id", "rows_rejected")] == 1
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"records", "sources", "standardisation_log"}


def test_misspelt_column_of_a_wide_extract_keeps_the_suggestion(tmp_path: Path) -> None:
    """In an extract of 40 columns the printed line (at most 300 characters) still says
    which column was meant: the list of every column no longer pushes it out."""
    extra = [f"ADMISSION_METHOD_CODE_{i:02d}" for i in range(32)]
    write_csv(tmp_path / "src.csv", [*COLUMNS.values(), *extra],
              [[*person(1).values(), *["x"] * len(extra)]])
    columns = {**COLUMNS, "family_name": "SURNAMES"}
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": columns}})
    result = runner.invoke(app, ["profile", str(project_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "did you mean `SURNAME`?" in line and "sources.src.columns.family_name" in line
    assert "`SURNAMES`" in line and "fix the mapping" in line


@pytest.mark.parametrize("serial", ["{n}", "{n}.0"])
def test_dates_of_birth_as_excel_serial_numbers_are_refused_with_the_fix(
        tmp_path: Path, serial: str) -> None:
    """A DOB column exported from Excel as day numbers (29200 for 10/12/1979): one line
    saying so and how to export them as dates (it was a profile alert that no format
    reads them, suggesting a list of formats)."""
    from datetime import date
    days = [(date(1940 + i, 1 + i % 12, 3) - date(1899, 12, 30)).days for i in range(20)]
    rows = [person(i, dob=serial.format(n=n)) for i, n in enumerate(days)]
    project_file = one_source(tmp_path, rows)
    result = runner.invoke(app, ["profile", str(project_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "src.csv" in line and "sources.src.columns.dob" in line
    assert "Excel" in line and "serial" in line and "date" in line
    assert not (tmp_path / "o").exists()


def test_years_alone_are_not_taken_for_excel_serial_numbers(tmp_path: Path) -> None:
    """A column of birth years (four digits) is not called Excel day numbers."""
    project_file = one_source(tmp_path, [person(i, dob=str(1940 + i)) for i in range(20)])
    result = runner.invoke(app, ["profile", str(project_file), "--out", str(tmp_path / "o")])
    assert "serial" not in result.output + result.stderr


def _utf16_undeclared(d: Path) -> Path:
    """Excel's "Unicode Text": UTF-16 with a byte-order mark."""
    write_csv(d / "src.csv", list(COLUMNS.values()), [list(person(1).values())],
              encoding="utf-16")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def _utf16_without_bom(order: str) -> Setup:
    def setup(d: Path) -> Path:
        """UTF-16 with no byte-order mark, ``encoding:`` not declared."""
        write_csv(d / "src.csv", list(COLUMNS.values()), [list(person(1).values())],
                  encoding=f"utf-16-{order}")
        return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})
    return setup


def _parquet_named_csv(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({c: ["x"] for c in COLUMNS.values()}), d / "src.csv")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


@pytest.mark.parametrize(("setup", "words"), [
    (_utf16_undeclared, ["byte-order mark", "`encoding: utf-16`"]),
    (_utf16_without_bom("le"), ["NUL", "sources.src.encoding", "`encoding: utf-16-le`"]),
    (_utf16_without_bom("be"), ["NUL", "sources.src.encoding", "`encoding: utf-16-be`"]),
    (_parquet_named_csv, ["Parquet", "`format: parquet`"]),
])
def test_an_undecodable_file_says_what_it_is(tmp_path: Path, setup: Setup,
                                             words: list[str]) -> None:
    """A file whose first bytes say what it is (a UTF-16 byte-order mark, Parquet's magic
    number) gets that fix, not 'set encoding: e.g. latin-1 or cp1252'."""
    project_file = setup(tmp_path)
    result = runner.invoke(app, ["profile", str(project_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "src.csv" in line and "sources.src" in line
    for w in words:
        assert w in line, line
    assert "latin-1" not in line


def test_a_header_with_spaces_around_a_name_says_how_to_map_it(tmp_path: Path) -> None:
    """`SURNAME ` in the header (a common export): the line says the spaces are the
    difference and gives the quoted mapping to write."""
    header = [f"{c} " if c == "SURNAME" else c for c in COLUMNS.values()]
    write_csv(tmp_path / "src.csv", header, [list(person(1).values())])
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS}})
    result = runner.invoke(app, ["profile", str(project_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "sources.src.columns.family_name" in line and "spaces" in line
    assert 'family_name: "SURNAME "' in line


@pytest.mark.parametrize("command", ["link", "profile"])
def test_the_line_names_the_project_file_given_not_project_yaml(tmp_path: Path,
                                                                command: str) -> None:
    """A project file not named project.yaml is the file the fix is asked in: `link`
    (which builds its state without the file) named `project.yaml` beside it."""
    one_source(tmp_path, [person(1)])
    one_source(tmp_path, [person(1)], name="other")
    written = write_project(tmp_path, {
        "src": {"path": "src.csv", "columns": {**COLUMNS, "family_name": "SURNAMEX"}},
        "other": {"path": "other.csv", "columns": COLUMNS}})
    project_file = written.rename(tmp_path / "mine.yaml")
    result = runner.invoke(app, [command, str(project_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert "fix the mapping in" in line and line.endswith("/mine.yaml"), line
    assert not (tmp_path / "o").exists()
