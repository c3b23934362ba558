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
