"""Fellegi–Sunter EM on aggregated agreement patterns (as in fastLink).

A scored pair is reduced to its comparison vector (one level code per comparison, -1 where
either side is null). Pairs with the same vector share a pattern; EM runs on the pattern
counts, so refitting the model on a bootstrap resample costs a few array operations over
the distinct patterns rather than a pass over the pairs. Pure numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: Floor on every m and u (a guard: with :data:`PSEUDO` no estimate reaches it).
FLOOR = 1e-6
#: Pseudo-count added to each (comparison, level)'s expected count among matches and
#: among non-matches in every M-step: the Jeffreys prior Dirichlet(½, …, ½) on m and
#: on u, so that EM finds the posterior mode rather than the maximum likelihood. A level
#: that a resample happens to show in (almost) no match otherwise drives its m to the
#: floor: EM reads the few pairs with that level as non-matches, which makes its m
#: smaller still, and every pair with it loses up to ~9 natural-log units of weight (on
#: the default world's childrens_social_care, 9 of 100 bootstrap replicates had a level's
#: m at the floor, and each moved the match rate, read on the linked model, by 1–7
#: points). Where a level is seen in many matches the prior changes nothing that shows.
PSEUDO = 0.5


@dataclass(frozen=True)
class Patterns:
    """Distinct comparison vectors and, for each pair, the index of its pattern."""

    vectors: npt.NDArray[np.int8]  # patterns × comparisons
    index: npt.NDArray[np.int64]  # one per pair

    @property
    def levels(self) -> list[int]:
        """Number of non-null levels of each comparison (its largest code + 1)."""
        if self.vectors.size == 0:
            return [1] * self.vectors.shape[1]
        return [int(max(self.vectors[:, c].max(), 0)) + 1
                for c in range(self.vectors.shape[1])]


def patterns(gamma: npt.NDArray[np.int8]) -> Patterns:
    """Group pairs by comparison vector."""
    if gamma.shape[0] == 0:
        return Patterns(np.zeros((0, gamma.shape[1]), dtype=np.int8),
                        np.zeros(0, dtype=np.int64))
    vectors, index = np.unique(gamma, axis=0, return_inverse=True)
    return Patterns(vectors.astype(np.int8), np.asarray(index, dtype=np.int64).ravel())


@dataclass(frozen=True)
class Design:
    """Patterns one-hot encoded: one column per (comparison, level); a null is no column."""

    onehot: npt.NDArray[np.float64]  # patterns × levels
    #: Comparison of each column.
    owner: npt.NDArray[np.int64]
    comparisons: int


def design(vectors: npt.NDArray[np.int8], levels: list[int]) -> Design:
    """The one-hot design of ``vectors``."""
    offsets = np.r_[0, np.cumsum(levels)].astype(np.int64)
    x = np.zeros((len(vectors), int(offsets[-1])))
    for c in range(vectors.shape[1]):
        g = vectors[:, c].astype(np.int64)
        seen = np.flatnonzero(g >= 0)
        x[seen, offsets[c] + g[seen]] = 1.0
    owner = np.repeat(np.arange(len(levels)), levels)
    return Design(x, owner, len(levels))


@dataclass(frozen=True)
class Model:
    """log m and log u per (comparison, level) column, and λ within the scored pairs."""

    log_m: npt.NDArray[np.float64]
    log_u: npt.NDArray[np.float64]
    lam: float


def log_odds(model: Model, d: Design) -> npt.NDArray[np.float64]:
    """The natural-log posterior odds of a match of each pattern under ``model``."""
    return -(d.onehot @ (model.log_u - model.log_m) + math.log1p(-model.lam)
             - math.log(model.lam))


def posterior(model: Model, d: Design) -> npt.NDArray[np.float64]:
    """ζ, the match probability of each pattern under ``model``."""
    return 1.0 / (1.0 + np.exp(np.clip(-log_odds(model, d), -700, 700)))


def _normalise(tot: npt.NDArray[np.float64], d: Design) -> npt.NDArray[np.float64]:
    p = np.maximum(tot, 0.0)
    sums = np.bincount(d.owner, weights=p, minlength=d.comparisons)[d.owner]
    p = np.maximum(np.where(sums > 0, p / np.where(sums > 0, sums, 1.0), 0.0), FLOOR)
    sums = np.bincount(d.owner, weights=p, minlength=d.comparisons)[d.owner]
    return np.log(p / sums)


def m_step(d: Design, counts: npt.NDArray[np.float64], zeta: npt.NDArray[np.float64]
           ) -> Model:
    """m, u and λ from pattern counts and their match probabilities."""
    wm, wu = counts * zeta, counts * (1 - zeta)
    total = counts.sum()
    lam = float(wm.sum() / total) if total > 0 else 0.5
    return Model(_normalise(wm @ d.onehot + PSEUDO, d), _normalise(wu @ d.onehot + PSEUDO, d),
                 min(max(lam, 1e-12), 1 - 1e-12))


def em(d: Design, counts: npt.NDArray[np.float64], start: npt.NDArray[np.float64] | Model,
       max_iter: int = 500, tol: float = 1e-7) -> Model:
    """EM to convergence from ``start`` (pattern match probabilities, or a model)."""
    model = start if isinstance(start, Model) else m_step(d, counts, start)
    for _ in range(max_iter):
        new = m_step(d, counts, posterior(model, d))
        if abs(new.lam - model.lam) <= tol * max(model.lam, 1e-12) and \
                np.max(np.abs(np.exp(new.log_m) - np.exp(model.log_m)), initial=0.0) <= tol:
            return new
        model = new
    return model


# --- the linked model's own procedure: u fixed, m by EM sessions, λ self-consistent -----

@dataclass(frozen=True)
class Session:
    """One EM session: the patterns its blocking rule admits, and the design columns it
    trains (those of comparisons outside the rule; the rule's own are deactivated)."""

    patterns: npt.NDArray[np.bool_]
    active: npt.NDArray[np.bool_]


def session_em(d: Design, counts: npt.NDArray[np.float64], sessions: list[Session],
               log_u: npt.NDArray[np.float64], log_m: npt.NDArray[np.float64],
               total_pairs: float, max_iter: int = 100, tol: float = 1e-7
               ) -> Model:
    """Retrain m as the linked model was trained: u fixed, one EM per session over its
    active comparisons (m of a comparison averaged over the sessions that train it; a
    comparison no session trains keeps ``log_m``), then λ such that λ × ``total_pairs``
    equals the expected matches among the patterns counted."""
    trained = np.zeros_like(log_m)
    times = np.zeros_like(log_m)
    for s in sessions:
        x = d.onehot[s.patterns][:, s.active]
        n = counts[s.patterns]
        if n.sum() <= 0 or not s.active.any():
            continue
        lu, lm = log_u[s.active], log_m[s.active].copy()
        lam = 0.5
        owner = d.owner[s.active]
        for _ in range(max_iter):
            diff = x @ (lu - lm) + math.log1p(-lam) - math.log(lam)
            zeta = 1.0 / (1.0 + np.exp(np.clip(diff, -700, 700)))
            wm = n * zeta
            tot = np.maximum(wm @ x, 0.0) + PSEUDO
            sums = np.bincount(owner, weights=tot)[owner]
            p = np.maximum(np.where(sums > 0, tot / np.where(sums > 0, sums, 1), 0), FLOOR)
            p = p / np.bincount(owner, weights=p)[owner]
            new_lm = np.log(p)
            new_lam = min(max(float(wm.sum() / n.sum()), 1e-12), 1 - 1e-12)
            done = np.max(np.abs(np.exp(new_lm) - np.exp(lm)), initial=0.0) <= tol
            lm, lam = new_lm, new_lam
            if done:
                break
        trained[s.active] += np.exp(lm)
        times[s.active] += 1
    m = np.where(times > 0, trained / np.maximum(times, 1), np.exp(log_m))
    lm_final = np.log(np.maximum(m, FLOOR))
    bf = d.onehot @ (lm_final - log_u)  # natural-log Bayes factor of each pattern
    lam = 1e-4
    for _ in range(200):
        odds = np.exp(np.clip(bf + math.log(lam) - math.log1p(-lam), -700, 700))
        new = min(max(float((counts * odds / (1 + odds)).sum()) / max(total_pairs, 1.0),
                      1e-15), 0.5)
        if abs(new - lam) <= 1e-10 * lam:
            lam = new
            break
        lam = new
    return Model(lm_final, log_u, lam)


@dataclass(frozen=True)
class Spec:
    """The linked model on the design's columns: log u and log m per (comparison, level)
    code, and each session as {comparison column: code of its exact level}."""

    log_u: npt.NDArray[np.float64]
    log_m: npt.NDArray[np.float64]
    sessions: list[dict[int, int]]


def spec_from_model(model: dict[str, Any], info: list[tuple[str, npt.NDArray[np.float64]]],
                    sessions: list[frozenset[str]]) -> Spec | None:
    """Match each level code (named by its match weight) to the model's level with that
    weight, for its m and u (a level without them: see below); None if a code has no
    level and its comparison no trained level either (the refit then runs free)."""
    comps = {c.get("output_column_name"): c for c in model.get("comparisons", [])}
    log_u: list[float] = []
    log_m: list[float] = []
    exact: dict[str, int] = {}
    for name, weights in info:
        levels = [lv for lv in comps.get(name, {}).get("comparison_levels", [])
                  if not lv.get("is_null_level") and lv.get("m_probability")
                  and lv.get("u_probability")]
        table = [(math.log2(lv["m_probability"] / lv["u_probability"]), lv) for lv in levels]
        # Levels EM never observed are scored with Splink's default m: their weight
        # matches no trained level. Such a code takes the median u of those levels and
        # the m its weight implies.
        spare = [lv["u_probability"] for lv in comps.get(name, {}).get(
            "comparison_levels", []) if not lv.get("is_null_level")
            and not lv.get("m_probability") and lv.get("u_probability")]
        # A level neither EM nor u sampling met (names swapped, where no sampled pair
        # had them) has neither m nor u, yet scored pairs may reach it (Splink scores
        # them with its defaults): u sampling never met it, so it is taken as rare as
        # the rarest level it did meet, with the m its weight implies. Without it the
        # refit ran free EM on the truncated candidates, whose match class absorbs
        # non-matches (historical_50k seed 1: 19,230 expected matches among the
        # candidates of 5,156 left records, a rate of 98.9% against the linked 75.3%).
        if not spare and table:
            spare = [min(lv["u_probability"] for _, lv in table)]
        for code, w in enumerate(weights):
            hit = [lv for lw, lv in table if abs(lw - w) < 1e-6]
            if hit:
                log_u.append(math.log(hit[0]["u_probability"]))
                log_m.append(math.log(hit[0]["m_probability"]))
                if str(hit[0].get("label_for_charts", "")).lower() == "exact":
                    exact[name] = code
            elif spare:
                u = float(np.median(spare))
                log_u.append(math.log(u))
                log_m.append(math.log(min(u * 2.0 ** w, 1.0)))
            else:
                return None
    cols = {name: j for j, (name, _) in enumerate(info)}
    out = []
    for used in sessions:
        if all(u in exact and u in cols for u in used):
            out.append({cols[u]: exact[u] for u in used})
    return Spec(np.array(log_u), np.array(log_m), out)


def sessions_on(d: Design, vectors: npt.NDArray[np.int8], spec: Spec) -> list[Session]:
    """The sessions of ``spec`` as pattern masks and active design columns."""
    out = []
    for fixed in spec.sessions:
        mask = np.ones(len(vectors), dtype=bool)
        for col, code in fixed.items():
            mask &= vectors[:, col] == code
        out.append(Session(mask, ~np.isin(d.owner, list(fixed))))
    return out
