"""Error model v2: a person-level propensity shared across fields and sources, gradients for
every error kind, realised against configured within statistical tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from linkready.generate.api import generate_world
from linkready.generate.rates import with_propensity
from linkready.generate.realism import clustering_ratio, record_errors
from linkready.generate.scenario import Scenario

N = 40_000
ERRORS = {"given_typo": 0.04, "family_typo": 0.04, "dob_typo": 0.04, "sex_miscoded": 0.04,
          "postcode_missing": 0.03, "nhs_missing": 0.03}


def _scenario(sigma: float, by: dict | None = None, seed: int = 5) -> Scenario:
    return Scenario.model_validate({
        "name": "model", "seed": seed, "population": N,
        "world": {"out_of_area_share": 0.0,
                  "error_propensity": {"sigma": sigma, "by": by or {}}},
        "sources": {"acute": {"coverage": {"resident": 1.0}, "errors": ERRORS},
                    "gp_register": {"coverage": {"resident": 1.0}, "errors": ERRORS}},
    })


@pytest.fixture(scope="module")
def clustered():
    return generate_world(_scenario(1.0, {"imd_decile": {1: 2.0, 2: 2.0, 3: 2.0}}))


def test_propensity_has_mean_one_and_configured_gradient(clustered) -> None:
    """The propensity averages 1; deciles 1–3 are twice 8–10 on average (lognormal noise
    is independent of decile)."""
    z, imd = clustered.population["error_propensity"], clustered.population["imd_decile"]
    assert z.mean() == pytest.approx(1.0, abs=1e-9)
    ratio = z[imd <= 3].mean() / z[imd >= 8].mean()
    assert ratio == pytest.approx(2.0, rel=0.12)


def test_realised_counts_match_expected_with_propensity(clustered) -> None:
    """Each error's count is within 4.5 SD of the sum of its per-record probabilities
    (rate × propensity on the odds scale)."""
    e = clustered.extracts[0]
    z = clustered.population["error_propensity"][e.recorded["person"]]
    for kind, rate in ERRORS.items():
        p = with_propensity(np.full(z.size, rate), z)
        sd = math.sqrt(float((p * (1 - p)).sum()))
        assert abs(e.errors[kind] - p.sum()) <= 4.5 * sd + 3, (kind, e.errors[kind], p.sum())


@pytest.mark.parametrize("source", [0, 1])
def test_errors_cluster_in_people(clustered, source: int) -> None:
    """P(two fields wrong) ≥ 2× the product of the single rates, for every pair of fields
    (sigma 1 gives ≈ e ≈ 2.7× before the gradient)."""
    wrong = record_errors(clustered, clustered.extracts[source].name)
    for a, b in [("given_name", "dob"), ("given_name", "family_name"), ("dob", "sex"),
                 ("family_name", "sex")]:
        ratio, both = clustering_ratio(wrong[a], wrong[b])
        assert both >= 30 and ratio >= 2.0, (a, b, ratio, both)


def test_errors_cluster_across_sources(clustered) -> None:
    """The same people are wrong in both sources: a person whose GP given name is wrong is
    ≥ 2× as likely to have a wrong acute given name."""
    ex = {e.name: e for e in clustered.extracts}
    wa, wg = record_errors(clustered, "acute"), record_errors(clustered, "gp_register")
    a = np.zeros(N, bool)
    g = np.zeros(N, bool)
    a[ex["acute"].recorded["person"]] |= wa["given_name"] | wa["dob"]
    g[ex["gp_register"].recorded["person"]] |= wg["given_name"] | wg["dob"]
    ratio, _ = clustering_ratio(a, g)
    assert ratio >= 2.0


def test_independent_without_propensity() -> None:
    """Control: with sigma 0 and no gradient the ratio is ≈ 1 (so the check above can fail)."""
    w = generate_world(_scenario(0.0))
    wrong = record_errors(w, "acute")
    ratio, _ = clustering_ratio(wrong["given_name"] | wrong["family_name"], wrong["dob"])
    assert 0.6 <= ratio <= 1.5


def test_gradient_applies_to_every_error_kind(clustered) -> None:
    """Every field's error rate is about twice as high in IMD 1–3 as in 8–10."""
    e = clustered.extracts[0]
    imd = clustered.population["imd_decile"][e.recorded["person"]]
    wrong = record_errors(clustered, e.name)
    wrong["nhs"] = e.recorded["nhs"] < 0
    wrong["postcode"] = e.recorded["postcode"] == None  # noqa: E711 (missing)
    for fld, flags in wrong.items():
        hi, lo = flags[imd <= 3].mean(), flags[imd >= 8].mean()
        assert hi / lo == pytest.approx(2.0, rel=0.3), (fld, hi, lo)


