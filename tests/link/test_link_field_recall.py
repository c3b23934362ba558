"""Blocking recall from how fields agree in matches (linkready.link.field_recall)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from linkready.link import field_recall as fr
from linkready.link.settings import rule_terms

F = frozenset
DOB = "l.dob = r.dob"
YEAR = "year(l.dob) = year(r.dob)"
GIVEN = "l.given_name = r.given_name"


def test_atoms_split_rules_and_name_their_field() -> None:
    rule = f"{GIVEN} AND {YEAR}"
    assert rule_terms(rule) == [GIVEN, YEAR]
    assert fr.atom_field(YEAR) == "dob"
    assert fr.atom_field("l.given_name = r.family_name") is None  # two fields
    assert fr.atom_field("l.family_name IS NULL") is None
    assert fr.field_atoms([rule, DOB, "l.given_name = r.family_name AND "
                           "l.family_name = r.given_name"]) == [GIVEN, YEAR, DOB]


def _agree(field: str, atoms: list[str], rows: list[list[bool]], p: list[float]
           ) -> fr.FieldAgreement:
    return fr.FieldAgreement(field, atoms, np.array(rows, dtype=bool), np.array(p), 100.0)


def test_compared_probability_is_exact_under_independence() -> None:
    # Rules: given & birth year, or DOB alone. Given agrees 0.8; DOB exact 0.6, year
    # only (not exact) 0.2, neither 0.2. P(compared) = P(DOB) + P(year only) × P(given).
    fields = {"given_name": _agree("given_name", [GIVEN], [[True], [False]], [0.8, 0.2]),
              "dob": _agree("dob", [YEAR, DOB], [[True, True], [True, False],
                                                 [False, False]], [0.6, 0.2, 0.2])}
    rules = [f"{GIVEN} AND {YEAR}", DOB]
    both = F({"given_name", "dob"})
    assert fr.compared_probability(rules, both, fields) == pytest.approx(0.6 + 0.2 * 0.8)
    # DOB blank on one side: no rule can fire.
    assert fr.compared_probability(rules, F({"given_name"}), fields) == 0.0
    # Averaged over right's blank patterns: a quarter of right lacks the DOB.
    pooled = {f: {None: a} for f, a in fields.items()}
    share = fr.pattern_compared([F(), F({"dob"})], {F(): 3, F({"dob"}): 1}, rules,
                                ["given_name", "dob"], pooled)
    assert share.tolist() == pytest.approx([0.75 * 0.76, 0.0])
    # A stratum's own reading replaces the pooled one for pairs in it: pairs with no
    # blank field (stratum 0) whose DOB always agrees are always compared.
    exact = _agree("dob", [YEAR, DOB], [[True, True]], [1.0])
    by_stratum = {**pooled, "dob": {None: fields["dob"], 0: exact}}
    share = fr.pattern_compared([F()], {F(): 3, F({"dob"}): 1}, rules,
                                ["given_name", "dob"], by_stratum)
    assert share.tolist() == pytest.approx([0.75 * 1.0])


def test_from_pairs_reads_agreement_among_pairs_probable_without_the_field() -> None:
    # Four pairs: three probable on the other fields (bf minus the DOB weight high),
    # of which two agree on DOB; one improbable pair (agrees) is ignored, and so is a
    # probable pair whose DOB is blank.
    table = pa.table({
        "log2_bf": [40.0, 30.0, 35.0, 5.0, 40.0],
        "mw_dob": [10.0, -5.0, 10.0, 10.0, 0.0],
        "atom_0": [True, False, True, True, False],
        "lblank_dob": [False, False, False, False, True],
        "rblank_dob": [False] * 5,
        "lblank_sex": [False, True, False, False, False],
        "rblank_sex": [False] * 5})
    got = fr.from_pairs(table, [DOB], ["1 = 1"], prior=1e-4, min_weight=0.5)
    rule = got["dob"][None]
    # Per stratum: the pairs with no blank field agree (2 of 2), the one with a blank
    # sex does not.
    assert got["dob"][0].probability[got["dob"][0].vectors[:, 0]].sum() == pytest.approx(1)
    assert not got["dob"][1].vectors[:, 0].any()
    assert rule.weight == pytest.approx(3.0, abs=0.01)
    agree = float(rule.probability[rule.vectors[:, 0]].sum())
    assert agree == pytest.approx(2 / 3, abs=0.01)


def test_field_without_evidence_reads_as_always_agreeing() -> None:
    table = pa.table({"log2_bf": [40.0], "mw_dob": [10.0], "atom_0": [False],
                      "lblank_dob": [False], "rblank_dob": [False]})
    assert fr.from_pairs(table, [DOB], ["1 = 1"], prior=1e-4) == {}  # under MIN_WEIGHT
    always = fr.always_agree("dob", [GIVEN, DOB])
    assert fr.compared_probability([DOB], F({"dob"}), {"dob": always}) == 1.0


def test_only_each_records_best_candidate_on_the_other_fields_reads_the_field() -> None:
    """A left record with its match (DOB agrees) and a household member (same surname,
    address and sex, another DOB), both probable without the DOB: only the match reads
    how the DOB agrees, so a household does not read as a DOB error in matches."""
    table = pa.table({
        "record_id_l": ["a", "a", "b", "c"],
        "log2_bf": [40.0, 18.0, 38.0, 39.0],
        "mw_dob": [10.0, -10.0, 10.0, 10.0],
        "atom_0": [True, False, True, True],
        "lblank_dob": [False] * 4, "rblank_dob": [False] * 4})
    got = fr.from_pairs(table, [DOB], ["1 = 1"], prior=1e-4, min_weight=0.5)["dob"][None]
    assert got.weight == pytest.approx(3.0, abs=0.01)
    assert float(got.probability[got.vectors[:, 0]].sum()) == pytest.approx(1.0)
    keep = fr.best_of_record(np.array(["a", "a", "b"]), np.array([1.0, 2.0, 0.5]),
                             np.array([True, True, False]))
    assert keep.tolist() == [False, True, False]


def test_best_of_record_ignores_last_bit_differences() -> None:
    """Two candidates of one record whose scores differ only in the last bits (DuckDB can
    sum a pair's weights in another order from run to run) tie, and the first wins in
    either order of those bits: the choice, and so the estimate, is reproducible."""
    record = np.array([1, 1, 2])
    eligible = np.array([True, True, True])
    for tiny in (1e-14, -1e-14):
        score = np.array([5.0, 5.0 + tiny, 3.0])
        assert fr.best_of_record(record, score, eligible).tolist() == [True, False, True]
    # A real difference still decides.
    assert fr.best_of_record(record, np.array([5.0, 5.1, 3.0]), eligible).tolist() == \
        [False, True, True]


def test_compared_probability_memo_follows_each_fields_atoms() -> None:
    # The rules' structure is memoised per (rules, fields, atoms): asking again with the
    # same rules but other atom orders or readings must give their own exact answer.
    rules = [f"{GIVEN} AND {YEAR}", DOB]
    both = F({"given_name", "dob"})
    given = _agree("given_name", [GIVEN], [[True], [False]], [0.8, 0.2])
    dob = _agree("dob", [YEAR, DOB], [[True, True], [True, False], [False, False]],
                 [0.6, 0.2, 0.2])
    swapped = _agree("dob", [DOB, YEAR], [[True, True], [False, True], [False, False]],
                     [0.6, 0.2, 0.2])
    first = fr.compared_probability(rules, both, {"given_name": given, "dob": dob})
    again = fr.compared_probability(rules, both, {"given_name": given, "dob": swapped})
    assert first == pytest.approx(0.6 + 0.2 * 0.8)
    assert again == pytest.approx(first)
    other = fr.compared_probability(rules, both, {
        "given_name": _agree("given_name", [GIVEN], [[True], [False]], [0.5, 0.5]),
        "dob": dob})
    assert other == pytest.approx(0.6 + 0.2 * 0.5)
    # A field without the rule's atom: only DOB alone fires.
    bare = _agree("given_name", [], np.ones((1, 0), dtype=bool).tolist(), [1.0])
    assert fr.compared_probability(rules, both, {"given_name": bare, "dob": dob}) == \
        pytest.approx(0.6)


def test_compared_probability_memo_follows_the_vectors() -> None:
    # The fired combinations are memoised per rules and vectors: other vectors with the
    # same rules and atoms get their own.
    rules = [f"{GIVEN} AND {YEAR}", DOB]
    both = F({"given_name", "dob"})
    given = _agree("given_name", [GIVEN], [[True], [False]], [0.8, 0.2])
    dob = _agree("dob", [YEAR, DOB], [[True, True], [True, False], [False, False]],
                 [0.6, 0.2, 0.2])
    year_only = _agree("dob", [YEAR, DOB], [[True, False], [False, False], [True, True]],
                       [0.6, 0.2, 0.2])
    assert fr.compared_probability(rules, both, {"given_name": given, "dob": dob}) == \
        pytest.approx(0.6 + 0.2 * 0.8)
    assert fr.compared_probability(rules, both, {"given_name": given, "dob": year_only}) == \
        pytest.approx(0.2 + 0.6 * 0.8)
