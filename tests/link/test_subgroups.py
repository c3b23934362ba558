"""linkage.json's ``combined.by_subgroup``: who is missed, without truth, with primary and
secondary disclosure control."""

from __future__ import annotations

import pandas as pd
import pytest

from linkready.link.subgroups import subgroup_relations, table
from linkready.publish import RELATIONS, Count, Rate, cell, controlled, exact


def _groups() -> pd.DataFrame:
    sex = ["1"] * 60 + ["2"] * 37 + ["not known"] * 3
    return pd.DataFrame({"record_id": [f"r{i}" for i in range(100)], "sex": sex,
                         "ethnic_group": "not known", "age_band": "not known",
                         "imd_decile": "not known"})


def test_rows_are_exact_figures_published_once() -> None:
    """A group's counts, share and interval are exact figures; controlled() rounds the
    counts to 5 and shows a share resting on 1–7 records as *; a dimension the source
    never records is left out."""
    linked = {f"r{i}" for i in range(50)}
    tree = table(_groups(), linked, pd.Series({f"r{i}": 0.9 for i in range(55)}))
    assert list(tree) == ["sex"]
    one = exact(tree)["sex"][0]
    assert (one["group"], one["left_records"], one["linked_records"]) == ("1", 60, 50)
    assert one["expected_rate"] == pytest.approx(55 * 0.9 / 60)
    shown = {r["group"]: r for r in controlled(tree)["sex"]}
    assert shown["1"]["linked_share"] == round(50 / 60, 4)
    assert shown["not known"]["left_records"] == "*"
    assert shown["not known"]["linked_share"] == "*"


def test_groups_get_secondary_suppression() -> None:
    """The groups add up to the pair's left records: with 'not known' (3 records) hidden,
    the next-smallest group (37) is hidden too, with its share, else 100 − 60 − 37 would
    give the 3 away. Linked records add up likewise (nothing small: nothing hidden)."""
    linked = {f"r{i}" for i in range(50)}
    tree = table(_groups(), linked, pd.Series(dtype=float))
    records, combined = Count(100), (Count(50), Rate(50, 100))
    block = {"by": tree, RELATIONS: subgroup_relations({"by": tree}, cell(records),
                                                        cell(*combined))}
    shown = {r["group"]: r for r in controlled(block)["by"]["sex"]}
    assert shown["2"]["left_records"] == "*" and shown["2"]["linked_share"] == "*"
    assert shown["2"]["lower"] == "*" and shown["2"]["expected_rate"] == "*"
    assert shown["1"]["left_records"] == 60 and shown["1"]["linked_records"] == 50
    assert controlled(tree)["sex"][1]["left_records"] == 35  # the primary rule alone
