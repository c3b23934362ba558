"""Ingest standardises each field explicitly and records why a value became NULL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from linkready.ingest import ingest_project, open_workspace
from linkready.project import load_project
from lr_extracts import COLUMNS, one_source, person, write_csv, write_project

CASES = [
    # field, raw, canonical value, issue code
    pytest.param("nhs_number", "943 476 5919", "9434765919", None, id="nhs-spaced"),
    pytest.param("nhs_number", "943-476-5919", "9434765919", None, id="nhs-dashed"),
    pytest.param("nhs_number", "", None, "missing", id="nhs-missing"),
    pytest.param("nhs_number", "1111111111", None, "repdigit", id="nhs-repdigit"),
    pytest.param("nhs_number", "1234567890", None, "placeholder", id="nhs-placeholder"),
    pytest.param("nhs_number", "UNKNOWN", None, "placeholder", id="nhs-text-placeholder"),
    pytest.param("nhs_number", "94347A5919", None, "non_numeric", id="nhs-letters"),
    pytest.param("nhs_number", "12345", None, "wrong_length", id="nhs-short"),
    pytest.param("nhs_number", "9434765918", "9434765918", "modulus11", id="nhs-mod11-kept"),
    pytest.param("given_name", "  john ", "JOHN", None, id="name-trim-upper"),
    pytest.param("family_name", "O'Brien", "OBRIEN", None, id="name-apostrophe"),
    pytest.param("family_name", "Dupont-Smith", "DUPONT SMITH", None, id="name-hyphen"),
    pytest.param("given_name", "Élodie", "ELODIE", None, id="name-accent"),
    pytest.param("given_name", "Mary  Ann", "MARY ANN", None, id="name-double-space"),
    pytest.param("given_name", "UNKNOWN", None, "placeholder", id="name-unknown"),
    pytest.param("given_name", "Not Known", None, "placeholder", id="name-not-known"),
    pytest.param("given_name", "Baby", None, "placeholder", id="name-baby"),
    pytest.param("given_name", "Baby of Smith", None, "placeholder", id="name-baby-of"),
    pytest.param("given_name", "J", "J", "single_letter", id="name-initial-kept"),
    pytest.param("family_name", "Sm1th", None, "non_alphabetic", id="name-digit"),
    pytest.param("family_name", "???", None, "non_alphabetic", id="name-punctuation-only"),
    pytest.param("family_name", "", None, "missing", id="name-missing"),
    pytest.param("dob", "01/02/1980", date(1980, 2, 1), None, id="dob-parsed"),
    pytest.param("dob", "31/02/1980", None, "unparseable", id="dob-impossible"),
    pytest.param("dob", "1980-02-01", None, "unparseable", id="dob-other-format"),
    pytest.param("dob", "01/01/1900", None, "sentinel", id="dob-sentinel"),
    pytest.param("dob", "01/01/2030", None, "future", id="dob-future"),
    pytest.param("dob", "01/01/1890", None, "too_early", id="dob-before-1895"),
    pytest.param("dob", "", None, "missing", id="dob-missing"),
    pytest.param("postcode", "nw12ab", "NW1 2AB", None, id="pc-compact-lower"),
    pytest.param("postcode", " e1  6an ", "E1 6AN", None, id="pc-spaces"),
    pytest.param("postcode", "SW1A 1AA", "SW1A 1AA", None, id="pc-aa9a"),
    pytest.param("postcode", "ZZ99 3VZ", None, "pseudo", id="pc-pseudo"),
    pytest.param("postcode", "zz993wz", None, "pseudo", id="pc-pseudo-compact"),
    pytest.param("postcode", "NFA", None, "placeholder", id="pc-nfa"),
    pytest.param("postcode", "BAD", None, "invalid_format", id="pc-malformed"),
    pytest.param("postcode", "1AB 2CD", None, "invalid_format", id="pc-digit-first"),
    pytest.param("sex", "Male", "1", None, id="sex-male-word"),
    pytest.param("sex", "f", "2", None, id="sex-f"),
    pytest.param("sex", "2.0", "2", None, id="sex-from-float-column"),
    pytest.param("ethnicity", "99.0", None, "not_known", id="ethnicity-from-float-column"),
    pytest.param("sex", "9", None, "indeterminate", id="sex-9"),
    pytest.param("sex", "X", None, "not_known", id="sex-x"),
    pytest.param("sex", "Q", None, "out_of_set", id="sex-bad-code"),
    pytest.param("ethnicity", "a", "A", None, id="eth-lower"),
    pytest.param("ethnicity", "Z", None, "not_stated", id="eth-z"),
    pytest.param("ethnicity", "99", None, "not_known", id="eth-99"),
    pytest.param("ethnicity", "I", None, "out_of_set", id="eth-no-I"),
]


def ingest_rows(
    tmp_path: Path, rows: list[dict[str, Any]], **spec: Any
) -> duckdb.DuckDBPyConnection:
    """Ingest a one-source project built from ``rows`` and open its workspace."""
    project_file = one_source(tmp_path, rows, **spec)
    result = ingest_project(load_project(project_file))
    return open_workspace(result.workspace)


@pytest.mark.parametrize(("field", "raw", "value", "issue"), CASES)
def test_field_standardisation(tmp_path: Path, field: str, raw: str, value: Any,
                               issue: str | None) -> None:
    """Each raw value becomes the documented canonical value and issue code."""
    con = ingest_rows(tmp_path, [person(1, **{field: raw})])
    got = con.execute(f"SELECT {field}, {field}_issue FROM records").fetchone()
    assert got == (value, issue)


@pytest.mark.parametrize(("raw", "valid"), [
    pytest.param("9434765919", True, id="valid"),
    pytest.param("9434765918", False, id="fails-mod11"),
    pytest.param("", None, id="missing"),
    pytest.param("0000000000", None, id="repdigit"),
])
def test_nhs_number_valid_column(tmp_path: Path, raw: str, valid: bool | None) -> None:
    """nhs_number_valid is true, false or NULL exactly as docs/workspace.md says."""
    con = ingest_rows(tmp_path, [person(1, nhs_number=raw)])
    assert con.execute("SELECT nhs_number_valid FROM records").fetchone() == (valid,)


def test_values_map_recodes_case_insensitively(tmp_path: Path) -> None:
    """A values map recodes keys regardless of case; a null target means not known."""
    rows = [person(1, sex="man"), person(2, sex="WOMAN"), person(3, sex="Unknown")]
    con = ingest_rows(tmp_path, rows, values={"sex": {"Man": "1", "Woman": "2",
                                                        "Unknown": None}})
    got = con.execute("SELECT sex, sex_issue FROM records ORDER BY record_id").fetchall()
    assert got == [("1", None), ("2", None), (None, "not_known")]


def test_several_dob_formats(tmp_path: Path) -> None:
    """A list of dob formats parses dates in any of them."""
    rows = [person(1, dob="01/02/1980"), person(2, dob="1980-02-01")]
    con = ingest_rows(tmp_path, rows, dob_format=["%d/%m/%Y", "%Y-%m-%d"])
    assert con.execute("SELECT DISTINCT dob FROM records").fetchall() == [(date(1980, 2, 1),)]


def test_fields_not_held(tmp_path: Path) -> None:
    """A field the mapping does not declare is NULL with issue `not_held`."""
    cols = {k: v for k, v in COLUMNS.items() if k not in ("nhs_number", "ethnicity")}
    con = ingest_rows(tmp_path, [person(1)], columns=cols)
    got = con.execute("SELECT nhs_number, nhs_number_valid, nhs_number_issue, ethnicity, "
                      "ethnicity_issue FROM records").fetchone()
    assert got == (None, None, "not_held", None, "not_held")


def test_standardisation_log_counts(tmp_path: Path) -> None:
    """Every value set to NULL and every reformatting is counted in the log."""
    rows = [person(1, nhs_number="943 476 5919", postcode="nw12ab"),
            person(2, nhs_number="1111111111", postcode="ZZ99 3VZ"),
            person(3, nhs_number="2222222222", given_name="UNKNOWN", dob="01/01/1900")]
    con = ingest_rows(tmp_path, rows)
    log = {(f, a): n for f, a, n in con.execute(
        "SELECT field, action, count FROM standardisation_log").fetchall()}
    assert log[("record_id", "read")] == 3
    assert log[("nhs_number", "digits_only")] == 1
    assert log[("nhs_number", "set_null:repdigit")] == 2
    assert log[("postcode", "reformatted")] == 1
    assert log[("postcode", "set_null:pseudo")] == 1
    assert log[("given_name", "set_null:placeholder")] == 1
    assert log[("given_name", "upper_cased")] == 2
    assert log[("dob", "set_null:sentinel")] == 1


def test_records_columns_match_contract(tmp_path: Path) -> None:
    """The records table starts with the columns and types of docs/workspace.md."""
    con = ingest_rows(tmp_path, [person(1)])
    cols = [(r[0], r[1]) for r in con.execute("DESCRIBE records").fetchall()]
    assert cols[:16] == [
        ("source", "VARCHAR"), ("record_id", "VARCHAR"), ("nhs_number", "VARCHAR"),
        ("nhs_number_valid", "BOOLEAN"), ("given_name", "VARCHAR"), ("family_name", "VARCHAR"),
        ("dob", "DATE"), ("sex", "VARCHAR"), ("postcode", "VARCHAR"), ("ethnicity", "VARCHAR"),
        ("middle_names", "VARCHAR"), ("address_line", "VARCHAR"), ("uprn", "VARCHAR"),
        ("lsoa", "VARCHAR"),
        ("local_id", "VARCHAR"), ("imd_decile", "INTEGER"),
    ]
    doc = (Path(__file__).parents[2] / "docs" / "workspace.md").read_text()
    for name, _ in cols:
        assert f"`{name}`" in doc or f"| {name} |" in doc or name in doc, name


def test_sources_table(tmp_path: Path) -> None:
    """The sources table records each source's rows and the fields it holds."""
    con = ingest_rows(tmp_path, [person(1), person(2)])
    src, n, held = con.execute("SELECT source, records, held_fields FROM sources").fetchone()
    assert (src, n) == ("src", 2)
    assert set(held) == set(COLUMNS)


