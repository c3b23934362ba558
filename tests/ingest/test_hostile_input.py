"""Hostile input on the reading side (issue 10): every case ends in exit 0 or exit 2 with
one line naming file, field and fix; no traceback, no extract value in the message, the
user's files byte-identical and nothing written."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import TMP_PREFIX
from lr_extracts import COLUMNS, VALID_NHS, one_source, person, write_csv, write_project

runner = CliRunner()
Setup = Callable[[Path], Path]

#: Values the hand-built records hold: none may appear in a message.
SECRETS = [*VALID_NHS, "Lovelace", "Ada", "Bea", "10/12/1980", "NW1 2AB", "1980-12-10",
           "R0001", "R0002"]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (not following links) with its bytes."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def refused(tmp_path: Path, args: list[str], words: list[str]) -> str:
    """Run the CLI; assert exit 2, one error line holding ``words`` and no extract value,
    no traceback, the files under ``tmp_path`` unchanged and nothing written."""
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    for w in words:
        assert w in line, (w, line)
    for secret in SECRETS:
        assert secret not in result.stderr + result.stdout, (secret, line)
    assert "Traceback" not in result.output + result.stderr
    assert snapshot(tmp_path) == before
    assert not any(p.is_file() for p in out.rglob("*")) if out.exists() else True
    assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))
    return line


def records(d: Path, n: int = 10, **overrides: object) -> list[dict[str, object]]:
    return [person(i, **overrides) for i in range(1, n + 1)]


# --- Reproduction 5: no header row, record_id holding identifiers -----------------------

def no_header(d: Path) -> Path:
    (d / "src.csv").write_text(
        "".join(",".join(str(v) for v in person(i).values()) + "\n" for i in (1, 2)),
        encoding="utf-8")
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def no_header_names_only(d: Path) -> Path:
    (d / "src.csv").write_text("Rx,Ada,Lovelace\nRy,Bea,Lovelace\n", encoding="utf-8")
    cols = {"record_id": "ID", "given_name": "FORENAME", "family_name": "SURNAME"}
    return write_project(d, {"src": {"path": "src.csv", "columns": cols}})


def no_header_duplicates(d: Path) -> Path:
    (d / "src.csv").write_text("R0001,Lovelace,Lovelace,10/12/1980\n", encoding="utf-8")
    cols = {"record_id": "ID", "given_name": "FORENAME", "family_name": "SURNAME",
            "dob": "DOB"}
    return write_project(d, {"src": {"path": "src.csv", "columns": cols}})


def no_header_repeated_names(d: Path) -> Path:
    (d / "src.csv").write_text("Rx,Lovelace,Lovelace\n", encoding="utf-8")
    cols = {"record_id": "ID", "given_name": "FORENAME", "family_name": "SURNAME"}
    return write_project(d, {"src": {"path": "src.csv", "columns": cols}})


def header_with_numeric_name(d: Path) -> Path:
    header = [*COLUMNS.values(), "2019"]
    write_csv(d / "src.csv", header, [[*person(1).values(), "x"]])
    return write_project(d, {"src": {"path": "src.csv",
                                     "columns": {**COLUMNS, "postcode": "POST_CODE"}}})


def record_id_same_column(d: Path) -> Path:
    one_source(d, records(d))
    return write_project(d, {"src": {"path": "src.csv",
                                     "columns": {**COLUMNS, "record_id": "NHS"}}})


def record_id_holds_nhs(d: Path) -> Path:
    rows = [person(i, record_id=VALID_NHS[i % 10]) for i in range(1, 11)]
    return one_source(d, rows)


# --- Reproduction 8: source names ------------------------------------------------------

def source_named(name: str) -> Setup:
    def setup(d: Path) -> Path:
        one_source(d, records(d))
        return write_project(d, {name: {"path": "src.csv", "columns": COLUMNS,
                                        "dob_format": "%d/%m/%Y"}})
    return setup


def project_named(name: str) -> Setup:
    def setup(d: Path) -> Path:
        one_source(d, records(d))
        p = d / "project.yaml"
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        p.write_text(yaml.safe_dump({**data, "name": name}), encoding="utf-8")
        return p
    return setup


# --- Reproduction 9: encodings, paths, headers, YAML -----------------------------------

def utf16_without_bom(d: Path) -> Path:
    write_csv(d / "src.csv", list(COLUMNS.values()),
              [list(r.values()) for r in records(d, 2)], encoding="utf-16-le")
    return write_project(d, {"src": {"path": "src.csv", "encoding": "utf-16",
                                     "columns": COLUMNS}})


def non_text_codec(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src.csv", "encoding": "rot13",
                                     "columns": COLUMNS}})


def huge_header_field(d: Path) -> Path:
    header = [*COLUMNS.values(), "X" * 140_000]
    write_csv(d / "src.csv", header, [[*person(1).values(), "x"]])
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def symlink_loop(d: Path) -> Path:
    (d / "a.csv").symlink_to(d / "b.csv")
    (d / "b.csv").symlink_to(d / "a.csv")
    return write_project(d, {"src": {"path": "a.csv", "columns": COLUMNS}})


def nul_in_path(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src\x00.csv", "columns": COLUMNS}})


def folder_as_extract(d: Path) -> Path:
    (d / "src.csv").mkdir()
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS}})


def deep_flow_yaml(d: Path) -> Path:
    p = d / "project.yaml"
    p.write_text("name: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    return p


def deep_block_yaml(d: Path) -> Path:
    p = d / "project.yaml"
    # 3,000 levels (10,000 one-space levels would be a 50 MB file, refused as too large).
    p.write_text("".join(" " * i + f"k{i}:\n" for i in range(3_000)), encoding="utf-8")
    return p


def deep_sequence_yaml(d: Path) -> Path:
    p = d / "project.yaml"
    p.write_text("name: x\nsources:\n  " + "- " * 10_000 + "x\n", encoding="utf-8")
    return p


def yaml_text(text: bytes) -> Setup:
    def setup(d: Path) -> Path:
        one_source(d, records(d, 2))
        p = d / "project.yaml"
        p.write_bytes(text)
        return p
    return setup


def delimiter_is_quote(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src.csv", "delimiter": '"', "columns": COLUMNS}})


def bad_dob_format_code(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS,
                                     "dob_format": "%d/%m/%Q"}})


def dob_format_without_codes(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS,
                                     "dob_format": "DD/MM/YYYY"}})


# --- Reproductions 10 and 11: spreadsheets and date formats ----------------------------

def scientific_nhs(d: Path) -> Path:
    return one_source(d, records(d, nhs_number="9.99E+09"))


def float32_parquet_nhs(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = records(d)
    table = pa.table({c: [str(r[f]) for r in rows] for f, c in COLUMNS.items()})
    table = table.set_column(1, "NHS", pa.array([float(r["nhs_number"]) for r in rows],
                                                 pa.float32()))
    pq.write_table(table, d / "src.parquet")
    return write_project(d, {"src": {"path": "src.parquet", "columns": COLUMNS,
                                     "dob_format": "%d/%m/%Y"}})


def wrong_dob_format(d: Path) -> Path:
    return one_source(d, records(d, dob="1980-12-10"))


def mixed_dob_formats(d: Path) -> Path:
    """Issue 15: a DOB column mixing three formats, none reading most dates alone."""
    forms = ["1980-12-10", "10/12/1980", "10 Dec 1980"]
    return one_source(d, [person(i, dob=forms[i % 3]) for i in range(30)])


def tab_in_project_yaml(d: Path) -> Path:
    """Issue 15: a project.yaml indented with a tab, as an editor may leave it."""
    p = one_source(d, records(d, 2))
    p.write_text(p.read_text(encoding="utf-8").replace("\n  src:\n", "\n\tsrc:\n"),
                 encoding="utf-8")
    return p


def windows_path(d: Path) -> Path:
    """Issue 15: a path written with Windows separators, on a system where \\ is not one."""
    (d / "extracts").mkdir()
    one_source(d / "extracts", records(d, 2))
    return write_project(d, {"src": {"path": "extracts\\src.csv", "columns": COLUMNS}})


def misspelt_key(d: Path) -> Path:
    one_source(d, records(d, 2))
    return write_project(d, {"src": {"path": "src.csv", "columns": COLUMNS,
                                     "dob_fromat": "%d/%m/%Y"}})


CASES = [
    pytest.param(no_header, ["src.csv", "row 1 looks like data, not a header", "sources.src"],
                 id="5-no-header"),
    pytest.param(no_header_names_only, ["src.csv", "none of the 3 mapped columns",
                                        "row 1", "header"], id="5-no-header-names-only"),
    pytest.param(no_header_duplicates, ["src.csv", "row 1 looks like data"],
                 id="5-no-header-duplicate-values"),
    pytest.param(no_header_repeated_names, ["src.csv", "none of the 3 mapped columns"],
                 id="5-no-header-repeated-names"),
    pytest.param(header_with_numeric_name, ["src.csv", "`POST_CODE`", "`2019`"],
                 id="5-real-header-with-a-number-is-listed"),
    pytest.param(record_id_same_column, ["project.yaml", "sources.src", "record_id",
                                         "nhs_number", "record_id_is_identifier: true"],
                 id="5-record-id-is-nhs-column"),
    pytest.param(record_id_holds_nhs, ["src.csv", "sources.src.columns.record_id",
                                       "valid NHS numbers", "record_id_is_identifier: true"],
                 id="5-record-id-holds-nhs-numbers"),
    pytest.param(source_named("../../../x"), ["project.yaml", "sources", "not allowed"],
                 id="8-source-name-path"),
    pytest.param(source_named("[/]"), ["project.yaml", "sources", "not allowed"],
                 id="8-source-name-markup"),
    pytest.param(source_named(".hidden"), ["project.yaml", "sources", "not allowed"],
                 id="8-source-name-leading-dot"),
    pytest.param(source_named("a:b"), ["project.yaml", "sources", "not allowed"],
                 id="8-source-name-colon"),
    pytest.param(source_named("tab\tname"), ["project.yaml", "sources", "\\t"],
                 id="8-source-name-control-char"),
    pytest.param(project_named("[/] x"), ["project.yaml", "name", "square brackets"],
                 id="8-project-name-markup"),
    pytest.param(utf16_without_bom, ["src.csv", "sources.src.encoding", "byte-order mark",
                                     "utf-16-le"], id="9-utf16-without-bom"),
    pytest.param(non_text_codec, ["project.yaml", "sources.src.encoding", "rot13"],
                 id="9-non-text-codec"),
    pytest.param(huge_header_field, ["src.csv", "row 1", "131072", "sources.src.path"],
                 id="9-header-field-over-131072"),
    pytest.param(symlink_loop, ["a.csv", "loops", "sources.src.path"], id="9-symlink-loop"),
    pytest.param(nul_in_path, ["NUL", "sources.src.path"], id="9-nul-in-path"),
    pytest.param(folder_as_extract, ["src.csv", "folder", "sources.src.path"],
                 id="9-folder-as-extract"),
    pytest.param(deep_flow_yaml, ["project.yaml", "nested"], id="9-deep-yaml-flow"),
    pytest.param(deep_block_yaml, ["project.yaml", "nested"], id="9-deep-yaml-block"),
    pytest.param(deep_sequence_yaml, ["project.yaml", "nested"], id="9-deep-yaml-sequence"),
    pytest.param(yaml_text(b"name: x\nsources:\n\t- a\n"), ["project.yaml", "line 3"],
                 id="9-yaml-tab"),
    pytest.param(yaml_text(b"name: 'x\n"), ["project.yaml", "YAML"], id="9-yaml-unclosed"),
    pytest.param(yaml_text(b"- a\n- b\n"), ["project.yaml", "mapping"], id="9-yaml-list"),
    pytest.param(yaml_text(b"name: \xff\xfe\x00x\n"), ["project.yaml", "UTF-8"],
                 id="9-yaml-not-utf8"),
    pytest.param(yaml_text(b"name: a\x00b\n"), ["project.yaml"], id="9-yaml-nul"),
    pytest.param(yaml_text(b"name: x\nsources: &a [*a]\n"), ["project.yaml", "sources"],
                 id="9-yaml-recursive-alias"),
    pytest.param(delimiter_is_quote, ["project.yaml", "sources.src.delimiter", "quote"],
                 id="9-delimiter-is-quote"),
    pytest.param(bad_dob_format_code, ["project.yaml", "sources.src.dob_format", "%Q"],
                 id="11-dob-format-unknown-code"),
    pytest.param(dob_format_without_codes, ["project.yaml", "sources.src.dob_format",
                                            "%d/%m/%Y"], id="11-dob-format-no-codes"),
    pytest.param(wrong_dob_format, ["src.csv", "sources.src.columns.dob", "do not match",
                                    "`%Y-%m-%d`"], id="11-wrong-dob-format"),
    pytest.param(mixed_dob_formats, ["src.csv", "sources.src.columns.dob", "mix formats",
                                     '`dob_format: ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y"]`'],
                 id="15-mixed-dob-formats"),
    pytest.param(tab_in_project_yaml, ["project.yaml", "a tab character at line 4",
                                       "replace the tab with spaces"], id="15-yaml-tab"),
    pytest.param(windows_path, ["extracts\\src.csv", "sources.src.path",
                                "write the path with / between folders"],
                 id="15-windows-path", marks=pytest.mark.skipif(
                     os.sep == "\\", reason="\\ separates folders on Windows")),
    pytest.param(misspelt_key, ["project.yaml", "sources.src.dob_fromat", "unknown key",
                                "did you mean `dob_format`?"], id="15-misspelt-key"),
    pytest.param(scientific_nhs, ["src.csv", "sources.src.columns.nhs_number",
                                  "scientific notation", "store the column as text"],
                 id="10-nhs-scientific-notation"),
    pytest.param(float32_parquet_nhs, ["src.parquet", "sources.src.columns.nhs_number",
                                       "FLOAT", "store the column as text"],
                 id="10-nhs-float32-parquet"),
]


@pytest.mark.parametrize(("setup", "words"), CASES)
def test_refused(tmp_path: Path, setup: Setup, words: list[str]) -> None:
    """profile refuses with exit 2 and one line naming file, field and fix."""
    refused(tmp_path, ["profile", str(setup(tmp_path))], words)


def test_wrong_dob_format_is_not_called_a_quoting_problem(tmp_path: Path) -> None:
    """A dob_format that does not fit is reported as such, not as delimiter or quoting."""
    line = refused(tmp_path, ["profile", str(wrong_dob_format(tmp_path))], ["dob_format"])
    assert "delimiter" not in line and "quoting" not in line


@pytest.mark.parametrize("command", ["validate", "link"])
def test_source_name_refused_by_every_command(tmp_path: Path, command: str) -> None:
    """A source name that would escape --out is refused before anything is read."""
    project_file = source_named("../../../x")(tmp_path)
    refused(tmp_path, [command, str(project_file)], ["not allowed"])


def test_deep_scenario_yaml_refused(tmp_path: Path) -> None:
    """generate refuses a 10,000-deep scenario file with exit 2 and no traceback."""
    scenario = tmp_path / "deep.yaml"
    scenario.write_text("population: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    result = runner.invoke(app, ["generate", str(scenario), "--out", str(tmp_path / "g")])
    assert result.exit_code == 2, result.output
    assert "nested" in result.stderr and "Traceback" not in result.output + result.stderr
    assert not (tmp_path / "g").exists()


def test_truth_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    """`truth:` naming a CSV gives InputError naming the key, before anything is linked
    (`linkready.evaluate` links first when there are no links)."""
    import linkready

    one_source(tmp_path, records(tmp_path))
    (tmp_path / "truth.csv").write_text("source,record_id,person_id\nsrc,R0001,1\n")
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                    "dob_format": "%d/%m/%Y"}},
                                 truth="truth.csv")
    before = snapshot(tmp_path)
    with pytest.raises(linkready.InputError, match=r"`truth:` must name a Parquet file"):
        linkready.evaluate(project_file, tmp_path / "out")
    assert snapshot(tmp_path) == before and not (tmp_path / "out").exists()


# --- What must work ---------------------------------------------------------------------

def _log(workspace: Path) -> dict[tuple[str, str], int]:
    import duckdb

    con = duckdb.connect(str(workspace), read_only=True)
    try:
        return {(f, a): n for f, a, n in con.execute(
            "SELECT field, action, count FROM standardisation_log").fetchall()}
    finally:
        con.close()


def _records(workspace: Path, sql: str) -> list[tuple[object, ...]]:
    import duckdb

    con = duckdb.connect(str(workspace), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _profile_ok(project_file: Path, workspace: Path) -> None:
    result = runner.invoke(app, ["profile", str(project_file), "--workspace", str(workspace),
                                 "--out", str(workspace.parent / "out")])
    assert result.exit_code == 0, (result.output, result.exception)


def test_newline_inside_quoted_field_is_read(tmp_path: Path) -> None:
    """Reproduction 6: a quoted newline and a short row in one file are both read."""
    header = ",".join(COLUMNS.values())
    (tmp_path / "src.csv").write_text(
        f'{header}\nR1,9990000018,"Ada\nMary",Lovelace,10/12/1980,2,NW1 2AB,A\n'
        "R2,9990000026,Bea,Lovelace,10/12/1980,2,NW1 2AB,A\nR3,9990000034,Cal,Lovelace\n",
        encoding="utf-8")
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                    "dob_format": "%d/%m/%Y"}})
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    got = _records(ws, "SELECT record_id, given_name, dob FROM records ORDER BY record_id")
    assert [(r[0], r[1]) for r in got] == [("R1", "ADA MARY"), ("R2", "BEA"), ("R3", "CAL")]
    assert got[2][2] is None


def test_header_names_duckdb_cannot_take_are_read(tmp_path: Path) -> None:
    """An empty header name (a pandas index column), quotes and apostrophes in names: the
    file is read, mapped columns included."""
    header = ["", "ID", "it's", 'a"b', "SURNAME", "DOB"]
    write_csv(tmp_path / "src.csv", header,
              [[i, f"R{i}", VALID_NHS[i], "Ada", "Lovelace", "10/12/1980"] for i in range(3)])
    cols = {"record_id": "ID", "nhs_number": "it's", "given_name": 'a"b',
            "family_name": "SURNAME", "dob": "DOB"}
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": cols,
                                                    "dob_format": "%d/%m/%Y"}})
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    assert _records(ws, "SELECT count(*) FROM records WHERE nhs_number_valid AND "
                        "given_name = 'ADA'") == [(3,)]


@pytest.mark.parametrize(("header", "eol"), [
    pytest.param('ID,"NH\nS",FORENAME,SURNAME,DOB', "\n", id="line-break-in-header-name"),
    pytest.param("ID,NH S,FORENAME,SURNAME,DOB", "\r", id="cr-only-line-ends"),
])
def test_header_read_as_duckdb_reads_it(tmp_path: Path, header: str, eol: str) -> None:
    """The header is split by a CSV reader, as DuckDB splits it: a quoted name with a line
    break, or old Mac line ends, give the same columns and every row is read."""
    body = eol.join(f"R{i},{VALID_NHS[i]},Ada,Lovelace,10/12/1980" for i in range(3))
    (tmp_path / "src.csv").write_text(header + eol + body + eol, encoding="utf-8",
                                      newline="")
    nhs = "NH\nS" if "\n" in header else "NH S"
    cols = {"record_id": "ID", "nhs_number": nhs, "given_name": "FORENAME",
            "family_name": "SURNAME", "dob": "DOB"}
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": cols,
                                                    "dob_format": "%d/%m/%Y"}})
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    assert _records(ws, "SELECT count(*) FROM records WHERE nhs_number_valid") == [(3,)]


def test_record_id_opt_in(tmp_path: Path) -> None:
    """`record_id_is_identifier: true` accepts a record_id that holds NHS numbers, and one
    mapped to the NHS number's own column."""
    from linkready.project import load_project

    rows = [person(i, record_id=VALID_NHS[i % 10]) for i in range(1, 11)]
    project_file = one_source(tmp_path, rows, record_id_is_identifier=True)
    _profile_ok(project_file, tmp_path / "ws" / "w.duckdb")
    same = write_project(tmp_path, {"src": {"path": "src.csv", "record_id_is_identifier": True,
                                            "columns": {**COLUMNS, "record_id": "NHS"}}})
    assert load_project(same).sources["src"].columns["record_id"] == "NHS"


