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


MIX = ("A", "B", "C", "H", "J", "N", "R", "S")


@pytest.fixture(scope="module")
def mixed():
    """Household heads and people of eight ethnic categories (names only matter here)."""
    return generate_world(Scenario.model_validate({
        "name": "mixed_names", "seed": 9, "population": 24_000,
        "world": {"out_of_area_share": 0.0, "ethnic_mix": {c: 1 for c in MIX}},
        "sources": {"acute": {"coverage": {"resident": 0.01}}}})).population


@pytest.mark.parametrize("code", MIX)
def test_realised_name_frequencies_match_the_weights(mixed, code: str) -> None:
    """For every ethnic category the commonest surnames (per household) and male and
    female given names (per person) occur at their configured shares (4.5 sigma)."""
    pop = mixed
    first = np.unique(pop["household_id"], return_index=True)[1]
    heads = first[pop["ethnicity"][first] == code]
    surnames = np.array([s.split("-")[0] for s in pop["_head_surname"][heads]], dtype=object)
    v = vocabulary(code, "family")
    for i in np.argsort(-v.probs)[:3]:
        assert _close(int((surnames == v.names[i]).sum()), float(v.probs[i]), heads.size), (
            code, v.names[i])
    for sex, label in ((1, "male"), (2, "female")):
        people = (pop["ethnicity"] == code) & (pop["sex"] == sex)
        given = pop["given_name"][people]
        g = vocabulary(code, "given", label)
        for i in np.argsort(-g.probs)[:3]:
            assert _close(int((given == g.names[i]).sum()), float(g.probs[i]), given.size), (
                code, label, g.names[i])


def test_plain_lists_get_realistic_heads_and_power_law_shares() -> None:
    """Lists without frequencies are no longer uniform: the group's commonest names lead
    (Patel, Khan, Murphy, Yilmaz, Silva) at the configured top share, with a long tail."""
    from linkready.generate.names import TOP_SHARE, zipf_weights

    for code, lead in (("H", "Patel"), ("B", "Murphy"), ("J", "Khan")):
        v = vocabulary(code, "family")
        assert v.names[np.argmax(v.probs)] == lead
    w = zipf_weights(500, 0.03)
    assert w[0] == pytest.approx(0.03, rel=1e-6) and np.all(np.diff(w) <= 0)
    assert np.allclose(zipf_weights(10, 0.05), 0.1)  # cannot be flatter than uniform
    h = vocabulary("H", "family")
    assert float(h.probs.max()) == pytest.approx(TOP_SHARE["en_IN"][0], rel=1e-6)


def test_name_linkage_does_not_get_easier(monkeypatch) -> None:
    """The chance that two different people of the same group share a full name (what
    a name comparison's u-probability measures) is no lower than with the previous,
    uniform plain lists, for every group and for London's mix as a whole."""
    from linkready.generate import names as names_mod
    from linkready.generate.scenario import World

    def collide() -> dict[str, float]:
        out = {}
        for code in names_mod.GIVEN_SOURCES:
            fam = names_mod.vocabulary(code, "family").probs
            giv = sum(float((names_mod.vocabulary(code, "given", s).probs ** 2).sum())
                      for s in ("male", "female")) / 2
            out[code] = float((fam**2).sum()) * giv
        return out

    now = collide()
    names_mod.vocabulary.cache_clear()
    monkeypatch.setattr(names_mod, "_ranked_plain",
                        lambda locale, kind, sex, names: [(n, 1.0) for n in names])
    before = collide()
    names_mod.vocabulary.cache_clear()
    mix = World().ethnic_mix
    total = sum(mix.values())
    overall = {k: sum((mix.get(c, 0) / total) ** 2 * v[c] for c in v) for k, v in
               (("now", now), ("before", before))}
    for code in now:
        assert now[code] >= before[code] * 0.999, code
    assert overall["now"] > overall["before"]
