"""Injected errors: realised rates match configured rates (also by subgroup), and the
manifest's counts are what the raw extracts really hold."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc
import pytest

from linkready import nhs
from linkready.generate.api import generate_world
from linkready.generate.scenario import Scenario

N = 40_000
RATES = {
    "nhs_missing": 0.05,
    "nhs_invalid": 0.03,
    "nhs_placeholder": 0.02,
    "given_typo": 0.04,
    "name_swap": 0.02,
    "dob_day_month_swap": 0.05,
    "dob_typo": 0.03,
    "dob_default": 0.02,
    "postcode_missing": 0.03,
    "postcode_pseudo": 0.02,
    "postcode_stale": 0.5,
    "sex_unknown": 0.02,
    "sex_miscoded": 0.01,
    "ethnicity_not_stated": 0.1,
    "surname_change": 0.6,
    "nickname": 0.3,
    "duplicates": 0.03,
}


def _scenario(errors: dict) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "rates",
            "seed": 11,
            "population": N,
            "world": {"out_of_area_share": 0.0},
            "sources": {"acute": {"coverage": {"resident": 1.0}, "errors": errors}},
        }
    )


def _close(observed: int, expected: float, n: int) -> bool:
    """Within 4.5 binomial standard deviations (plus a little slack for tiny counts)."""
    p = expected / n
    return abs(observed - expected) <= 4.5 * math.sqrt(n * p * (1 - p)) + 3


@pytest.fixture(scope="module")
def world():
    return generate_world(_scenario(RATES))


def test_realised_rates_match_configured(world) -> None:
    """Each error's count is within tolerance of rate × eligible records."""
    extract = world.extracts[0]
    pop = world.population
    truth_person = extract.truth["person_id"].to_numpy() - 1
    n_people = int(np.unique(truth_person).size)
    n = extract.table.num_rows
    assert _close(extract.errors["duplicates"], RATES["duplicates"] * n_people, n_people)
    dob = pop["dob"][truth_person].astype("datetime64[D]")
    day = (dob - dob.astype("datetime64[M]")).astype(int) + 1
    month = dob.astype("datetime64[M]").astype(int) % 12 + 1
    eligible = {
        "dob_day_month_swap": int(((day <= 12) & (day != month)).sum()),
        "surname_change": int(pop["surname_changed"][truth_person].sum()),
        "postcode_stale": int((pop["moves"][truth_person] > 0).sum()),
    }
    for kind, rate in RATES.items():
        if kind in ("duplicates", "nickname"):
            continue
        # Errors of one field are disjoint bands of one uniform draw, so each happens at
        # exactly its own rate among eligible records.
        base = eligible.get(kind, n)
        assert _close(extract.errors[kind], rate * base, n), (
            kind,
            extract.errors[kind],
            rate * base,
        )


def test_manifest_counts_are_in_the_data(world) -> None:
    """Blank, repdigit and invalid NHS numbers, sentinel DOBs and pseudo-postcodes in the raw
    extract equal the counts the generator reports."""
    extract = world.extracts[0]
    t = extract.table
    raw = t["NHSNumber"]
    assert raw.null_count == extract.errors["nhs_missing"]
    numbers = np.array([int(x) for x in raw.drop_null().to_pylist()])
    assert nhs.is_repdigit(numbers).sum() == extract.errors["nhs_placeholder"]
    invalid = ~nhs.is_valid(numbers) & ~nhs.is_repdigit(numbers)
    assert invalid.sum() == extract.errors["nhs_invalid"]
    assert (
        pc.sum(pc.equal(t["PersonBirthDate"], "1900-01-01")).as_py()
        == extract.errors["dob_default"]
    )
    pseudo = pc.sum(pc.starts_with(t["PostcodeUsualAddress"], "ZZ99")).as_py()
    assert pseudo == extract.errors["postcode_pseudo"]
    assert t["PostcodeUsualAddress"].null_count == extract.errors["postcode_missing"]
    assert (
        pc.sum(pc.equal(t["PersonStatedGenderCode"], "9")).as_py() == extract.errors["sex_unknown"]
    )


@pytest.mark.parametrize(
    ("by", "group_col", "high", "low", "ratio"),
    [
        pytest.param(
            {"ethnic_group": {"asian": 4.0}},
            "ethnic_group",
            "asian",
            "white",
            4.0,
            id="ethnic-group",
        ),
        pytest.param(
            {"imd_decile": {1: 3.0, 2: 3.0}}, "imd_decile", (1, 2), (9, 10), 3.0, id="deprivation"
        ),
        pytest.param(
            {"age_band": {"18-29": 2.5}}, "age_band", "18-29", "50-64", 2.5, id="age-band"
        ),
    ],
)
def test_differential_rates(by, group_col, high, low, ratio) -> None:
    """A subgroup multiplier shows up as that ratio of realised missing-NHS-number rates."""
    w = generate_world(_scenario({"nhs_missing": {"rate": 0.04, "by": by}}))
    e = w.extracts[0]
    person = e.truth["person_id"].to_numpy() - 1
    missing = e.table["NHSNumber"].is_null().to_numpy(zero_copy_only=False)
    groups = w.population[group_col][person]
    in_high = np.isin(groups, np.atleast_1d(high))
    in_low = np.isin(groups, np.atleast_1d(low))
    r_high, r_low = missing[in_high].mean(), missing[in_low].mean()
    assert r_low == pytest.approx(0.04, abs=0.015)
    assert r_high / r_low == pytest.approx(ratio, rel=0.3)