def test_apostrophe_in_source_name_works(tmp_path: Path) -> None:
    """`king's_college` is a valid source name: profile and validate quote it."""
    project_file = source_named("king's_college")(tmp_path)
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    assert _records(ws, "SELECT DISTINCT source FROM records") == [("king's_college",)]
    result = runner.invoke(app, ["validate", str(project_file), "--workspace", str(ws),
                                 "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v" / "expectations" / "king's_college.json").is_file()


UNICODE_NAMES = [
    ("محمد", "محمد"), ("王芳", "王芳"), ("Мария", "МАРИЯ"), ("José-María", "JOSE MARIA"),
    ("Ελένη", "ΕΛΕΝΗ"), ("प्रिया", "प्रिया"), ("Nguyễn", "NGUYEN"), ("Łukasz", "ŁUKASZ"),
    ("O'Brien", "OBRIEN"),
]


def test_names_in_any_script_are_letters(tmp_path: Path) -> None:
    """Reproduction 10: Arabic, Chinese, Cyrillic, Greek, Devanagari and accented Latin
    names are kept (upper-cased where the script has case), never `non_alphabetic`; one
    Chinese character is a name, one Latin letter an initial."""
    from linkready.validate._suites import NAME_REGEX

    rows = [person(i, given_name=raw) for i, (raw, _) in enumerate(UNICODE_NAMES, 1)]
    rows += [person(20, family_name="王"), person(21, family_name="J")]
    project_file = one_source(tmp_path, rows)
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    got = dict((r[0], r[1:]) for r in _records(
        ws, "SELECT record_id, given_name, given_name_issue, family_name, family_name_issue "
            "FROM records"))
    for i, (_, canonical) in enumerate(UNICODE_NAMES, 1):
        assert got[f"R{i:04d}"][:2] == (canonical, None)
    assert got["R0020"][2:] == ("王", None)
    assert got["R0021"][2:] == ("J", "single_letter")
    import re

    for _, canonical in UNICODE_NAMES:
        assert re.match(NAME_REGEX, canonical), canonical


def test_spreadsheet_nhs_numbers_are_repaired_and_counted(tmp_path: Path) -> None:
    """Reproduction 10: `9990000018.0` and `'9990000018` are valid once repaired, and each
    repair is counted; one value in scientific notation among many is flagged, not fatal."""
    rows = [person(i) for i in range(1, 31)]
    rows[0]["nhs_number"] = "9990000018.0"
    rows[1]["nhs_number"] = "'9990000026"
    rows[2]["nhs_number"] = "9.99E+09"
    project_file = one_source(tmp_path, rows)
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    got = dict(_records(ws, "SELECT record_id, nhs_number FROM records WHERE nhs_number_valid"))
    assert got["R0001"] == "9990000018" and got["R0002"] == "9990000026"
    assert "R0003" not in got
    log = _log(ws)
    assert log[("nhs_number", "decimal_suffix_removed")] == 1
    assert log[("nhs_number", "quote_removed")] == 1
    assert log[("nhs_number", "scientific_notation")] == 1


def test_float64_parquet_nhs_numbers_are_read_and_counted(tmp_path: Path) -> None:
    """A float64 Parquet column holds 10-digit numbers exactly: read as digits, counted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = records(tmp_path)
    table = pa.table({c: [str(r[f]) for r in rows] for f, c in COLUMNS.items()})
    table = table.set_column(1, "NHS", pa.array([float(r["nhs_number"]) for r in rows]))
    pq.write_table(table, tmp_path / "src.parquet")
    project_file = write_project(tmp_path, {"src": {"path": "src.parquet", "columns": COLUMNS,
                                                    "dob_format": "%d/%m/%Y"}})
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    assert _records(ws, "SELECT count(*) FROM records WHERE nhs_number_valid") == [(10,)]
    assert _log(ws)[("nhs_number", "from_float_column")] == 10


def test_reading_never_writes_beside_the_extracts(tmp_path: Path) -> None:
    """Extracts in a folder nothing may write to (a read-only share): a cp1252 file is
    transcoded in a private scratch folder beside the workspace, and the extracts' folder
    is not touched (same entries, same modification time)."""
    share = tmp_path / "share"
    share.mkdir()
    write_csv(share / "src.csv", list(COLUMNS.values()),
              [list(person(i, family_name="Œuvre").values()) for i in range(1, 4)],
              encoding="cp1252")
    project_file = write_project(share, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                 "encoding": "cp1252",
                                                 "dob_format": "%d/%m/%Y"}})
    share.chmod(0o555)
    try:
        before = (sorted(os.listdir(share)), share.stat().st_mtime_ns, snapshot(share))
        ws = tmp_path / "results" / "w.duckdb"
        _profile_ok(project_file, ws)
        assert (sorted(os.listdir(share)), share.stat().st_mtime_ns, snapshot(share)) == before
        assert _records(ws, "SELECT DISTINCT family_name FROM records") == [("ŒUVRE",)]
        assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))
        assert not list(tmp_path.rglob("*.utf8.tmp"))
    finally:
        share.chmod(0o755)


def test_interrupt_removes_the_plaintext_copy(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or SIGTERM raised as an exception) while a transcoded copy exists leaves no
    copy and no scratch folder behind."""
    from linkready.ingest import _workspace, ingest_project
    from linkready.project import load_project

    write_csv(tmp_path / "src.csv", list(COLUMNS.values()),
              [list(person(1).values())], encoding="cp1252")
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                    "encoding": "cp1252"}})
    seen: list[Path] = []

    def interrupted(con: object, project: object, name: str, layout: object,
                    project_file: Path) -> None:
        seen.append(layout.temp_copy)  # type: ignore[attr-defined]
        assert layout.temp_copy.is_file()  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(_workspace, "_ingest_source", interrupted)
    before = snapshot(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        ingest_project(load_project(project_file), tmp_path / "ws" / "w.duckdb",
                       project_file=project_file)
    assert seen and seen[0] is not None and not seen[0].exists()
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))


