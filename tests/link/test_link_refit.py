"""EM on aggregated agreement patterns recovers a known Fellegi–Sunter model."""

from __future__ import annotations

import numpy as np
import pytest

from linkready.link import refit


def test_em_on_pattern_counts_recovers_lambda_and_m() -> None:
    rng = np.random.default_rng(0)
    n, lam = 200_000, 0.05
    m = [np.array([0.05, 0.15, 0.8]), np.array([0.1, 0.9]), np.array([0.02, 0.18, 0.8])]
    u = [np.array([0.9, 0.08, 0.02]), np.array([0.7, 0.3]), np.array([0.95, 0.04, 0.01])]
    match = rng.random(n) < lam
    gamma = np.column_stack([
        np.where(match, rng.choice(len(mc), n, p=mc), rng.choice(len(uc), n, p=uc))
        for mc, uc in zip(m, u, strict=True)]).astype(np.int8)
    gamma[rng.random(n) < 0.05, 1] = -1  # some nulls: no evidence either way
    pats = refit.patterns(gamma)
    d = refit.design(pats.vectors, pats.levels)
    counts = np.bincount(pats.index, minlength=len(pats.vectors)).astype(float)
    # A rough, asymmetric start (as the linked model's probabilities are in use): the
    # more comparisons at their top level, the likelier a match.
    top = (pats.vectors == np.array([2, 1, 2])).sum(axis=1)
    start = np.where(top >= 2, 0.9, 0.05)
    fit = refit.em(d, counts, start)
    assert fit.lam == pytest.approx(lam, rel=0.05)
    assert np.exp(fit.log_m[:3]) == pytest.approx(m[0], abs=0.02)
    zeta = refit.posterior(fit, d)[pats.index]
    assert zeta[match].mean() > 0.9 and zeta[~match].mean() < 0.02


def test_a_level_never_observed_keeps_the_refit_on_the_models_own_training() -> None:
    # Names swapped: neither EM nor u sampling met it, so the model holds no m and no u
    # for it, yet a few scored pairs reach it (Splink scores them with its defaults).
    model = {"comparisons": [{"output_column_name": "given_name", "comparison_levels": [
        {"is_null_level": True},
        {"label_for_charts": "exact", "m_probability": 0.6, "u_probability": 0.01},
        {"label_for_charts": "given and family swapped"},
        {"label_for_charts": "all other", "m_probability": 0.4, "u_probability": 0.99}]}]}
    weights = np.array([np.log2(0.4 / 0.99), 3.0, np.log2(0.6 / 0.01)])
    spec = refit.spec_from_model(model, [("given_name", weights)], [frozenset({"given_name"})])
    # Without a spec the refit ran free EM on the truncated candidates instead.
    assert spec is not None
    # u of the unseen level: as rare as the rarest level sampling met; m keeps its weight.
    assert np.exp(spec.log_u) == pytest.approx([0.99, 0.01, 0.01])
    assert np.log2(np.exp(spec.log_m - spec.log_u)) == pytest.approx(weights)
    assert spec.sessions == [{0: 2}]  # the session on the exact given name


def test_a_level_no_match_shows_keeps_a_weight_from_the_prior() -> None:
    """One comparison with three levels; 200 matches all at the top level, none at the
    middle one. The M-step's Jeffreys pseudo-count keeps the middle level's m at about
    ½ ÷ 201.5 (not the floor, 1e-6, where every pair with it would lose ~8 natural-log
    units of weight from one resample to the next); u of a level seen in many
    non-matches is what the counts say."""
    vectors = np.array([[0], [1], [2]], dtype=np.int8)
    d = refit.design(vectors, [3])
    counts = np.array([800.0, 50.0, 200.0])
    zeta = np.array([0.0, 0.0, 1.0])
    got = refit.m_step(d, counts, zeta)
    m = np.exp(got.log_m)
    assert m[1] == pytest.approx(refit.PSEUDO / (200 + 3 * refit.PSEUDO), rel=1e-9)
    assert m[1] > 1000 * refit.FLOOR
    assert np.exp(got.log_u) == pytest.approx(np.array([800.5, 50.5, 0.5]) / 851.5)
    assert got.lam == pytest.approx(200 / 1050)
