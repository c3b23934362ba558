"""The true population: identifiers, households, twins and life events."""

from __future__ import annotations

import numpy as np
import pytest

from linkready import nhs
from linkready.generate.api import generate_world
from linkready.generate.population import Population
from linkready.generate.scenario import AGE_BANDS, load_scenario


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate_world(load_scenario("default", population=30_000)).population


def test_nhs_numbers_unique_valid_test_range(pop: Population) -> None:
    """Everyone has a distinct, Modulus-11-valid NHS number in the 999 test range."""
    numbers = pop["nhs_number"]
    assert np.unique(numbers).size == pop.size
    assert nhs.is_valid(numbers).all()
    assert (numbers >= nhs.TEST_RANGE_START).all() and (numbers <= nhs.TEST_RANGE_END).all()


def test_households_share_surname_and_address(pop: Population) -> None:
    """Members of a household share a postcode and the head's surname, except the children
    configured to carry another parent's surname."""
    hh = pop["household_id"]
    differs = pop["family_name"] != pop["_head_surname"]
    assert (pop["age"][differs] < 18).all()
    share = load_scenario("default").world.child_other_surname
    children = pop["age"] < 18
    assert abs(differs[children].mean() - share) < 0.03
    for col in ("_head_surname", "postcode"):
        values = pop[col]
        first = {}
        for h, v in zip(hh, values, strict=True):
            first.setdefault(h, v)
        assert all(first[h] == v for h, v in zip(hh, values, strict=True)), col


def test_twins_share_dob_and_household(pop: Population) -> None:
    """Twins come in pairs with the same date of birth and household."""
    twins = np.flatnonzero(pop["twin"])
    assert twins.size > 0
    keys = {(pop["household_id"][i], pop["dob"][i]) for i in twins}
    for h, d in keys:
        same = (pop["household_id"] == h) & (pop["dob"] == d)
        assert same.sum() >= 2


def test_age_structure_and_events(pop: Population) -> None:
    """Ages fall in every band; young adults move more than older people; women change
    surname more often than men."""
    bands = set(pop["age_band"])
    assert bands == set(AGE_BANDS)
    moved = pop["moved"]
    young = pop["age_band"] == "18-29"
    older = np.isin(pop["age_band"], ["50-64", "65-79", "80+"])
    assert moved[young].mean() > 2 * moved[older].mean()
    adult = pop["age"] >= 18
    women, men = adult & (pop["sex"] == "2"), adult & (pop["sex"] == "1")
    assert pop["surname_changed"][women].mean() > 2 * pop["surname_changed"][men].mean()
    assert (pop["previous_surname"][pop["surname_changed"]] != pop["family_name"][
        pop["surname_changed"]]).all()


def test_ethnic_mix_follows_config(pop: Population) -> None:
    """The ethnic mix is within a few points of the configured London mix."""
    mix = load_scenario("default").world.ethnic_mix
    total = sum(mix.values())
    for code in ("A", "C", "N", "H"):
        observed = (pop["ethnicity"] == code).mean()
        assert abs(observed - mix[code] / total) < 0.04, code
