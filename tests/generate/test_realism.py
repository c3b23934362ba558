"""The `default` world (full size, 50,000 people) reproduces the published figures on
true-match pairs: issue 14's table in docs/generate.md."""

from __future__ import annotations

import numpy as np
import pytest

from linkready.generate.api import generate_world
from linkready.generate.realism import COUNCIL, measure
from linkready.generate.scenario import AGE_BANDS, load_scenario


@pytest.fixture(scope="module")
def world():
    return generate_world(load_scenario("default"))


@pytest.fixture(scope="module")
def figures(world):
    return measure(world)


def test_acute_gp_postcode_disagreement_is_published_level(figures) -> None:
    """Acute↔GP postcode disagreement on true matches is 25–35 % (Cardinal et al. 2023)."""
    assert 0.25 <= figures["pairs"]["acute"]["postcode_differs"] <= 0.35


def test_council_gp_postcode_disagreement_at_least_acute(figures) -> None:
    """Every council source disagrees with the GP postcode at least as often as acute does
    (allowing 2 points of sampling error on the smaller council pairs)."""
    acute = figures["pairs"]["acute"]["postcode_differs"]
    for c in COUNCIL:
        assert figures["pairs"][c]["postcode_differs"] >= acute - 0.02, c


def test_name_and_postcode_disagreement_higher_in_deprived_areas(figures) -> None:
    """Name and postcode disagreement is higher in IMD deciles 1–3 than in 8–10 for every
    pair with enough true matches (≥ 1,500), by a fifth or more for acute↔GP."""
    for pair in ("acute", "community_health", "mental_health", "la_housing"):
        f = figures["pairs"][pair]
        assert f["postcode_by_imd"]["1-3"] > f["postcode_by_imd"]["8-10"], pair
        assert f["name_by_imd"]["1-3"] > f["name_by_imd"]["8-10"], pair
    f = figures["pairs"]["acute"]
    assert f["postcode_by_imd"]["1-3"] > 1.2 * f["postcode_by_imd"]["8-10"]
    assert f["name_by_imd"]["1-3"] > 1.2 * f["name_by_imd"]["8-10"]


def test_moves_follow_configured_yearly_rates(world) -> None:
    """The share who moved in the last year matches moved_last_year × move_by per age band
    (within 4.5 SD); moves in the window exceed moves in the last year."""
    pop, w = world.population, world.scenario.world
    from linkready.generate.rates import multipliers
    from linkready.generate.sources import subgroups

    mult = multipliers(w.move_by, subgroups(pop))
    for i, band in enumerate(AGE_BANDS):
        sel = (pop["_age_band_idx"] == i) & (pop["age"] >= 1) & ~pop["left_area"]
        rate = -np.log1p(-w.moved_last_year[band]) * mult[sel]
        p = 1 - np.exp(-rate)
        sd = np.sqrt((p * (1 - p)).sum())
        assert abs(pop["moved"][sel].sum() - p.sum()) <= 4.5 * sd + 3, band
    assert (pop["moves"] > 0).mean() > 2 * pop["moved"].mean()


def test_gp_list_inflation(world, figures) -> None:
    """GP register records per resident person > 1; people who left the area are still
    registered at the configured rate, and their record holds the address they left."""
    assert figures["gp_records_per_resident"] > 1.0
    pop = world.population
    gp = {e.name: e for e in world.extracts}["gp_register"]
    cov = world.scenario.sources["gp_register"].coverage
    person = np.unique(gp.recorded["person"])
    left = pop["left_area"]
    kept = np.isin(np.flatnonzero(left), person)
    p = cov.left_area * np.where(pop["died"][left], cov.deceased, 1.0)
    assert abs(kept.sum() - p.sum()) <= 4.5 * np.sqrt((p * (1 - p)).sum()) + 3
    rows = left[gp.recorded["person"]] & (gp.recorded["postcode"] != None)  # noqa: E711
    held = gp.recorded["postcode"][rows]
    assert (held != pop["postcode"][gp.recorded["person"][rows]]).mean() > 0.97


def test_primary_acute_gap_is_coverage() -> None:
    """primary_acute at full size: an exact NHS-number join matches 65–70 % of acute records
    to the GP register; at most 4 points of the gap are linkage error, the rest coverage."""
    from linkready.generate.realism import exact_nhs_join

    j = exact_nhs_join(generate_world(load_scenario("primary_acute")), "acute", "gp_register")
    assert 0.65 <= j["match_rate"] <= 0.70
    assert 0.0 < j["linkage_error"] <= 0.04
    assert j["coverage"] >= 0.26


def test_acute_nhs_number_completeness_is_published_level(world) -> None:
    """Acute NHS numbers: blank, invalid or placeholder in 0.3–2 % of records (published:
    ED 98.0 % valid, admissions 99.7 %; Mason et al. 2022)."""
    from linkready.nhs import is_repdigit, is_valid

    nhs = {e.name: e for e in world.extracts}["acute"].recorded["nhs"]
    ok = nhs >= 0
    ok[ok] = is_valid(nhs[ok]) & ~is_repdigit(nhs[ok])
    assert 0.003 <= 1 - ok.mean() <= 0.02


def test_errors_cluster_in_people_on_default(figures) -> None:
    """Records with two fields wrong are ≥ 2× as many as if the errors were independent
    within each source (names with DOB, names with sex)."""
    for key in ("records_name_and_dob", "records_name_and_sex"):
        ratio, count = figures[key]
        assert count >= 30 and ratio >= 2.0, (key, ratio, count)


def test_linkage_table_checks_each_pair() -> None:
    """The Done-when linkage table flags a pair below F1 0.95, and a pair without NHS
    numbers at F1 0.995 or more; it reads the gap split from evaluation.json."""
    from linkready.generate.realism import linkage_table

    def pair(left: str, f1: float) -> dict:
        return {"left": left, "right": "gp_register", "truth": {"overlap_rate": 0.9},
                "expected_match_rate": 0.89,
                "combined": {"f1": f1},
                "deterministic": {"precision": 0.99, "match_rate": 0.8,
                                  "gap": {"coverage": 0.1, "linkage_error": 0.1}}}

    ev = {"pairs": [pair("acute", 0.99), pair("la_housing", 0.94),
                    pair("childrens_social_care", 0.996),
                    pair("mental_health", 0.996)]}
    lines = linkage_table(ev, no_nhs=("childrens_social_care",)).splitlines()[2:]
    verdicts = [line.rsplit("|", 2)[1].strip() for line in lines]
    assert [v.endswith("yes") for v in verdicts] == [True, False, False, True]
    assert "80.0 % (10.0 % / 10.0 %)" in lines[0] and "89.0 % / 90.0 %" in lines[0]
