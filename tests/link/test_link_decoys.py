"""The model-free check's decoys (diagnostic.decoy_sql, blanked_decoy_sql, run_decoys):
real right records, whole, scored as a left record would be."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from linkready.link import diagnostic, predict
from linkready.link.backends import DuckDBBackend
from linkready.link.training import new_linker, quiet_splink

COLUMNS = ["record_id", "given_name", "family_name", "postcode"]

# A household (the SMITHs at one postcode), people of one naming tradition (the KHANs),
# and others: a decoy that mixed fields of different people would have no such ties.
RIGHT = [("r1", "ANN", "SMITH", "AB1 2CD"), ("r2", "BOB", "SMITH", "AB1 2CD"),
         ("r3", "AMIR", "KHAN", "EF3 4GH"), ("r4", "SARA", "KHAN", "EF3 4GH"),
         ("r5", "JOHN", "JONES", "IJ5 6KL"), ("r6", "MARY", "BROWN", None)]
LEFT = [("l1", "ANN", "SMITH", "AB1 2CD"), ("l2", "CAT", "SMITH", None),
        ("l3", "DAN", "SMITH", "ZZ9 9ZZ"), ("l4", "EVE", None, "MN7 8OP")]


def _backend() -> DuckDBBackend:
    con = duckdb.connect()
    for name, rows in (("r", RIGHT), ("l", LEFT)):
        con.execute(f"CREATE TABLE {name} (record_id VARCHAR, given_name VARCHAR, "
                    "family_name VARCHAR, postcode VARCHAR)")
        con.executemany(f"INSERT INTO {name} VALUES (?, ?, ?, ?)", rows)
    return DuckDBBackend(con, spill=False)


def _rows(be: DuckDBBackend, sql: str) -> list[dict]:
    return be.to_arrow(sql).to_pylist()


def test_a_decoy_is_one_right_record_whole() -> None:
    """Every field of a decoy comes from the one right record it names (donor_0), so
    it keeps that person's ties to right (household, names that go together)."""
    be = _backend()
    right = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in RIGHT}
    decoys = _rows(be, diagnostic.decoy_sql("r", COLUMNS, 4, seed=3))
    assert len(decoys) == 4 and len({d["donor_0"] for d in decoys}) == 4
    for d in decoys:
        assert {c: d[c] for c in COLUMNS[1:]} == \
            {c: right[d["donor_0"]][c] for c in COLUMNS[1:]}


def test_a_decoy_is_blank_where_its_left_record_is() -> None:
    """With left records to lend their blanks, a decoy misses the fields its left
    record misses, and keeps its right record's values elsewhere."""
    be = _backend()
    right = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in RIGHT}
    left = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in LEFT}
    blanks = np.array(["l2", "l4", "l1"], dtype=object)
    decoys = _rows(be, diagnostic.blanked_decoy_sql("r", "l", COLUMNS, blanks, seed=3)
                   + " ORDER BY record_id")
    assert [d["record_id"] for d in decoys] == ["decoy-1", "decoy-2", "decoy-3"]
    for d, b in zip(decoys, blanks, strict=True):
        for c in COLUMNS[1:]:
            want = None if left[b][c] is None else right[d["donor_0"]][c]
            assert d[c] == want


def _model() -> dict:
    def comparison(col: str, tf: bool) -> dict:
        exact = {"sql_condition": f"{col}_l = {col}_r", "m_probability": 0.9,
                 "u_probability": 0.02}
        if tf:
            exact |= {"tf_adjustment_column": col, "tf_adjustment_weight": 1.0}
        return {"output_column_name": col, "comparison_levels": [
            {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "is_null_level": True},
            exact, {"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 0.98}]}

    return {"link_type": "link_only", "unique_id_column_name": "record_id",
            "probability_two_random_records_match": 0.01,
            "comparisons": [comparison("given_name", False), comparison("family_name", True),
                            comparison("postcode", False)]}


def test_decoys_are_scored_with_the_left_records_term_frequencies() -> None:
    """A decoy's pair is scored as a left record with the same values would be in the
    link itself (term frequencies over left and right). Splink's own, over decoys and
    right, would count the decoy's surname twice (in the decoys and, as itself, in
    right) and weigh its chance agreement with a relative less than a left record's."""
    be = _backend()
    n = len(RIGHT)
    decoys = diagnostic.run_decoys(
        be, "r", _model(), ["l.family_name = r.family_name"], seed=3, min_match_weight=-60,
        right_records=n, size=n, donor_table="l",
        donors=np.array(["l1"] * n, dtype=object))  # l1 blanks nothing
    table = be.to_arrow(diagnostic.decoy_sql("r", COLUMNS, n, seed=3)).to_pylist()
    ann = next(i for i, d in enumerate(sorted(table, key=lambda d: d["record_id"]))
               if d["donor_0"] == "r1")
    # The link: l1 (ANN SMITH, AB1 2CD, like r1) against r2 (BOB SMITH at AB1 2CD).
    db_api = be.db_api()
    inputs = [db_api.register("l", dataset_display_name="left"),
              db_api.register("r", dataset_display_name="right")]
    settings = {**_model(), "retain_matching_columns": True,
                "blocking_rules_to_generate_predictions": [
                    {"blocking_rule": "1 = 1", "sql_dialect": be.dialect}]}
    with quiet_splink():
        linker = new_linker(inputs, settings, validate_settings=False)
    scored = predict.predict_pairs(linker, -60).to_pylist()
    l1_r2 = next(p["log2_bf"] for p in scored
                 if (p["record_id_l"], p["record_id_r"]) == ("l1", "r2"))
    # r1's decoy: its best chance pair is r2 (its own pair with r1 is dropped).
    assert decoys.best_log2_bf[ann] == pytest.approx(l1_r2, abs=1e-9)
