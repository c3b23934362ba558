"""The sampling design: every left record of a pair in one stratum, sizes per stratum,
and a seeded draw. Pure pandas/numpy.

Strata (left records, the unit of ``evaluate``):

- linked, by the match probability of the record's best link: ≥ 0.999, 0.99–0.999,
  threshold–0.99, and "linked by NHS number, scored below the threshold";
- unlinked with a candidate pair in ``links.parquet`` (probability ≥ 0.01), by the
  probability of the best candidate: 0.5–threshold (just below it), 0.1–0.5, 0.01–0.1;
- unlinked with no candidate at or above 0.01: shown with their nearest neighbour by a
  loose rule (see :mod:`linkready.review._neighbours`), or missed matches hidden here
  would never be seen and recall would be overstated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from linkready.review._estimate import LINKED, UNLINKED

#: Below this the pair is not in links.parquet (see linkready.link.pair).
CANDIDATE_MIN = 0.01
#: Labels every non-empty stratum gets before the rest is shared out (fewer if smaller).
MIN_PER_STRATUM = 5
#: Floor on a stratum's assumed share variance p(1 − p) in the allocation, so strata the
#: model calls certain still get labels (the model may be wrong: that is what review
#: checks).
VARIANCE_FLOOR = 0.0475
#: Assumed match share of the no-candidate stratum for the allocation.
NO_CANDIDATE_GUESS = 0.01


@dataclass(frozen=True)
class StratumDef:
    """One stratum: which left records fall in it."""

    id: str
    kind: str
    label: str
    #: Best-link or best-candidate probability range [low, high); None for no candidate.
    low: float | None
    high: float | None


def strata_for(threshold: float) -> list[StratumDef]:
    """The strata for a pair linked at ``threshold``, top band first."""
    out: list[StratumDef] = []
    cuts = [c for c in (0.99, 0.999) if c > threshold]
    edges = [threshold, *cuts, 1.0000001]
    for lo, hi in reversed(list(pairwise(edges))):
        top = "1" if hi > 1 else f"{hi:g}"
        out.append(StratumDef(f"linked_{lo:g}_{top}", LINKED,
                              f"linked, best link p {lo:g}–{top}", lo, hi))
    out.append(StratumDef("linked_nhs_below_threshold", LINKED,
                          "linked by NHS number, scored below the threshold", 0.0, threshold))
    below = [c for c in (0.1, 0.5) if CANDIDATE_MIN < c < threshold]
    edges = [CANDIDATE_MIN, *below, threshold]
    for lo, hi in reversed(list(pairwise(edges))):
        out.append(StratumDef(f"unlinked_{lo:g}_{hi:g}", UNLINKED,
                              f"unlinked, best candidate p {lo:g}–{hi:g}", lo, hi))
    out.append(StratumDef("unlinked_no_candidate", UNLINKED,
                          f"unlinked, no candidate with p ≥ {CANDIDATE_MIN:g} (nearest "
                          "neighbour shown)", None, None))
    return out


def best_per_left(left_ids: pd.Series, links: pd.DataFrame) -> pd.DataFrame:
    """One row per left record: ``record_id_l``, ``linked``, ``record_id_r`` (best link,
    else best candidate, else missing) and ``p`` (its probability; a deterministic link
    never scored counts as 1, as in ``evaluate``).

    ``links`` holds the rows of links.parquet for this pair only."""
    score = links["match_probability"].astype(float).fillna(1.0)
    ranked = links.assign(_p=score, _linked=links["linked"].astype(bool)).sort_values(
        ["record_id_l", "_linked", "_p", "record_id_r"], ascending=[True, False, False, True])
    best = ranked.drop_duplicates("record_id_l")[["record_id_l", "_linked", "record_id_r",
                                                   "_p"]]
    base = pd.DataFrame({"record_id_l": left_ids.astype(str).sort_values().to_numpy()})
    out = base.merge(best, how="left", on="record_id_l")
    return pd.DataFrame({"record_id_l": out["record_id_l"],
                         "linked": out["_linked"].fillna(False).astype(bool),
                         "record_id_r": out["record_id_r"],
                         "p": out["_p"].astype(float)})


def assign_strata(best: pd.DataFrame, threshold: float) -> pd.Series:
    """The stratum id of every row of :func:`best_per_left`."""
    out = pd.Series(index=best.index, dtype=object)
    for s in strata_for(threshold):
        if s.kind == LINKED:
            hit = best["linked"] & (best["p"] >= s.low) & (best["p"] < s.high)
        elif s.low is None:
            hit = ~best["linked"] & ~(best["p"] >= CANDIDATE_MIN)
        else:
            hit = ~best["linked"] & (best["p"] >= s.low) & (best["p"] < s.high)
        out[hit & out.isna()] = s.id
    return out


def allocate(populations: dict[str, int], guesses: dict[str, float], size: int) -> dict[str, int]:
    """Labels per stratum: at least :data:`MIN_PER_STRATUM` each (or all of a smaller
    stratum; fewer when ``size`` cannot give every stratum that many), the rest in
    proportion to N_h·√max(p_h(1 − p_h), floor) — Neyman allocation on the model's guess
    p_h of the stratum's match share — never more than N_h."""
    ids = [k for k, n in populations.items() if n > 0]
    n = {k: 0 for k in populations}
    budget = min(size, sum(populations[k] for k in ids))
    floor = min(MIN_PER_STRATUM, budget // len(ids)) if ids else 0
    if floor == 0:  # fewer labels than strata: one each to the largest
        for k in sorted(ids, key=lambda k: (-populations[k], k))[:budget]:
            n[k] = 1
        return n
    for k in ids:
        n[k] = min(populations[k], floor)
    weight = {k: populations[k] * math.sqrt(max(guesses.get(k, 0.5) * (1 - guesses.get(k, 0.5)),
                                                VARIANCE_FLOOR)) for k in ids}
    while sum(n.values()) < budget:
        open_ = [k for k in ids if n[k] < populations[k]]
        left = budget - sum(n.values())
        total_w = sum(weight[k] for k in open_)
        # Largest remainder on the remaining budget, capped at each stratum's size.
        want = {k: left * weight[k] / total_w for k in open_}
        step = {k: min(populations[k] - n[k], math.floor(want[k])) for k in open_}
        if not any(step.values()):
            k = max(open_, key=lambda k: (want[k], k))
            step[k] = 1
        for k in open_:
            n[k] += step[k]
    return n


def draw(best: pd.DataFrame, strata: pd.Series, sizes: dict[str, int],
         rng: np.random.Generator) -> pd.DataFrame:
    """The sampled rows of ``best`` with a ``stratum`` column, in a random order (so a
    reviewer cannot tell the stratum from the position)."""
    parts = []
    for sid, n in sizes.items():
        rows = best[strata == sid].sort_values("record_id_l")
        if n and len(rows):
            pick = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
            parts.append(rows.iloc[np.sort(pick)].assign(stratum=sid))
    if not parts:
        return best.head(0).assign(stratum=pd.Series(dtype=object))
    sample = pd.concat(parts, ignore_index=True)
    return sample.iloc[rng.permutation(len(sample))].reset_index(drop=True)
