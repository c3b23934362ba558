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
