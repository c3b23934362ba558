"""Label-free estimates from a model's scored pairs: a self-consistent prior, calibrated
match probabilities, and the expected match rate with an uncertainty interval.

Pure numpy/pandas: no database, no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from linkready.privacy import SUPPRESSED, is_small, safe_rate

Z95 = 1.959963984540054
#: Best-candidate probabilities strictly inside this range count as "uncertain".
UNSURE = (0.1, 0.9)


def log2_odds(p: float) -> float:
    """log2(p / (1 − p))."""
    return math.log2(p / (1 - p))


def probabilities(log2_bf: npt.NDArray[np.float64], prior: float) -> npt.NDArray[np.float64]:
    """Match probability of each pair from its Bayes factor (log2) and the prior λ."""
    w = log2_bf + log2_odds(prior)
    return 1.0 / (1.0 + np.exp2(-np.clip(w, -60, 60)))


def refine_prior(log2_bf: npt.NDArray[np.float64], total_pairs: int, prior: float,
                 max_iter: int = 200, tol: float = 1e-12) -> float:
    """λ such that λ × all possible pairs equals the sum of match probabilities.

    This is the EM update for λ alone, with m and u held fixed; pairs outside the
    blocked set are taken as non-matches (their probabilities are negligible). It frees
    the prior from the recall assumed for the deterministic rules that seeded it.
    """
    if total_pairs <= 0 or len(log2_bf) == 0:
        return prior
    lam = prior
    for _ in range(max_iter):
        new = float(probabilities(log2_bf, lam).sum()) / total_pairs
        new = min(max(new, 1e-15), 0.5)
        if abs(new - lam) <= tol * max(lam, 1e-15):
            return new
        lam = new
    return lam


@dataclass(frozen=True)
class ExpectedRate:
    """Expected share of left records with a match in right, and its 95% interval."""

    estimate: float
    lower: float
    upper: float
    method: str
    expected_records: float
    #: The same estimate if a record's candidate pairs were independent events.
    independent: float = 0.0
    #: Share of left records whose best candidate has 0.1 < q < 0.9: the model is unsure.
    uncertain_share: float = 0.0
    #: The counts behind ``uncertain_share`` (for disclosure control in :meth:`as_dict`).
    uncertain_records: int = 0
    left_records: int = 0

    def as_dict(self) -> dict[str, object]:
        """The published form. ``uncertain_share`` is a share of records, so it goes
        through :func:`~linkready.privacy.safe_rate`; the expected rate is a sum of
        probabilities, not a count, but where the expected number of matched (or
        unmatched) records rounds to 1–7 it would stand for a small count, so the
        estimate, its interval and the sensitivity figure are shown as ``*``."""
        n = self.left_records
        small = n > 0 and (is_small(round(self.expected_records))
                           or is_small(round(n - self.expected_records)))
        return {"estimate": SUPPRESSED if small else self.estimate,
                "lower": SUPPRESSED if small else self.lower,
                "upper": SUPPRESSED if small else self.upper,
                "method": self.method,
                "uncertain_share": (safe_rate(self.uncertain_records, n) if n
                                    else self.uncertain_share),
                "sensitivity": {"independent_pairs": SUPPRESSED if small
                                else self.independent}}


METHOD_NOTE = (
    "For each left record, the probability that it has a match in right is taken as "
    "the largest match probability among its candidate pairs (pairs are not independent "
    "events: a record matches one person, so summing or compounding them over-counts "
    "households and twins). These are summed over left records with no candidate pair "
    "counting 0, and divided by left_records. The prior λ is first refined so that "
    "λ × possible pairs equals the sum of match probabilities (EM on λ with m and u "
    "fixed). The 95% interval is Normal on the Poisson-binomial variance Σ q(1 − q) of "
    "the per-record probabilities q: it reflects chance given the model, not error in "
    "the model's m and u."
)


def per_left_probability(left_ids: npt.ArrayLike, p: npt.ArrayLike) -> pd.Series:
    """q for each left record with a candidate pair: the largest of its match
    probabilities."""
    frame = pd.DataFrame({"id": np.asarray(left_ids), "p": np.asarray(p, dtype=float)})
    return frame.groupby("id", sort=False)["p"].max()


def expected_match_rate(left_ids: npt.ArrayLike, p: npt.ArrayLike,
                        left_records: int) -> ExpectedRate:
    """The label-free expected match rate (see :data:`METHOD_NOTE`)."""
    if left_records <= 0:
        return ExpectedRate(0.0, 0.0, 0.0, METHOD_NOTE, 0.0)
    q = per_left_probability(left_ids, p).to_numpy()
    expected = float(q.sum())
    var = float((q * (1 - q)).sum())
    rate = expected / left_records
    half = Z95 * math.sqrt(var) / left_records
    frame = pd.DataFrame({"id": np.asarray(left_ids),
                          "l": np.log1p(-np.minimum(np.asarray(p, dtype=float), 1 - 1e-15))})
    independent = float((1 - np.exp(frame.groupby("id", sort=False)["l"].sum())).sum())
    n_uncertain = int(((q > UNSURE[0]) & (q < UNSURE[1])).sum())
    return ExpectedRate(rate, max(0.0, rate - half), min(1.0, rate + half), METHOD_NOTE,
                        expected, independent / left_records, n_uncertain / left_records,
                        n_uncertain, left_records)


def rate_at_threshold(left_ids: npt.ArrayLike, p: npt.ArrayLike, threshold: float,
                      left_records: int) -> tuple[int, float]:
    """Distinct left records with a pair at or above ``threshold``, and their share."""
    ids = np.asarray(left_ids)[np.asarray(p) >= threshold]
    n = len(np.unique(ids))
    return n, (n / left_records if left_records else 0.0)