def test_stale_scratch_of_a_killed_run_is_removed(tmp_path: Path) -> None:
    """A scratch folder left by a process that no longer exists is removed by the next
    run; one belonging to a live process is kept."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(proc.stdout)
    project_file = one_source(tmp_path, records(tmp_path, 2))
    ws_dir = tmp_path / "ws"
    stale = ws_dir / f"{TMP_PREFIX}{dead}-ingest-abc"
    live = ws_dir / f"{TMP_PREFIX}{os.getppid()}-ingest-def"
    for d in (stale, live):
        d.mkdir(parents=True)
        (d / ".src.csv.utf8.tmp").write_text("plaintext")
    old_style = ws_dir / ".src.csv.utf8.tmp"  # where earlier versions put the copy
    old_style.write_text("plaintext")
    _profile_ok(project_file, ws_dir / "w.duckdb")
    assert not stale.exists() and live.exists() and not old_style.exists()


def test_project_yaml_keys_documented() -> None:
    """The opt-in key is in the project file reference."""
    doc = (Path(__file__).parents[2] / "docs" / "project-yaml.md").read_text()
    assert "record_id_is_identifier" in doc


def test_dump_project_omits_the_default_opt_in(tmp_path: Path) -> None:
    """Generated project files do not carry `record_id_is_identifier: false`."""
    from linkready.project import dump_project, load_project

    project_file = one_source(tmp_path, records(tmp_path, 2))
    text = dump_project(load_project(project_file))
    assert "record_id_is_identifier" not in text
    assert yaml.safe_load(text)["sources"]["src"]["path"] == "src.csv"


def _enospc(*_: object, **__: object) -> None:
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_writing_the_workspace(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk when the workspace is moved into place: exit 2 naming the workspace,
    the previous workspace untouched, no temporary left."""
    from linkready.ingest import _workspace

    project_file = one_source(tmp_path, records(tmp_path, 2))
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    before = ws.read_bytes()
    (tmp_path / "src.csv").write_text((tmp_path / "src.csv").read_text() + "\n")  # re-ingest
    out = ws.parent / "out"  # linkready's already: no marker needs writing
    monkeypatch.setattr(_workspace.os, "replace", _enospc)
    result = runner.invoke(app, ["profile", str(project_file), "--workspace", str(ws),
                                 "--out", str(out)])
    assert result.exit_code == 2, (result.output, result.exception)
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "No space left on device" in lines[0] and "w.duckdb" in lines[0]
    assert ws.read_bytes() == before
    assert not [p.name for p in ws.parent.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_full_disk_writing_the_transcoded_copy(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while transcoding: exit 2, and no partial copy or scratch folder."""
    import io

    write_csv(tmp_path / "src.csv", list(COLUMNS.values()),
              [list(person(1).values())], encoding="cp1252")
    project_file = write_project(tmp_path, {"src": {"path": "src.csv", "columns": COLUMNS,
                                                    "encoding": "cp1252"}})
    real_open = Path.open

    class Full(io.StringIO):
        def write(self, s: str) -> int:
            _enospc()
            return 0

    def fake_open(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if self.name.endswith(".utf8.tmp") and "w" in mode:
            real_open(self, mode, *args, **kwargs).close()  # the file exists, as it would
            return Full()
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", fake_open)
    ws = tmp_path / "ws" / "w.duckdb"
    before = snapshot(tmp_path)
    result = runner.invoke(app, ["profile", str(project_file), "--workspace", str(ws),
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "No space left on device" in result.stderr
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.rglob(f"{TMP_PREFIX}*"))


def test_unwritable_workspace_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workspace folder that refuses writes (a read-only share; simulated, since tests
    may run as root) is exit 2 naming the folder and --workspace, not a traceback."""
    import errno

    from linkready.ingest import _workspace

    def refuse(*_: object, **__: object) -> str:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_workspace.tempfile, "mkdtemp", refuse)
    project_file = one_source(tmp_path, records(tmp_path, 2))
    line = refused(tmp_path, ["profile", str(project_file)], ["Permission denied",
                                                              "--workspace"])
    assert str(tmp_path) in line


def test_dates_no_format_reads_are_counted_not_refused(tmp_path: Path) -> None:
    """Ten dates that no common format reads are bad data (counted `unparseable`), not a
    wrong declaration: the run succeeds."""
    project_file = one_source(tmp_path, records(tmp_path, dob="not a date"))
    ws = tmp_path / "ws" / "w.duckdb"
    _profile_ok(project_file, ws)
    assert _log(ws)[("dob", "set_null:unparseable")] == 10


def test_ambiguous_day_month_names_both_formats(tmp_path: Path) -> None:
    """Dates that read as day-first and month-first alike: both formats are named."""
    project_file = one_source(tmp_path, records(tmp_path, dob="05/06/1980"),
                              dob_format="%Y-%m-%d")
    line = refused(tmp_path, ["profile", str(project_file)], ["sources.src.columns.dob"])
    assert "`%d/%m/%Y` or `%m/%d/%Y`" in line and "05/06/1980" not in line


def test_mixed_dob_formats_read_once_listed(tmp_path: Path) -> None:
    """The list the refusal names reads every date: no dob alert, none unparseable."""
    project = mixed_dob_formats(tmp_path)
    data = yaml.safe_load(project.read_text(encoding="utf-8"))
    data["sources"]["src"]["dob_format"] = ["%d/%m/%Y", "%Y-%m-%d", "%d %b %Y"]
    project.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    import json

    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    assert doc["sources"]["src"]["fields"]["dob"]["issues"]["unparseable"]["count"] == 0
    assert doc["alerts"] == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_cp1252_extracts_read_their_first_column_and_accents(
        tmp_path: Path, encoding: str) -> None:
    """Issue 15: a UTF-8 file with a byte-order mark (Excel's "CSV UTF-8") is read with
    its first column found by name; a cp1252 file with "é" names is refused naming
    `encoding:` and cp1252 until declared, then read with the accents folded."""
    rows = [person(i, given_name="Éloïse" if i % 2 else "José") for i in range(1, 11)]
    write_csv(tmp_path / "src.csv", list(COLUMNS.values()),
              [[r[f] for f in COLUMNS] for r in rows], encoding=encoding)
    spec = {"path": "src.csv", "columns": COLUMNS, "dob_format": "%d/%m/%Y"}
    project = write_project(tmp_path, {"src": spec})
    if encoding == "cp1252":
        refused(tmp_path, ["profile", str(project)],
                ["src.csv", "sources.src.encoding", "cp1252"])
        project = write_project(tmp_path, {"src": {**spec, "encoding": "cp1252"}})
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    from linkready.ingest import open_workspace

    con = open_workspace(tmp_path / "linkready-results" / "linkready.duckdb")
    try:
        got = con.execute("SELECT record_id, given_name FROM records ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [g[0] for g in got] == [f"R{i:04d}" for i in range(1, 11)]
    assert {g[1] for g in got} == {"ELOISE", "JOSE"}
