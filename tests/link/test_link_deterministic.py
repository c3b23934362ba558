"""Deterministic NHS-number pairs: conflicts (DOB, sex and names all disagree) are flagged,
counted and left to the probabilistic stage."""

from __future__ import annotations

import duckdb
import pytest

from linkready.link import deterministic

NHS = "9990000018"
#: The left record, then right records that share its NHS number, each with the conflict
#: the rule should (True) or should not (False) see.
LEFT = ("L1", NHS, True, "AMINA", "BEGUM", "1990-05-01", "2")
RIGHT = [
    pytest.param(("R1", NHS, True, "JAMES", "SMITH", "1961-02-03", "1"), True,
                 id="all-disagree"),
    pytest.param(("R2", NHS, True, "JAMES", "BEGUM", "1961-02-03", "1"), False,
                 id="family-name-shared"),
    pytest.param(("R3", NHS, True, "BEGUM", "AMINA", "1961-02-03", "1"), False,
                 id="names-swapped"),
    pytest.param(("R4", NHS, True, "JAMES", "SMITH", "1990-05-01", "1"), False,
                 id="same-dob"),
    pytest.param(("R5", NHS, True, "JAMES", "SMITH", "1961-02-03", "2"), False,
                 id="same-sex"),
    pytest.param(("R6", NHS, True, "JAMES", "SMITH", "1961-02-03", "9"), False,
                 id="sex-indeterminate"),
    pytest.param(("R7", NHS, True, "JAMES", "SMITH", None, "1"), False, id="dob-missing"),
    pytest.param(("R8", NHS, True, None, "SMITH", "1961-02-03", "1"), False,
                 id="given-name-missing"),
]


def _tables(right: tuple) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, row in (("lt", LEFT), ("rt", right)):
        con.execute(f"CREATE TABLE {name} (record_id VARCHAR, nhs_number VARCHAR, "
                    "nhs_number_valid BOOLEAN, given_name VARCHAR, family_name VARCHAR, "
                    "dob DATE, sex VARCHAR)")
        con.execute(f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?, ?, ?)", list(row))
    return con


@pytest.mark.parametrize("right,conflict", RIGHT)
def test_conflict_needs_dob_sex_and_names_all_to_disagree(right: tuple,
                                                          conflict: bool) -> None:
    """Only a pair whose DOB, sex and names all disagree, each held on both sides, is a
    conflict; a shared or swapped name, a missing field or sex 9 is not."""
    con = _tables(right)
    pairs = con.sql(deterministic.deterministic_pairs_sql("lt", "rt")).to_arrow_table()
    assert pairs.num_rows == 1
    assert pairs.column("conflict").to_pylist() == [conflict]


def test_conflicts_are_counted_and_left_out_of_the_deterministic_links(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Of two NHS-number pairs of one left record, the conflicting one is counted and,
    when conflicts go to the probabilistic stage, dropped from the deterministic links."""
    con = _tables(RIGHT[0].values[0])
    con.execute("INSERT INTO rt VALUES ('R9', ?, true, 'AMINA', 'BEGUM', '1990-05-01', '2')",
                [NHS])
    pairs = con.sql(deterministic.deterministic_pairs_sql("lt", "rt")).to_arrow_table()
    counts = deterministic.linked_left_counts(pairs)
    assert (counts["conflict_pairs"], counts["conflict_records"]) == (1, 1)
    kept = deterministic.kept_pairs(pairs, to_probabilistic=True)
    assert kept.column("record_id_r").to_pylist() == ["R9"]
    assert deterministic.kept_pairs(pairs, to_probabilistic=False).num_rows == 2
    monkeypatch.setattr(deterministic, "CONFLICTS_TO_PROBABILISTIC", False)
    assert deterministic.linked_left_counts(pairs)["nhs"] == 1
