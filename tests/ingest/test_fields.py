"""Fields mapped to a list of columns, and the address line and UPRN as ingest writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkready.errors import InputError
from linkready.ingest import ingest_project, open_workspace
from linkready.project import load_project
from lr_extracts import write_csv, write_project

HEADER = ["ID", "FORENAME", "SURNAME", "DOB", "HOUSE", "STREET", "LOCALITY", "TOWN", "UPRN"]
ROWS = [
    ["R1", "Ada", "Lovelace", "10/12/1980", "12", "High Street", "", "Camden", "010012345678"],
    ["R2", "Bea", "Lovelace", "10/12/1980", "Flat 3, 12a", "St. John's Road", "Holloway",
     "London", "n/a"],
    ["R3", "Cal", "Lovelace", "10/12/1980", "", "", "", "", ""],
    ["R4", "Dev", "Lovelace", "10/12/1980", "4", "Avenue Road", None, "Bow", "77.0"],
]
COLUMNS = {"record_id": "ID", "given_name": "FORENAME", "family_name": "SURNAME",
           "dob": "DOB", "address_line": ["HOUSE", "STREET", "LOCALITY", "TOWN"],
           "uprn": "UPRN"}


def _project(tmp_path: Path, columns: dict[str, object]) -> Path:
    write_csv(tmp_path / "src.csv", HEADER, ROWS)
    return write_project(tmp_path, {"src": {"path": "src.csv", "columns": columns,
                                            "dob_format": "%d/%m/%Y"}})


def test_address_from_several_columns_normalised(tmp_path: Path) -> None:
    """Listed columns are joined in order, empty parts skipped; the line is upper case,
    without punctuation, with ROAD/STREET/SAINT/AVENUE in one spelling and numbers kept;
    the UPRN is digits without leading zeros, and a value that is not one is NULL."""
    result = ingest_project(load_project(_project(tmp_path, COLUMNS)))
    con = open_workspace(result.workspace)
    got = con.execute("SELECT record_id, address_line, uprn FROM records "
                      "ORDER BY record_id").fetchall()
    assert got == [("R1", "12 HIGH ST CAMDEN", "10012345678"),
                   ("R2", "FLAT 3 12A ST JOHNS RD HOLLOWAY LONDON", None),
                   ("R3", None, None),
                   ("R4", "4 AVE RD BOW", "77")]
    log = dict(((f, a), n) for f, a, n in con.execute(
        "SELECT field, action, count FROM standardisation_log").fetchall())
    assert log[("uprn", "set_null:invalid")] == 1
    assert log[("address_line", "abbreviations_unified")] == 3
    assert log[("address_line", "punctuation_removed")] == 1
    con.close()
    from linkready.link.workspace import connect, source_stats

    ws = connect(result.workspace)
    stats = source_stats(ws)["src"]
    ws.close()
    assert stats.unreadable == {"uprn": 1}
    assert stats.filled["address_line"] == 3 and stats.filled["uprn"] == 2


def test_listed_column_missing_is_one_line(tmp_path: Path) -> None:
    """A listed column the extract lacks names the file, the field, the column and the fix."""
    cols = {**COLUMNS, "address_line": ["HOUSE", "STRET", "TOWN"]}
    with pytest.raises(InputError) as err:
        ingest_project(load_project(_project(tmp_path, cols)))
    msg = str(err.value)
    assert "\n" not in msg and "src.csv" in msg
    assert "`STRET` (sources.src.columns.address_line) not found" in msg
    assert "did you mean `STREET`?" in msg and "fix the mapping" in msg
    assert not (tmp_path / "linkready-results" / "linkready.duckdb").exists()


def test_workspace_without_a_new_column_is_rebuilt(tmp_path: Path) -> None:
    """A workspace an earlier version built (no uprn column) is not reused as up to date."""
    import duckdb

    project = load_project(_project(tmp_path, COLUMNS))
    result = ingest_project(project)
    con = duckdb.connect(str(result.workspace))
    con.execute("ALTER TABLE records DROP COLUMN uprn")
    con.close()
    again = ingest_project(project, reuse=True)
    con = open_workspace(again.workspace)
    assert con.execute("SELECT count(uprn) FROM records").fetchone() == (2,)


def test_abbreviations_counted_where_the_value_changes() -> None:
    """The ``abbreviations_unified`` count reads the words rather than building the
    value twice: it holds exactly where the unified value differs from the line's words
    joined by single spaces (the definition), given single-word replacements."""
    import duckdb

    from linkready.ingest import _rules as R
    from linkready.ingest._sql import NAME_SEPARATORS, address_sql, address_words_sql, fold_sql

    assert all(v and " " not in v for v in R.ADDRESS_WORDS.values())
    t = "nullif(trim(a), '')"
    value, actions = address_sql(t)
    plain = (f"regexp_replace(regexp_replace({fold_sql(t)}, '[''’`]', '', 'g'), "
             f"'{NAME_SEPARATORS}', ' ', 'g')")
    assert value == f"nullif({address_words_sql(plain)}, '')"
    spaced = f"array_to_string(list_filter(string_split({plain}, ' '), lambda w: w <> ''), ' ')"
    lines = [None, "", "  ", "-", "12 High Street", "12 HIGH ST", "4 Avenue  Road", "4 Ave",
             "Flat 3, 12a St. John's Road", "St-Mary's Crt", "Rue de l'Église", "AVE",
             "NORTH", "northern way", "1 The Green", "APT 2 Upper  Mall", "Street", "ST"]
    con = duckdb.connect()
    con.execute("CREATE TABLE x (a VARCHAR)")
    con.executemany("INSERT INTO x VALUES (?)", [[v] for v in lines])
    got = con.execute(f"SELECT a, coalesce({actions['abbreviations_unified']}, false), "
                      f"coalesce({t} IS NOT NULL AND {spaced} <> {value}, false) FROM x"
                      ).fetchall()
    assert [a for a, new, _ in got if new] == ["12 High Street", "4 Avenue  Road",
                                               "Flat 3, 12a St. John's Road",
                                               "St-Mary's Crt", "NORTH", "APT 2 Upper  Mall",
                                               "Street"]
    assert all(new == old for _, new, old in got)
