"""linkready.exact_store: an exact tree through JSON and back gives the same exact and
controlled views, secondary suppression included (its relations hold the tree's own
figure objects)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from linkready import exact_store
from linkready.publish import (
    F1,
    RELATIONS,
    Chain,
    Count,
    Expected,
    Harmonic,
    Line,
    Rate,
    Value,
    cell,
    controlled,
    exact,
)


def _tree() -> dict[str, object]:
    small, mid, big = Count(3), Count(12), Count(40)  # 3 is hidden, so is 12 (secondary)
    deterministic, combined = Count(20), Count(24)  # nested: 24 − 20 = 4 → hidden
    p, r = Rate(18, 20), Rate(18, 25)
    return {
        "parts": {"a": small, "b": mid, "c": Rate(np.int64(40), 55)},
        "total": Count(55),
        "stages": [deterministic, combined],
        "f1": F1(18, 2, 7), "harmonic": Harmonic(p, r), "p": p,
        "interval": (Value(0.91234567, (18, 2)), Value(None, ())),
        "expected": Expected(12.6, (13, 27)), "x": np.float64(0.125), "name": "a → b",
        "flag": True, "nothing": None, "n": np.int64(7),
        RELATIONS: [Line((cell(small), cell(mid), cell(big)), cell(Count(55))),
                    Chain((cell(deterministic), cell(combined)))],
    }


def test_round_trip_keeps_exact_and_controlled_views() -> None:
    tree = _tree()
    back = exact_store.load(json.loads(json.dumps(exact_store.dump(tree))))
    assert exact(back) == exact(tree)
    assert controlled(back) == controlled(tree)
    shown = controlled(back)
    # secondary suppression ran on the loaded relations: 12 is hidden beside 3, and the
    # combined count that differs from the deterministic one by 4
    assert shown["parts"]["b"] == "*" and shown["stages"][1] == "*"
    assert isinstance(back["interval"], tuple)


def test_relations_refer_to_the_figures_of_the_tree() -> None:
    back = exact_store.load(exact_store.dump(_tree()))
    [line, chain] = back[RELATIONS]
    assert line.parts[0].figures[0] is back["parts"]["a"]
    assert chain.cells[1].figures[0] is back["stages"][1]
    assert back["harmonic"].p is back["p"]


def test_unknown_content_is_refused() -> None:
    with pytest.raises(TypeError):
        exact_store.dump({"when": object()})
    with pytest.raises(TypeError):
        exact_store.dump({1: Count(3)})
    doc = exact_store.dump({"a": Count(3)})
    doc["figures"][0]["type"] = "Exec"
    with pytest.raises(ValueError, match="not a stored exact tree"):
        exact_store.load(doc)