def test_wrong_but_valid_nhs_numbers() -> None:
    """Wrong NHS numbers pass Modulus 11 and belong to a household member, the baby's mother
    or someone else, at the configured rates among eligible records."""
    from linkready import nhs

    rates = {"nhs_wrong_household": 0.05, "nhs_mother": 0.3, "nhs_wrong_other": 0.02}
    sc = Scenario.model_validate({
        "name": "wrong", "seed": 3, "population": N, "world": {"out_of_area_share": 0.0},
        "sources": {"acute": {"coverage": {"resident": 1.0}, "errors": rates}}})
    w = generate_world(sc)
    e, pop = w.extracts[0], w.population
    person, recorded = e.recorded["person"], e.recorded["nhs"]
    numbers = pop["nhs_number"]
    wrong = recorded != numbers[person]
    assert nhs.is_valid(recorded[wrong]).all()
    owner = np.searchsorted(np.sort(numbers), recorded[wrong])
    owner = np.argsort(numbers)[owner]
    assert (numbers[owner] == recorded[wrong]).all()  # someone else's real number
    same_household = pop["household_id"][owner] == pop["household_id"][person[wrong]]
    is_mother = owner == pop["_mother"][person[wrong]]
    assert wrong.sum() == sum(e.errors[k] for k in rates)
    # household and mother errors keep the number in the household; the rest mostly leave it
    assert same_household.sum() >= e.errors["nhs_wrong_household"] + e.errors["nhs_mother"]
    assert is_mother.sum() >= e.errors["nhs_mother"] > 0
    eligible = {"nhs_wrong_household": (pop["_household_other"][person] >= 0).sum(),
                "nhs_mother": (pop["_mother"][person] >= 0).sum(),
                "nhs_wrong_other": person.size}
    for kind, p in rates.items():
        base = eligible[kind]
        tol = 4.5 * math.sqrt(base * p * (1 - p)) + 3
        assert abs(e.errors[kind] - p * base) <= tol, (kind, e.errors[kind], p * base)


def test_gradient_by_ethnic_group_and_age() -> None:
    """The propensity's ethnic-group and age gradients show up in every field's errors:
    Asian ≈ 2× White, 18–29 ≈ 2× 50–64 (pooled over fields for power)."""
    w = generate_world(_scenario(0.0, {"ethnic_group": {"asian": 2.0},
                                       "age_band": {"18-29": 2.0}}, seed=9))
    e, pop = w.extracts[0], w.population
    person = e.recorded["person"]
    wrong = record_errors(w, e.name)
    any_wrong = np.logical_or.reduce([wrong[f] for f in ("given_name", "family_name", "dob",
                                                         "sex")])
    group, band = pop["ethnic_group"][person], pop["age_band"][person]
    other_age = ~np.isin(band, ["18-29"])
    asian = any_wrong[(group == "asian") & other_age].mean()
    white = any_wrong[(group == "white") & other_age].mean()
    assert asian / white == pytest.approx(2.0, rel=0.2)
    young = any_wrong[(band == "18-29") & (group != "asian")].mean()
    older = any_wrong[(band == "50-64") & (group != "asian")].mean()
    assert young / older == pytest.approx(2.0, rel=0.2)
