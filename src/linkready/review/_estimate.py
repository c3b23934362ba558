"""Precision, recall and match rate from a labelled stratified sample, with intervals.

Pure numpy: no files, no database.

The unit is the left record, as in ``evaluate`` (GUILD). Every left record of a pair is
in exactly one stratum. In a *linked* stratum the label says whether the record's best
link is the same person (a true positive); in an *unlinked* stratum it says whether the
record's best candidate is the same person (a missed match). With ``T_h`` the matches in
stratum ``h``::

    precision  = Σ_linked T_h / Σ_linked N_h
    recall     = Σ_linked T_h / (Σ_linked T_h + Σ_unlinked T_h)
    match rate = Σ_all T_h / Σ_all N_h          (the share of left records with a match)

Interval: for each stratum the share of matches gets a posterior Beta(a + c, b + c)
from its ``a`` match and ``b`` non-match labels; the stratum's unlabelled records are
drawn Binomial from it (so a fully labelled stratum is known exactly: the
finite-population correction); the three measures are computed on each draw and the
interval is the 2.5th–97.5th percentile. This handles ratios (recall), strata labelled
all-match or all-non-match (where a bootstrap would see no variance) and small strata,
which per-stratum Wilson intervals combined would not. The prior matters because the
strata that weigh most have shares near 0 or 1: Jeffreys' c = ½ pulls them towards ½
and the interval then misses the truth on one side (coverage 89–91% in the simulation
of :mod:`linkready.review._simulate` at 100–200 labels), a near-flat c = 0.05 misses on
the other; the interval is the envelope of the two (measured coverage 95–97%, see
docs/review.md). "Unsure" labels are
counted as half a match in the point estimate; the interval is the envelope of the
intervals with every unsure label read as a match and as a non-match, in the linked and
the unlinked strata separately (four readings), so unsure labels widen it both ways.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
#: Monte Carlo draws per reading of the unsure labels.
DRAWS = 4000
#: Beta(c, c) priors on each stratum's match share; the interval is the envelope of the
#: intervals under each (see the module docstring).
PRIORS: tuple[float, ...] = (0.5, 0.05)
LINKED, UNLINKED = "linked", "unlinked"
MEASURES: tuple[str, ...] = ("precision", "recall", "match_rate")


@dataclass(frozen=True)
class StratumLabels:
    """The labels of one stratum: its population and how its sample was labelled."""

    id: str
    kind: str  # LINKED or UNLINKED
    population: int
    match: int = 0
    non_match: int = 0
    unsure: int = 0

    @property
    def labelled(self) -> int:
        return self.match + self.non_match + self.unsure


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95% interval (``None`` when the measure is undefined)."""

    estimate: float | None
    lower: float | None
    upper: float | None

    @property
    def half_width(self) -> float | None:
        if self.lower is None or self.upper is None:
            return None
        return (self.upper - self.lower) / 2

    def covers(self, value: float) -> bool:
        return self.lower is not None and self.upper is not None and \
            self.lower - 1e-12 <= value <= self.upper + 1e-12


def _measures(t_linked: np.ndarray, t_unlinked: np.ndarray, n_linked: int,
              n_all: int) -> dict[str, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "precision": t_linked / n_linked if n_linked else np.full_like(t_linked, np.nan),
            "recall": t_linked / (t_linked + t_unlinked),
            "match_rate": (t_linked + t_unlinked) / n_all if n_all else
            np.full_like(t_linked, np.nan),
        }


def _draw_totals(strata: Sequence[StratumLabels], matches: Sequence[float],
                 rng: np.random.Generator, draws: int,
                 prior: float) -> tuple[np.ndarray, np.ndarray]:
    """Draws of the total matches in the linked and in the unlinked strata."""
    tl = np.zeros(draws)
    tu = np.zeros(draws)
    for s, a in zip(strata, matches, strict=True):
        b = s.labelled - a
        rest = s.population - s.labelled
        total = np.full(draws, float(a))
        if rest > 0:
            share = rng.beta(a + prior, b + prior, draws)
            total = total + rng.binomial(rest, share)
        if s.kind == LINKED:
            tl += total
        else:
            tu += total
    return tl, tu


