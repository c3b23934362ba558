"""A stylised world for checking the review estimator, independent of linkready's
generator and linker: stratum sizes and true match shares are drawn directly, the truth
is known exactly, and labels come from it (optionally with wrong and unsure labels).

Used by the coverage test (tests/review) and the benchmark (benchmarks/bench_review.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkready.review._design import allocate, draw
from linkready.review._estimate import LINKED, UNLINKED, Interval, StratumLabels, estimate

#: (stratum, kind, population range, true match share range, the model's guess).
STRATA: tuple[tuple[str, str, tuple[int, int], tuple[float, float], float], ...] = (
    ("linked_top", LINKED, (800, 3000), (0.93, 1.0), 0.9995),
    ("linked_mid", LINKED, (50, 400), (0.55, 0.95), 0.995),
    ("linked_low", LINKED, (50, 300), (0.3, 0.85), 0.95),
    ("linked_nhs_below", LINKED, (0, 60), (0.4, 1.0), 0.5),
    ("unlinked_high", UNLINKED, (20, 200), (0.2, 0.7), 0.7),
    ("unlinked_mid", UNLINKED, (50, 400), (0.05, 0.35), 0.3),
    ("unlinked_low", UNLINKED, (100, 800), (0.0, 0.12), 0.05),
    ("unlinked_none", UNLINKED, (500, 4000), (0.0, 0.04), 0.01),
)
TARGET = (0.80, 0.97)


@dataclass(frozen=True)
class SimWorld:
    """Per stratum: population and the match flag of every record."""

    populations: dict[str, int]
    kinds: dict[str, str]
    matches: dict[str, np.ndarray]
    guesses: dict[str, float]

    def truth(self) -> dict[str, float]:
        tl = sum(int(m.sum()) for k, m in self.matches.items() if self.kinds[k] == LINKED)
        tu = sum(int(m.sum()) for k, m in self.matches.items() if self.kinds[k] == UNLINKED)
        nl = sum(n for k, n in self.populations.items() if self.kinds[k] == LINKED)
        return {"precision": tl / nl, "recall": tl / (tl + tu),
                "match_rate": (tl + tu) / sum(self.populations.values())}


def world(rng: np.random.Generator, target: tuple[float, float] = TARGET) -> SimWorld:
    """A world whose true precision and recall both lie in ``target`` (rejection)."""
    while True:
        pops, kinds, matches, guesses = {}, {}, {}, {}
        for sid, kind, (lo, hi), (slo, shi), guess in STRATA:
            n = int(rng.integers(lo, hi + 1))
            share = rng.uniform(slo, shi)
            flags = np.zeros(n, dtype=bool)
            flags[rng.choice(n, size=round(n * share), replace=False)] = True
            pops[sid], kinds[sid], matches[sid], guesses[sid] = n, kind, flags, guess
        w = SimWorld(pops, kinds, matches, guesses)
        t = w.truth()
        if all(target[0] <= t[k] <= target[1] for k in ("precision", "recall")):
            return w


def label_sample(w: SimWorld, size: int, rng: np.random.Generator, *, wrong: float = 0.0,
                 unsure: float = 0.0) -> list[StratumLabels]:
    """Draw the stratified sample with linkready's allocation and draw, and label it from
    the truth: a share ``wrong`` of labels flipped, a share ``unsure`` marked unsure."""
    ids = [f"{sid}:{i:06d}" for sid, n in w.populations.items() for i in range(n)]
    strata = pd.Series([i.split(":")[0] for i in ids])
    best = pd.DataFrame({"record_id_l": ids})
    flag = dict(zip(ids, np.concatenate([w.matches[s] for s in w.populations]), strict=True))
    sizes = allocate(w.populations, w.guesses, size)
    sample = draw(best, strata, sizes, rng)
    counts = {sid: [0, 0, 0] for sid in w.populations}
    for rid, sid in zip(sample["record_id_l"], sample["stratum"], strict=True):
        is_match = bool(flag[rid])
        if rng.random() < wrong:
            is_match = not is_match
        k = 2 if rng.random() < unsure else (0 if is_match else 1)
        counts[sid][k] += 1
    return [StratumLabels(sid, w.kinds[sid], w.populations[sid], *counts[sid])
            for sid in w.populations if w.populations[sid]]


def coverage(repetitions: int, size: int, seed: int, *, wrong: float = 0.0,
             unsure: float = 0.0, draws: int = 2000) -> dict[str, dict[str, float]]:
    """Share of repetitions whose interval covers the truth, and the median half-width,
    for precision, recall and match rate: one new world and one sample per repetition."""
    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {"precision": [], "recall": [], "match_rate": []}
    widths: dict[str, list[float]] = {k: [] for k in hits}
    for _ in range(repetitions):
        w = world(rng)
        est: dict[str, Interval] = estimate(
            label_sample(w, size, rng, wrong=wrong, unsure=unsure), rng, draws=draws)
        for k, v in w.truth().items():
            hits[k].append(est[k].covers(v))
            widths[k].append(est[k].half_width or 0.0)
    return {k: {"coverage": float(np.mean(hits[k])),
                "median_half_width": float(np.median(widths[k]))} for k in hits}