@pytest.mark.parametrize("encoding", [
    pytest.param("latin-1", id="latin-1"),
    pytest.param("cp1252", id="cp1252-transcoded"),
    pytest.param("utf-16", id="utf-16"),
])
def test_declared_encodings(tmp_path: Path, encoding: str) -> None:
    """Extracts in latin-1, cp1252 or UTF-16 are read as declared; accents are dropped."""
    header = list(COLUMNS.values())
    row = list(person(1, given_name="Zoë", family_name="Núñez").values())
    write_csv(tmp_path / "src.csv", header, [row], encoding=encoding)
    project_file = write_project(tmp_path, {"src": {
        "path": "src.csv", "encoding": encoding, "columns": COLUMNS, "dob_format": "%d/%m/%Y"}})
    con = open_workspace(ingest_project(load_project(project_file)).workspace)
    assert con.execute("SELECT given_name, family_name FROM records").fetchone() == (
        "ZOE", "NUNEZ")
    assert not list(tmp_path.glob(".*.tmp"))


def test_parquet_matches_csv(tmp_path: Path) -> None:
    """The same rows as CSV and as Parquet (with a typed DOB) give the same records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [person(1), person(2, nhs_number="1111111111", postcode="ZZ99 3VZ"),
            person(3, given_name="J", dob="01/01/1900")]
    csv_dir, pq_dir = tmp_path / "csv", tmp_path / "pq"
    csv_dir.mkdir()
    pq_dir.mkdir()
    one_source(csv_dir, rows)
    table = {COLUMNS[f]: [r[f] for r in rows] for f in COLUMNS}
    from datetime import datetime

    table["DOB"] = [datetime.strptime(r["dob"], "%d/%m/%Y").date() for r in rows]
    pq.write_table(pa.table(table), pq_dir / "src.parquet")
    write_project(pq_dir, {"src": {"path": "src.parquet", "columns": COLUMNS}})
    got = []
    for d in (csv_dir, pq_dir):
        con = open_workspace(ingest_project(load_project(d / "project.yaml")).workspace)
        got.append(con.execute("SELECT * FROM records ORDER BY record_id").fetchall())
    assert got[0] == got[1]


@pytest.mark.parametrize(("lsoa", "imd", "expected"), [
    pytest.param("Camden 011d", "3", ("CAMDEN 011D", 3), id="lsoa-name"),
    pytest.param("e01000001", "10", ("E01000001", 10), id="lsoa-code"),
    pytest.param("somewhere", "11", (None, None), id="invalid-extras"),
    pytest.param("", "x", (None, None), id="missing-and-text"),
])
def test_extras(tmp_path: Path, lsoa: str, imd: str, expected: tuple[Any, Any]) -> None:
    """LSOA codes or names and IMD deciles 1–10 are kept; anything else becomes NULL."""
    cols = {**COLUMNS, "lsoa": "LSOA", "imd_decile": "IMD"}
    con = ingest_rows(tmp_path, [person(1, lsoa=lsoa, imd_decile=imd)], columns=cols)
    assert con.execute("SELECT lsoa, imd_decile FROM records").fetchone() == expected


def test_parquet_integer_nhs_numbers_keep_leading_zeros(tmp_path: Path) -> None:
    """NHS numbers stored as integers in Parquet are padded back to ten digits."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"ID": ["1", "2"], "NHS": pa.array([101234567, 9434765919],
                                                               type=pa.int64())}),
                   tmp_path / "src.parquet")
    project_file = write_project(tmp_path, {"src": {"path": "src.parquet", "columns": {
        "record_id": "ID", "nhs_number": "NHS"}}})
    con = open_workspace(ingest_project(load_project(project_file)).workspace)
    got = con.execute("SELECT nhs_number FROM records ORDER BY record_id").fetchall()
    assert got == [("0101234567",), ("9434765919",)]


def test_reuse_keeps_an_up_to_date_workspace(tmp_path: Path) -> None:
    """Reuse keeps an unchanged workspace; a changed extract or mapping ingests again."""
    project_file = one_source(tmp_path, [person(1), person(2)])
    first = ingest_project(load_project(project_file), reuse=True)
    stamp = first.workspace.stat().st_mtime_ns
    again = ingest_project(load_project(project_file), reuse=True)
    assert again.workspace.stat().st_mtime_ns == stamp
    assert again.records == first.records == {"src": 2}
    assert again.log == first.log
    one_source(tmp_path, [person(1), person(2), person(3)])
    assert ingest_project(load_project(project_file), reuse=True).records == {"src": 3}
    one_source(tmp_path, [person(1), person(2), person(3)], dob_format="%Y-%m-%d")
    changed = ingest_project(load_project(project_file), reuse=True)
    con = open_workspace(changed.workspace)
    assert con.execute("SELECT count(*) FROM records WHERE dob_issue = 'unparseable'"
                       ).fetchall() == [(3,)]