def _point(strata: Sequence[StratumLabels]) -> dict[str, float | None]:
    tl = tu = 0.0
    for s in strata:
        # A stratum with no labels takes the prior mean, ½.
        share = (s.match + 0.5 * s.unsure) / s.labelled if s.labelled else 0.5
        if s.kind == LINKED:
            tl += share * s.population
        else:
            tu += share * s.population
    n_linked = sum(s.population for s in strata if s.kind == LINKED)
    n_all = sum(s.population for s in strata)
    m = _measures(np.array([tl]), np.array([tu]), n_linked, n_all)
    return {k: (None if np.isnan(v[0]) else float(v[0])) for k, v in m.items()}


def estimate(strata: Sequence[StratumLabels], rng: np.random.Generator,
             draws: int = DRAWS) -> dict[str, Interval]:
    """Precision, recall and match rate of one pair with 95% intervals (see module doc)."""
    n_linked = sum(s.population for s in strata if s.kind == LINKED)
    n_all = sum(s.population for s in strata)
    point = _point(strata)
    lows: dict[str, list[float]] = {k: [] for k in MEASURES}
    highs: dict[str, list[float]] = {k: [] for k in MEASURES}
    has_unsure = {k: any(s.unsure for s in strata if s.kind == k) for k in (LINKED, UNLINKED)}
    readings = [(lu, uu, c) for lu in (True, False) for uu in (True, False) for c in PRIORS
                if (lu or has_unsure[LINKED]) and (uu or has_unsure[UNLINKED])]
    for linked_unsure_match, unlinked_unsure_match, prior in readings:
        matches = [s.match + (s.unsure if (linked_unsure_match if s.kind == LINKED
                                           else unlinked_unsure_match) else 0)
                   for s in strata]
        tl, tu = _draw_totals(strata, matches, rng, draws, prior)
        for k, v in _measures(tl, tu, n_linked, n_all).items():
            v = v[~np.isnan(v)]
            if len(v):
                lows[k].append(float(np.quantile(v, 0.025)))
                highs[k].append(float(np.quantile(v, 0.975)))
    out = {}
    for k in MEASURES:
        if point[k] is None or not lows[k]:
            out[k] = Interval(None, None, None)
        else:
            out[k] = Interval(point[k], min(lows[k]), max(highs[k]))
    return out


def _variance(strata: Sequence[StratumLabels], sizes: Sequence[float], measure: str) -> float:
    """Delta-method variance of a measure under sample sizes ``sizes`` per stratum, with
    each stratum's share at its Jeffreys posterior mean (never exactly 0 or 1)."""
    share = np.array([(s.match + 0.5 * s.unsure + 0.5) / (s.labelled + 1) for s in strata])
    pop = np.array([s.population for s in strata], dtype=float)
    n = np.minimum(np.maximum(np.asarray(sizes, dtype=float), 1e-9), pop)
    linked = np.array([s.kind == LINKED for s in strata])
    var_t = pop ** 2 * share * (1 - share) / n * np.clip(1 - n / pop, 0, 1)
    t_l = float((pop * share)[linked].sum())
    t_u = float((pop * share)[~linked].sum())
    if measure == "precision":
        d = np.where(linked, 1 / max(pop[linked].sum(), 1), 0.0)
    elif measure == "recall":
        tot = (t_l + t_u) or 1.0
        d = np.where(linked, t_u / tot ** 2, -t_l / tot ** 2)
    else:
        d = np.full(len(strata), 1 / max(pop.sum(), 1))
    return float((d ** 2 * var_t).sum())


def labels_needed(strata: Sequence[StratumLabels], allocation: Sequence[float],
                  measure: str, half_width: float) -> int | None:
    """Total labels for a 95% half-width of ``half_width`` on ``measure``, keeping the
    design's share of labels per stratum (``allocation``, summing to 1) and the shares
    of matches seen so far. ``None`` when even labelling every record would not do."""
    pop = np.array([s.population for s in strata], dtype=float)
    alloc = np.asarray(allocation, dtype=float)
    total = int(pop.sum())
    if total == 0 or (measure == "precision" and not any(s.kind == LINKED for s in strata)):
        return None

    def ok(n: int) -> bool:
        return Z95 * math.sqrt(_variance(strata, np.minimum(alloc * n, pop), measure)) \
            <= half_width

    if not ok(total):
        return None
    lo, hi = 1, total
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def srs_labels_needed(share: float, half_width: float) -> int:
    """Labels for a 95% half-width on a proportion near ``share`` by simple random
    sampling from a large population (Normal approximation): z² p(1 − p) / h²."""
    return math.ceil(Z95 ** 2 * share * (1 - share) / half_width ** 2)
