"""Name structure: realistic surname frequencies, middle names used as forenames,
hyphenated surnames and their variants, children under a parent's surname."""

from __future__ import annotations

import math

import numpy as np
import pytest

from linkready.generate.api import generate_world
from linkready.generate.names import vocabulary
from linkready.generate.scenario import Scenario

N = 30_000
RATES = {"middle_as_given": 0.2, "surname_part": 0.5, "parent_surname": 0.4}


@pytest.fixture(scope="module")
def world():
    return generate_world(Scenario.model_validate({
        "name": "names", "seed": 8, "population": N,
        "world": {"out_of_area_share": 0.0, "ethnic_mix": {"A": 1, "R": 1},
                  "middle_name_share": 0.5, "compound_surname_share": 0.1,
                  "child_other_surname": 0.3},
        "sources": {"acute": {"coverage": {"resident": 1.0}, "errors": RATES}}}))


def _close(count: int, p: float, n: int) -> bool:
    return abs(count - p * n) <= 4.5 * math.sqrt(n * p * (1 - p)) + 3


def test_chinese_surnames_have_realistic_frequencies(world) -> None:
    """Wang, Li, Zhang, Liu and Chen are each several percent of Chinese people (Faker's
    weighted zh_CN shares), the five together about a third."""
    v = vocabulary("R", "family")
    share = dict(zip(v.names, v.probs, strict=True))
    top = ["Wang", "Li", "Zhang", "Liu", "Chen"]
    assert all(share[s] >= 0.04 for s in top)
    assert sorted(share, key=share.get, reverse=True)[:5] == top
    pop = world.population
    chinese = (pop["ethnicity"] == "R") & (pop["family_name"] == pop["_head_surname"])
    names = pop["family_name"][chinese]
    for s in top:
        assert _close(int((names == s).sum()), share[s], int(chinese.sum())), s


def test_name_structure_follows_configuration(world) -> None:
    """Middle names, hyphenated household surnames and children under another surname at
    the configured shares."""
    pop = world.population
    # (a middle name drawn twice equal to the given name is dropped: < 1 %)
    assert abs((pop["middle_name"] != None).mean() - 0.5) < 0.015  # noqa: E711
    heads = np.unique(pop["household_id"], return_index=True)[1]
    hyphen = np.array(["-" in s for s in pop["_head_surname"][heads]])
    assert abs(hyphen.mean() - 0.1) < 0.015  # a few draws of the same name are not joined


def test_name_errors_at_configured_rates(world) -> None:
    """Middle name as forename, hyphenated-surname variants and a parent's surname on a
    child's record happen at the configured rate among eligible records, and look as
    described."""
    e, pop = world.extracts[0], world.population
    person = e.recorded["person"]
    middle = pop["middle_name"][person]
    used = (middle != None) & (e.recorded["given_name"] == middle)  # noqa: E711
    assert _close(e.errors["middle_as_given"], 0.2, int((middle != None).sum()))  # noqa: E711
    assert used.sum() >= e.errors["middle_as_given"] * 0.95
    child_other = (pop["age"][person] < 18) & (pop["family_name"][person]
                                                != pop["_head_surname"][person])
    assert _close(e.errors["parent_surname"], 0.4, int(child_other.sum()))
    true_family = pop["family_name"][person]
    hyphen = np.array(["-" in s for s in true_family])
    eligible = hyphen & ~child_other
    assert _close(e.errors["surname_part"], 0.5, int(eligible.sum()))
    varied = eligible & (e.recorded["family_name"] != true_family)
    first = np.array([s.split("-")[0] for s in true_family[varied]])
    recorded = e.recorded["family_name"][varied]
    assert (recorded == first).mean() == pytest.approx(0.25, abs=0.08)
    assert not any("-" in r for r in recorded)
