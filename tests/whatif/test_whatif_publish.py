"""whatif.json is published once, by linkready.publish (primary and secondary
suppression), from an exact tree: a figure hidden in one cell cannot be recovered from
the cells beside it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from linkready.publish import Rate, Value, controlled, exact, records_rest
from linkready.whatif import Change
from linkready.whatif._apply import Applied
from linkready.whatif._run import _change_tree, _pair_tree


def _linked(n: int, linked: int, expected: float) -> Any:
    """A stand-in for a linked pair: the parts of its exact summary whatif reads."""
    rest = records_rest(expected * n, n)
    return SimpleNamespace(summary={
        "probabilistic": {"expected_match_rate": {
            "estimate": Value(expected, rest, None), "lower": Value(expected - 0.02, rest, None),
            "upper": Value(min(1.0, expected + 0.02), rest, None), "interval": "95%"}},
        "combined": {"match_rate": Rate(linked, n)}})


def test_a_change_of_one_to_seven_links_hides_the_whatif_side() -> None:
    """50 of 200 left records linked on NHS number before, 47 after: both rates are
    publishable alone, but side by side they give away the 3 records that lost their
    link, so the what-if side (count, rate, share of expected, change in points) is
    hidden; the baseline stays."""
    tree = _pair_tree("la", "gp", ["la"], 200, 50, 47, _linked(200, 180, 0.9), None)
    doc = controlled(tree)
    assert doc["baseline"]["deterministic"] == {"linked_records": 50, "match_rate": 0.25}
    assert doc["whatif"]["deterministic"] == {"linked_records": "*", "match_rate": "*"}
    assert doc["deterministic_change_points"] == "*"
    assert set(doc["whatif"]["deterministic_share_of_expected"].values()) == {"*"}
    assert doc["baseline"]["deterministic_share_of_expected"]["estimate"] == round(0.25 / 0.9, 4)
    # Exactly, nothing is hidden and the change is measured, not recomputed from rounding.
    plain = exact(tree)
    assert plain["whatif"]["deterministic"] == {"linked_records": 47, "match_rate": 0.235}
    assert plain["deterministic_change_points"] == -1.5


def test_a_larger_change_is_published() -> None:
    tree = _pair_tree("la", "gp", ["la"], 200, 50, 30, _linked(200, 180, 0.9), None)
    doc = controlled(tree)
    assert doc["whatif"]["deterministic"] == {"linked_records": 30, "match_rate": 0.15}
    assert doc["deterministic_change_points"] == -10.0
    assert doc["whatif"]["expected_match_rate"] == doc["baseline"]["expected_match_rate"]


def test_records_changed_of_one_to_seven_cannot_be_recovered_from_the_shares() -> None:
    """3 of 100 records traced (50 → 53 holding a valid NHS number): the count is `*`,
    and the reached share, which with the baseline share would give it back, is hidden
    too."""
    change = Change("la", "nhs_number", 0.53)
    doc = controlled(_change_tree(Applied(change, 100, 50, 53, 3, 8), 0.99))
    assert doc["records_changed"] == "*"
    assert "*" in (doc["baseline_share"], doc["reached_share"])
    assert doc["records"] == 100
    assert "_relations" not in doc


def test_traceable_records_one_to_seven_above_those_traced_are_hidden() -> None:
    """13 traced of 18 traceable: the 5 left untraced would show as 18 − 13."""
    change = Change("la", "nhs_number", 0.53)
    doc = controlled(_change_tree(Applied(change, 100, 40, 53, 13, 18), 0.99))
    assert (doc["records_changed"], doc["traceable_records"]) == (15, "*")
    # Without a small count, every figure is shown.
    doc = controlled(_change_tree(Applied(change, 100, 40, 53, 13, 40), 0.99))
    assert (doc["baseline_share"], doc["reached_share"], doc["records_changed"],
            doc["traceable_records"]) == (0.4, 0.53, 15, 40)
