"""Label-free estimates from a model's scored pairs: a self-consistent prior, calibrated
match probabilities, and the expected match rate with an uncertainty interval.

Pure numpy/pandas: no database, no files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from linkready.publish import Count, Expected, Rate, Value, records_rest

if TYPE_CHECKING:
    from linkready.link import refit

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
        """The exact tree (figures of :mod:`linkready.publish`, which publishes it).
        ``uncertain_share`` is a share of records; the expected rate is a sum of
        probabilities, not a count, but where the expected number of matched (or
        unmatched) records rounds to 1–7 it would stand for a small count, so under
        control the estimate, its interval and the sensitivity figure are ``*``."""
        n = self.left_records
        rest = records_rest(self.expected_records, n)
        return {"estimate": Value(self.estimate, rest, None),
                "lower": Value(self.lower, rest, None),
                "upper": Value(self.upper, rest, None),
                "method": self.method,
                "uncertain_share": (Rate(self.uncertain_records, n) if n
                                    else self.uncertain_share),
                "sensitivity": {"independent_pairs": Value(self.independent, rest, None)}}


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


# ---------------------------------------------------------------------------------------
# Honest estimates: blocking recall, false links and an interval for model uncertainty.
# ---------------------------------------------------------------------------------------

#: Bootstrap replicates for the model-uncertainty interval.
BOOTSTRAP_REPLICATES = 100
Q_LO, Q_HI = 0.025, 0.975


@dataclass(frozen=True)
class Interval:
    """A figure from the linked model (``estimate``), the same figure from the model
    refitted on agreement patterns (``refit``), and the interval around both."""

    estimate: float
    lower: float
    upper: float
    refit: float
    #: The interval from chance alone given the linked model (Poisson-binomial).
    chance_lower: float
    chance_upper: float

    @property
    def width(self) -> float:
        return self.upper - self.lower


@dataclass(frozen=True)
class Honest:
    """Label-free figures for one pair, each with an interval (see :data:`HONEST_NOTE`)."""

    #: Share of left records expected to have a match in right, blocking misses included.
    match_rate: Interval
    #: Share of the expected matches that the production blocking rules compare.
    blocking_recall: Interval
    #: Expected share of accepted links (best link at p ≥ threshold) that are false.
    false_share: Interval
    #: The same, as a number of left records.
    false_links: float
    accepted: int
    #: Share of left records expected to be matched among the candidate pairs only.
    blocked_rate: float
    #: Expected share of left records whose match no production rule compared.
    missed_by_blocking: float
    left_records: int
    sample_records: int
    replicates: int
    patterns: int
    #: The model-free check, and whether it widened the match-rate / false-link interval.
    decoy: DecoyCheck | None = None
    widened_rate: bool = False
    widened_false: bool = False
    #: The completeness sensitivity bound that raised the upper end (records).
    gap: CompletenessGap | None = None
    #: The refitted model's figures were set aside: the model-free check contradicts
    #: them (see :func:`refit_contradicted`).
    refit_set_aside: bool = False
    #: The match-rate interval from the bootstrap, the two fits and chance alone, before
    #: the model-free check and the completeness gap (for decomposing its width).
    model_interval: tuple[float, float] = (0.0, 0.0)
    #: The grey-zone worst case that raised the upper end (see :class:`GreyZone`).
    grey: GreyZone | None = None
    #: Expected share of left records whose match no production rule could compare
    #: because of blank fields (:data:`MISSING_NOTE`); part of ``match_rate``.
    missed_by_missing: float = 0.0
    #: The field model's reading of the share of left records whose match blocking
    #: missed (:data:`FIELD_NOTE`), and whether it is used (it exceeds the diagnostic's).
    missed_by_field_model: float = 0.0
    field_model_used: bool = False
    #: How far the label-free signals say the point estimate may be from the truth
    #: (:class:`PointCheck`, :data:`POINT_NOTE`).
    point: PointCheck | None = None

    def rate_dict(self, chance: ExpectedRate) -> dict[str, object]:
        """The expected match rate as an exact tree (:mod:`linkready.publish`):
        estimate, interval (what it covers is in ``interval``), the figure among
        candidate pairs only, and the chance-only interval as a secondary figure; under
        control ``*`` where it stands for 1–7 records (matched or not)."""
        r = self.match_rate
        n = self.left_records
        rest = records_rest(r.estimate * n, n) + records_rest(chance.expected_records, n)

        def show(x: float) -> Value:
            return Value(x, rest, None)

        return {"estimate": show(r.estimate), "lower": show(r.lower),
                "upper": show(r.upper),
                "interval": INTERVAL_NAME,
                "widened_by_check": self.widened_rate,
                "refit_set_aside_by_check": self.refit_set_aside,
                "model_free_check": (self.decoy.as_dict(self.left_records)
                                     if self.decoy else None),
                "completeness_gap": (self.gap.as_dict(self.left_records)
                                     if self.gap else None),
                "grey_zone": (self.grey.as_dict(self.left_records)
                              if self.grey else None),
                "point_estimate": (self.point.as_dict() if self.point else None),
                "method": HONEST_NOTE,
                "refit_estimate": show(r.refit),
                "model_interval": {"lower": show(self.model_interval[0]),
                                   "upper": show(self.model_interval[1])},
                "among_candidates": show(self.blocked_rate),
                "missed_by_blocking": show(self.missed_by_blocking),
                "missed_by_missing_fields": show(self.missed_by_missing),
                "chance_only": {"lower": show(chance.lower), "upper": show(chance.upper),
                                "method": METHOD_NOTE},
                "bootstrap_replicates": self.replicates}

    def recall_dict(self, rules: list[str], scored: int) -> dict[str, object]:
        """The blocking-recall estimate as an exact tree (:mod:`linkready.publish`)."""
        r = self.blocking_recall
        matches = self.match_rate.estimate * self.left_records
        return {"estimate": r.estimate, "lower": r.lower, "upper": r.upper,
                "refit_estimate": r.refit,
                "method": ("expected matches among the production candidates ÷ expected "
                           "matches among production and diagnostic candidates, over a "
                           "seeded sample of left records, then × the share of matches "
                           "not lost to blank fields (missing_fields); interval from the "
                           "same bootstrap as the match rate (the field model re-read in "
                           "each replicate), with the binomial chance spread of the "
                           "realised recall √(r(1 − r)/M), M the expected matches, added "
                           "in quadrature"),
                "expected_matches": Expected(matches),
                "perfect_blocking_lower": Value(perfect_blocking_lower(matches),
                                                (round(matches),), None),
                "sample_records": Count(self.sample_records),
                "missing_fields": self.missing_dict(),
                "field_model": self.field_dict(),
                "diagnostic_rules": rules,
                "diagnostic_pairs_scored": Count(scored)}

    def missing_dict(self) -> dict[str, object]:
        """The part of the blocking misses due to blank fields (:data:`MISSING_NOTE`)
        as an exact tree: under control the share is ``*`` where the records it stands
        for round to 1–7."""
        n = self.left_records
        records = self.missed_by_missing * n
        total = self.match_rate.estimate
        return {"expected_records": Expected(records),
                "share_of_left": Value(self.missed_by_missing, (round(records),), None),
                "share_of_matches": Value(self.missed_by_missing / total if total > 0
                                          else 0.0, (round(records),), None),
                "method": MISSING_NOTE}

    def field_dict(self) -> dict[str, object]:
        """The field model's reading of the blocking misses (:data:`FIELD_NOTE`) as an
        exact tree: under control ``*`` where the records it stands for round to 1–7."""
        records = self.missed_by_field_model * self.left_records
        matches = self.blocked_rate + self.missed_by_field_model
        rest = (round(records),)
        return {"expected_records": Expected(records),
                "share_of_left": Value(self.missed_by_field_model, rest, None),
                "recall": Value(self.blocked_rate / matches if matches > 0 else 1.0,
                                rest, None),
                "used": self.field_model_used,
                "method": FIELD_NOTE}

    def false_dict(self) -> dict[str, object]:
        """The false-link estimate at the threshold as an exact tree
        (:mod:`linkready.publish`): under control ``*`` where it rests on 1–7 accepted
        records, the shares also where the expected false links round to 1–7."""
        f = self.false_share
        a = self.accepted
        both = (a, round(self.false_links))
        return {"expected": Expected(self.false_links, (a,)),
                "share": Value(f.estimate, both, None),
                "lower": Value(f.lower, (a,), None),
                "upper": Value(f.upper, (a,), None),
                "refit_share": Value(f.refit, both, None),
                "accepted_records": Count(a),
                "widened_by_check": self.widened_false,
                "method": ("Σ(1 − q) over left records whose best link has q ≥ the "
                           "threshold (Fellegi–Sunter posterior form, as in fastLink); "
                           "share = that ÷ accepted records; interval as for the match "
                           "rate, widened to the model-free check's false links from "
                           "records without a match where it lies outside")}


MISSING_NOTE = (
    "Matches no production rule could compare because of blank fields. A rule compares a "
    "pair only where every field it uses is filled on both records. Left and right records are "
    "grouped by which blocking fields they leave blank; for each left pattern a, s(a) is the "
    "share of right records with which at least one production rule is possible. Assumption: a "
    "left record's match leaves fields blank as right records in general do (its pattern is "
    "drawn from right's, independently of the left record's). Then pattern a finds a share s(a) "
    "of its matches: its expected matches among candidates (Σq, divided by the agreement-driven "
    "blocking recall of the diagnostic sample) ÷ s(a) estimates all of them, and the rest were "
    "lost. A pattern with s(a) < 0.5 takes the pooled rate of the others instead (its records × "
    "that rate × (1 − s(a))), so that few found matches are not scaled up by a large factor. "
    "The diagnostic pairs that no production rule could compare, given blank fields, are left "
    "out of the agreement-driven misses, so no match counts twice. Where matches in fact share "
    "their blank fields across sources (one person's DOB unknown to both), this overstates the "
    "loss; where blank fields come with other errors, the diagnostic still finds what it can. "
    "Bootstrapped with the rest."
)

FIELD_NOTE = (
    "A second reading of blocking recall, from how each field agrees in matches rather than "
    "from which missed pairs the model finds probable. Each blocking rule is split into atoms "
    "on one field (DOB equal, birth year equal, first letter of a name equal, …). For each "
    "field, among the diagnostic pairs that are probable matches (p ≥ 0.9) on the other fields "
    "alone (the pair's weight without this field's), hold the field on both sides and, under "
    "a loose diagnostic blocking, were brought together by a diagnostic rule that does not use "
    "it, the weighted share of each combination of its atoms is read, pooled and per quality "
    "stratum (the pair's number of blank blocking fields on both sides: 0, 1, 2, 3 or more; a "
    "stratum with under 20 probable pairs takes the pooled reading), since records that leave "
    "fields blank are often those with errors in the rest. Assuming, as the Fellegi–Sunter "
    "model does, that fields err independently in a match (here: within a stratum), the "
    "probability "
    "that some production rule compares a match follows exactly for every pattern of blank "
    "fields (a blank field's atoms are false; right's patterns weighted by their counts); "
    "each left pattern's matches are then its expected matches among candidates ÷ that "
    "probability (pooled below 0.5, as for missing_fields). Atoms over two fields (names "
    "swapped) and rules that need a blank field never count as firing, and a field with too "
    "few probable pairs is read as always agreeing. Both readings tend to see too few "
    "misses, for different reasons: the diagnostic misses matches that look improbable (weak "
    "or blank evidence), the field model misses errors that come together in one person. "
    "The larger is used (used: true where it is this one): expected_match_rate.estimate = "
    "among_candidates + the larger of (missed_by_blocking + missed_by_missing_fields) and "
    "this share_of_left; recall = among_candidates ÷ (among_candidates + this share_of_left) "
    "where used. The atom shares are re-read in each bootstrap replicate, with that "
    "replicate's weights of the sampled records."
)

INTERVAL_NAME = ("model, blocking and chance for the left records in hand (nominal "
                 "95%), widened to the model-free check where that disagrees; upper end "
                 "raised by the completeness gap and the grey zone, lower end lowered by "
                 "the grey zone")

HONEST_NOTE = (
    "Each left record's match probability q is the largest among its candidate pairs. Blocking "
    "recall is estimated without truth on a seeded sample of left records: their pairs from a "
    "deliberately loose diagnostic blocking are scored with the trained model, and a record's "
    "probable match that the production rules never compared adds max(q_diagnostic − q, 0) to the "
    "missed mass. Matches that no production rule could compare because of blank fields are "
    "estimated from the patterns of blank blocking fields (missed_by_missing_fields; see "
    "blocking.estimated_recall.missing_fields). The expected match rate is Σq / left records plus "
    "that missed mass per sampled record plus the matches lost to blank fields per left record, "
    "or, where it sees more misses, plus the field model's (blocking.estimated_recall."
    "field_model: blocking recall from how each field agrees in matches). "
    "False links: Σ(1 − q) over left records whose best link is accepted (q ≥ threshold), "
    "the Fellegi–Sunter posterior form (fastLink). Interval (nominal 95%), for the left records "
    "in hand (a finite population: which records the extract holds is not uncertain): a Poisson "
    "bootstrap over left records refits m, u and λ each time by EM on the agreement-pattern counts "
    "(and re-reads the field model on the diagnostic sample resampled), and each refit's figures "
    "are read on every left record with unit weight (the diagnostic sample's missed mass with its "
    "bootstrap weights, finite-population corrected: no spread when every left record is "
    "sampled); its spread is placed around both the linked model's figure and the refitted "
    "model's figure and the union taken (and, where the field model gives a second reading of the "
    "blocking misses, around the figure by the reading not used: the two rest on different "
    "assumptions), with chance added in quadrature: Σq(1−q) (the finite-population spread of "
    "which records have a match, given q) plus the expected records added for blocking misses "
    "(Poisson: how many of them are real). The records in the grey zone (grey_zone) are left "
    "out of the spread and of the chance term (both are read on the rate less their Σq, "
    "and model_interval is that interval with them at their q): the grey zone's two worst "
    "cases bound them instead. The refit's M-steps add a pseudo-count of ½ per level among "
    "matches and among non-matches (the Jeffreys prior on m and u), so that a level a "
    "resample shows in no match keeps a weight. It covers error in the model's parameters, "
    "disagreement between the two fits and between the two readings of the blocking misses, "
    "blocking misses that the diagnostic rules find or that blank fields explain (and the "
    "sampling of the diagnostic sample), and chance; it does not cover the sampling of the "
    "extract itself (a rate for the process the records come from would be wider by about "
    "±1.96√(p(1−p)/n)), matches that no diagnostic rule brings together for other reasons "
    "(errors in every field a rule uses), nor errors shared by both fits (e.g. "
    "strongly dependent fields). Where the model-free decoy check (model_free_check) disagrees "
    "with that interval by more than the two methods' combined sampling error (the facing "
    "half-widths added in quadrature), the interval is widened to span the check's own interval "
    "too (widened_by_check): the two rest on different assumptions, and their disagreement is "
    "uncertainty the bootstrap cannot see. Where the refitted model's rate lies outside the "
    "check's interval and further from it than the linked model's (refit_set_aside_by_check), the "
    "refit's figures are set aside and the replicates' figures are read on the linked model, "
    "its log-odds moved pattern by pattern by the refit's change in each replicate, so that "
    "the spread is placed around the linked model's figures as its own response to "
    "resampling. Finally the upper end is "
    "raised by the completeness gap (completeness_gap), a "
    "sensitivity bound for matches hidden by errors that come together with missing identifiers, "
    "and by the grey zone (grey_zone): the worst case that every left record the model leaves "
    "unresolved (best candidate with an intermediate probability) has its match; the lower end "
    "is lowered by the grey zone's other worst case, that none of them has."
)


def _group_max(codes: npt.NDArray[np.int64], values: npt.NDArray[np.float64], n: int
               ) -> npt.NDArray[np.float64]:
    """Largest value per code (codes in 0..n−1), 0 where a code has none."""
    out = np.zeros(n)
    np.maximum.at(out, codes, values)
    return out


def _sorted_group_max(starts: npt.NDArray[np.int64], owners: npt.NDArray[np.int64],
                      values: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.float64]:
    """As :func:`_group_max` for values already sorted by owner (``starts`` of groups)."""
    out = np.zeros(n)
    if len(values):
        out[owners] = np.maximum.reduceat(values, starts)
    return out


def _logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    q = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(q) - np.log1p(-q)


def _expit(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700, 700)))


def perfect_blocking_lower(matches: float) -> float:
    """The lower end of the 95% interval of a blocking recall that found every one of
    ``matches`` matches, from chance alone (exact binomial, Clopper–Pearson: all M of M
    found, lower end (α/2)^(1/M)). Where even this is low, the recall reading rests on too
    few matches to tell a blocking that misses nothing from one that misses many: on M
    expected matches a recall reading cannot be told above p unless (α/2)^(1/M) ≥ p,
    i.e. M ≥ ln(α/2) / ln p (36 matches for 0.90, 183 for 0.98). 0 without matches."""
    return Q_LO ** (1.0 / matches) if matches > 0 else 0.0


def _recall_chance_sd(recall: float, matches: float) -> float:
    """Chance spread of the realised blocking recall: of ``matches`` expected matches,
    how many blocking misses is binomial with the estimated miss share 1 − ``recall``
    (the recall of these records, as the match rate's chance term is their rate's)."""
    if matches <= 0:
        return 0.0
    return math.sqrt(recall * (1 - recall) / matches)


def _interval(x0: float, xr: float, reps: npt.NDArray[np.float64], chance_sd: float,
              lo: float = 0.0, hi: float = 1.0, also: float = math.nan) -> Interval:
    """The bootstrap spread of ``reps`` (around the refit's ``xr``) and chance, placed
    around both ``x0`` and ``xr`` and the union taken; with ``also`` (the figure by the
    other reading of the blocking misses), around it too."""
    qlo, qhi = (np.quantile(reps, [Q_LO, Q_HI]) if len(reps) else (xr, xr))
    c = Z95 * chance_sd
    below = math.hypot(max(xr - float(qlo), 0.0), c)
    above = math.hypot(max(float(qhi) - xr, 0.0), c)
    low, high = min(x0, xr), max(x0, xr)
    if not math.isnan(also):
        low, high = min(low, also), max(high, also)
    return Interval(x0, max(lo, low - below), min(hi, high + above), xr,
                    max(lo, x0 - c), min(hi, x0 + c))


def honest_estimates(*, left_codes: npt.NDArray[np.int64], p: npt.NDArray[np.float64],
                     gamma: npt.NDArray[np.int8], left_records: int,
                     sample_codes: npt.NDArray[np.int64],
                     diag_sample_pos: npt.NDArray[np.int64],
                     diag_p: npt.NDArray[np.float64], diag_gamma: npt.NDArray[np.int8],
                     threshold: float, replicates: int = BOOTSTRAP_REPLICATES,
                     seed: int = 42, spec: refit.Spec | None = None, total_pairs: float = 0.0,
                     decoy: DecoyCheck | None = None,
                     gap: CompletenessGap | None = None,
                     left_pattern: npt.NDArray[np.int64] | None = None,
                     pattern_share: npt.NDArray[np.float64] | None = None,
                     pattern_compared: npt.NDArray[np.float64] | None = None,
                     compared_by: Callable[[npt.NDArray[np.float64]],
                                           npt.NDArray[np.float64]] | None = None
                     ) -> Honest:
    """The label-free figures of :class:`Honest` (method: :data:`HONEST_NOTE`).

    ``left_codes`` (0..left_records−1, pairs sorted by it), ``p`` and ``gamma`` describe
    the production pairs. ``sample_codes`` are the left records of the diagnostic
    sample; ``diag_*`` the diagnostic pairs the production rules did not compare, each
    tied to a sampled record by its position in ``sample_codes``. With ``spec`` (a
    :class:`~linkready.link.refit.Spec`: the linked model's u, m and EM sessions on the
    level codes) the refit repeats the model's own training (u fixed, m by sessions, λ
    self-consistent over ``total_pairs``); without it, EM frees m, u and λ.

    ``left_pattern`` (one per left code 0..left_records−1, codes without pairs standing
    for the left records without candidates) numbers each left record's pattern of blank
    blocking fields; ``pattern_share`` gives, per pattern, the share of right records a
    production rule could meet (:func:`linkready.link.missingness.possible_share`). With
    them the matches lost to blank fields are added (:data:`MISSING_NOTE`); the
    diagnostic pairs must then be those a production rule could have compared.
    ``pattern_compared`` (per pattern, the share of matches the field model expects the
    production rules to compare, :mod:`linkready.link.field_recall`) gives a second
    reading of the blocking misses; the larger of the two is used (:data:`FIELD_NOTE`).
    ``compared_by`` re-reads ``pattern_compared`` with the sampled records weighted (one
    weight per position of ``sample_codes``), once per bootstrap replicate.
    """
    from linkready.link import missingness, refit

    n = max(left_records, 1)
    s = len(sample_codes)
    codes = np.asarray(left_codes, dtype=np.int64)
    if len(codes) > 1 and np.any(np.diff(codes) < 0):
        order = np.argsort(codes, kind="stable")
        codes, p, gamma = codes[order], np.asarray(p)[order], gamma[order]
    p = np.asarray(p, dtype=float)
    starts = np.flatnonzero(np.r_[True, np.diff(codes) != 0]) if len(codes) else \
        np.zeros(0, dtype=np.int64)
    owners = codes[starts] if len(codes) else np.zeros(0, dtype=np.int64)
    # Best pair of each left record under the linked model (ties: first).
    best_idx = np.zeros(n, dtype=np.int64)
    if len(codes):
        neg = np.lexsort((-p, codes))
        first = np.flatnonzero(np.r_[True, np.diff(codes[neg]) != 0])
        best_idx[codes[neg][first]] = neg[first]

    n_pat_missing = len(pattern_share) if pattern_share is not None else 0
    patterns_of = (np.asarray(left_pattern, dtype=np.int64)[:n]
                   if left_pattern is not None and n_pat_missing else None)

    def figures(z: npt.NDArray[np.float64], zd: npt.NDArray[np.float64],
                w: npt.NDArray[np.float64], wd: npt.NDArray[np.float64],
                accepted: npt.NDArray[np.bool_],
                compared: npt.NDArray[np.float64] | None = pattern_compared
                ) -> tuple[float, float, float, float, float, float, float, float]:
        q = _sorted_group_max(starts, owners, z, n)
        qs = q[sample_codes]
        qd = np.maximum(qs, _group_max(diag_sample_pos, zd, s)) if s else qs
        miss = float((wd * (qd - qs)).sum() / wd.sum()) if s and wd.sum() > 0 else 0.0
        blocked = float((w * q).sum() / w.sum()) if w.sum() > 0 else 0.0
        recall = float((wd * qs).sum() / (wd * qd).sum()) if s and (wd * qd).sum() > 0 \
            else 1.0
        lost = 0.0
        if patterns_of is not None and w.sum() > 0:
            # Matches a production rule could compare, per pattern: found ÷ the
            # agreement-driven recall the diagnostic sample shows.
            scale = (blocked + miss) / blocked if blocked > 0 else 1.0
            found = np.bincount(patterns_of, weights=w * q, minlength=n_pat_missing)
            records = np.bincount(patterns_of, weights=w, minlength=n_pat_missing)
            lost = missingness.lost_to_missing(found * scale, records,
                                               np.asarray(pattern_share)) / float(w.sum())
        if lost > 0:
            recall *= (blocked + miss) / (blocked + miss + lost)
        field_lost = 0.0
        other = math.nan  # blocking recall by the reading not used, where there are two
        if compared is not None and patterns_of is not None and w.sum() > 0:
            field_lost = missingness.lost_to_missing(
                np.bincount(patterns_of, weights=w * q, minlength=n_pat_missing),
                np.bincount(patterns_of, weights=w, minlength=n_pat_missing),
                np.asarray(compared)) / float(w.sum())
            other = blocked / (blocked + field_lost) if blocked > 0 else 1.0
        if field_lost > miss + lost:  # the field model sees more misses: it is used
            recall, other = other, recall
        wa = w[accepted]
        fdr = float((wa * (1 - z[best_idx[accepted]])).sum() / wa.sum()) if wa.sum() > 0 \
            else 0.0
        # The grey zone's part of the rate: Σq over the records the linked model
        # leaves unresolved (a fixed set, ``unresolved``), per left record.
        grey_part = float((w * q)[unresolved].sum() / w.sum()) if w.sum() > 0 else 0.0
        return (min(1.0, blocked + max(miss + lost, field_lost)), recall, fdr, miss, lost,
                field_lost, other, grey_part)

    q0 = _sorted_group_max(starts, owners, p, n)
    accepted = q0 >= threshold
    unresolved = in_grey(q0)
    ones, ones_d = np.ones(n), np.ones(s)
    rate0, recall0, fdr0, miss0, lost0, field0, other0, grey0 = figures(
        p, diag_p, ones, ones_d, accepted)

    width = gamma.shape[1]
    if diag_gamma.shape[1] != width:
        if len(diag_gamma):
            raise ValueError("diagnostic and production comparison vectors differ")
        diag_gamma = np.zeros((0, width), dtype=np.int8)
    both = refit.patterns(np.vstack([gamma, diag_gamma]))
    d = refit.design(both.vectors, both.levels)
    pidx, didx = both.index[:len(gamma)], both.index[len(gamma):]
    n_pat = len(both.vectors)
    if len(codes) and width > 0:
        start = np.bincount(pidx, weights=p, minlength=n_pat) / np.maximum(
            np.bincount(pidx, minlength=n_pat), 1)
        counts = np.bincount(pidx, minlength=n_pat).astype(float)
        if spec is not None and len(spec.log_u) != d.onehot.shape[1]:
            # The model names other levels than the scored pairs show (a level seen only
            # by the diagnostic sample, or never seen): the refit runs free, as it does
            # when a level has no trained m (spec_from_model returns None).
            spec = None
        sessions = refit.sessions_on(d, both.vectors, spec) if spec is not None else []

        def fit(c: npt.NDArray[np.float64],
                start_from: npt.NDArray[np.float64] | refit.Model,
                scale: float) -> refit.Model:
            if spec is not None:
                return refit.session_em(d, c, sessions, spec.log_u, spec.log_m,
                                        total_pairs * scale)
            return refit.em(d, c, start_from, max_iter=500 if scale == 1.0 else 100)

        full = fit(counts, start, 1.0)
        zeta = refit.posterior(full, d)
        rater, recallr, fdrr, *_, greyr = figures(zeta[pidx], zeta[didx], ones, ones_d,
                                                  accepted)
        aside = decoy is not None and refit_contradicted(rate0, rater, decoy)
        if aside:  # the linked model's log-odds, moved in each replicate (below)
            odds0 = refit.log_odds(full, d)
            lp, ld = _logit(p), _logit(np.asarray(diag_p, dtype=float))
        rng = np.random.default_rng(seed)
        reps = np.zeros((replicates, 4))
        # The figures are about this extract, a finite population: which left records
        # it holds is not uncertain. The Poisson weights resample the records only to
        # refit the model (m, u, λ and the field model's shares: parameters estimated
        # from them); each replicate's figures are then read on every left record with
        # unit weight, so the spread is the model's alone (the chance term Σq(1 − q),
        # added below, is the finite-population spread of the outcome given q). The
        # diagnostic sample is a sample of the extract: its weights keep the sampling
        # spread, finite-population corrected (Rao–Wu rescaling, 1 + √(1 − s/N)(w − 1):
        # mean 1, variance 1 − s/N, never negative; all 1 when every record is sampled).
        shrink = math.sqrt(max(0.0, 1.0 - s / n))
        for b in range(replicates):
            w = rng.poisson(1.0, n).astype(float)
            wd = rng.poisson(1.0, s).astype(float)
            cb = np.bincount(pidx, weights=w[codes], minlength=n_pat).astype(float)
            mb = fit(cb, full, float(w.sum()) / n)
            zb = refit.posterior(mb, d)
            # The field model's shares, re-read on the replicate's diagnostic sample.
            cmp_b = (compared_by(wd) if compared_by is not None and s
                     else pattern_compared)
            wd_fig = 1.0 + shrink * (wd - 1.0)
            if aside:
                # Every figure read on the linked model, its log-odds moved pattern by
                # pattern by the refit's change from the full sample to this replicate
                # (m, u and λ): see the comment where the refit is set aside.
                shift = refit.log_odds(mb, d) - odds0
                f = figures(_expit(lp + shift[pidx]), _expit(ld + shift[didx]),
                            ones, wd_fig, accepted, cmp_b)
            else:
                f = figures(zb[pidx], zb[didx], ones, wd_fig, accepted, cmp_b)
            reps[b] = (f[0], f[1], f[2], f[7])
    else:  # no comparison vectors retained: the chance spread only
        rater, recallr, fdrr, greyr = rate0, recall0, fdr0, grey0
        aside = False
        reps = np.zeros((0, 4))
        replicates = 0
    # Chance: which left records have a match, given q (Poisson-binomial), and how many
    # of the matches the estimate adds for blocking misses are real (each a record with
    # no candidate, q ≈ 0, matched with a small probability: Poisson, variance = mean).
    blocked0 = float(q0.sum()) / n
    # The records the linked model leaves unresolved (the grey zone) are bounded by its
    # two worst cases below; their chance outcome is inside those bounds, so chance is
    # read on the other records only (the blocking misses' Poisson term included).
    settled = ~unresolved
    var_settled = (float((q0[settled] * (1 - q0[settled])).sum())
                   + max(rate0 - blocked0, 0.0) * n) / n ** 2
    # The two readings of the blocking misses (diagnostic; field model) rest on
    # different assumptions: the interval spans the figure by the one not used too.
    alt_rate = (math.nan if math.isnan(other0) else
                min(1.0, blocked0 + min(miss0 + lost0, field0)))
    a = int(accepted.sum())
    var_fdr = float((q0[accepted] * (1 - q0[accepted])).sum()) / a ** 2 if a else 0.0
    published = (rater, recallr, fdrr)
    if aside:
        # The refit is set aside: its figures are, and the spread is placed around the
        # linked model's. Its replicates were read on the linked model (above): each
        # replicate moves the linked model's log-odds by the refit's change, so the
        # spread is the linked model's own response to resampling. Moving the refit's
        # spread as it is would carry the refit's operating point with it: a refit at
        # 99.7% has its replicates capped at 100% and a one-sided spread, and a refit
        # far below the linked model has many unresolved records, each moving with
        # every replicate (on the default world's la_adult_social_care, refit 92.1
        # against 95.8, it lent the linked model a model interval 2.7 points wide,
        # against 1.2 read on the linked model). Blocking recall's spread scales with
        # the missed share too: on childrens_social_care the refit read 6.5% of
        # matches missed against 0.3%.
        rater, recallr, fdrr, greyr = rate0, recall0, fdr0, grey0
    # The match rate's interval is built on the settled records (the rate less the
    # unresolved records' Σq, in each fit and replicate), then moved back by the linked
    # model's Σq over them: the model interval with the unresolved records at their q.
    # The grey zone's worst cases (below) then replace them with all matched (upper end)
    # and none matched (lower end). Their q, and how it moves between fits and
    # replicates, lies between those bounds: counting it in the spread as well would add
    # the same records' uncertainty twice.
    settled_rate = _interval(rate0 - grey0, rater - greyr, reps[:, 0] - reps[:, 3],
                             math.sqrt(var_settled),
                             also=alt_rate - grey0 if not math.isnan(alt_rate) else math.nan)
    var_rate = var_settled + float((q0[unresolved] * (1 - q0[unresolved])).sum()) / n ** 2
    chance = Z95 * math.sqrt(var_rate)
    rate = Interval(rate0, max(0.0, settled_rate.lower + grey0),
                    min(1.0, settled_rate.upper + grey0), rater,
                    max(0.0, rate0 - chance), min(1.0, rate0 + chance))
    false = _interval(fdr0, fdrr, reps[:, 2], math.sqrt(var_fdr))
    model_interval = (rate.lower, rate.upper)
    wr = wf = False
    if decoy is not None:
        rate, wr = widen(rate, decoy.lower, decoy.upper, decoy.estimate)
        if a:
            false, wf = widen(false, decoy.false_lower / a, min(1.0, decoy.false_upper / a),
                              min(1.0, decoy.false_links / a))
    grey = grey_zone(q0[:left_records])
    raise_by = (gap.records if gap is not None and gap.records > 0 else 0.0) + grey.records
    if raise_by > 0 or grey.records_down > 0:
        rate = Interval(rate.estimate, max(0.0, rate.lower - grey.records_down / n),
                        min(1.0, rate.upper + raise_by / n), rate.refit,
                        rate.chance_lower, rate.chance_upper)
    from dataclasses import replace
    point = point_check(rate0, decoy=decoy if wr else None,
                        refit_rate=None if aside else published[0],
                        grey=grey, gap_records=gap.records if gap is not None else 0.0,
                        left_records=n)
    return Honest(
        match_rate=replace(rate, refit=published[0]),
        blocking_recall=replace(_interval(recall0, recallr, reps[:, 1],
                                          _recall_chance_sd(recall0, rate0 * n),
                                          also=other0),
                                refit=published[1]),
        false_share=replace(false, refit=published[2]),
        false_links=fdr0 * a, accepted=a, blocked_rate=blocked0,
        missed_by_blocking=miss0, left_records=left_records, sample_records=s,
        replicates=replicates, patterns=n_pat, decoy=decoy, widened_rate=wr,
        widened_false=wf, gap=gap, refit_set_aside=aside, model_interval=model_interval,
        grey=grey, missed_by_missing=lost0, missed_by_field_model=field0,
        field_model_used=field0 > miss0 + lost0, point=point)


# ---------------------------------------------------------------------------------------
# A model-free check: left records against decoys that have no match.
# ---------------------------------------------------------------------------------------

#: Evidence levels (log2 Bayes factor) the decoy check tries.
DECOY_LEVELS = np.arange(-10.0, 40.5, 0.5)
#: A level is used only where fewer than this share of decoys reach it by chance.
DECOY_MAX_CHANCE = 0.5


@dataclass(frozen=True)
class DecoyCheck:
    """Share of left records with a match, read without the model's m and u: the share of
    sampled left records whose best candidate reaches an evidence level, less the share
    of decoys (right records scored against right without themselves) that reach it by
    chance."""

    estimate: float
    lower: float
    upper: float
    #: The evidence level used (log2 Bayes factor), and the decoys' share reaching it.
    level: float
    chance: float
    records: int
    decoys: int
    #: Expected false links among accepted links from left records without a match: the
    #: decoys' share reaching the threshold × left records without a match.
    false_links: float
    false_lower: float
    false_upper: float

    def as_dict(self, left_records: int) -> dict[str, object]:
        """The exact tree (:mod:`linkready.publish`): under control the estimate and
        its interval are ``*`` where the left records it implies with (or without) a
        match round to 1–7."""
        rest = (round(self.estimate * left_records),
                round((1 - self.estimate) * left_records))
        return {"estimate": Value(self.estimate, rest, None),
                "lower": Value(self.lower, rest, None),
                "upper": Value(self.upper, rest, None),
                "evidence_level_log2_bf": self.level,
                "decoy_chance_share": self.chance,
                "sample_records": Count(self.records), "decoys": Count(self.decoys),
                "false_links_from_unmatched": {
                    "expected": Expected(self.false_links),
                    "lower": Expected(self.false_lower),
                    "upper": Expected(self.false_upper)},
                "method": DECOY_NOTE}


DECOY_NOTE = (
    "Model-free check. Decoys are records with no match in right: seeded right records, "
    "each scored against right without itself, blank wherever one left record without a "
    "probable match (best candidate p < 0.5; seeded) is blank, and scored with the "
    "link's term frequencies (left and right) under the same blocking as the sampled "
    "left records. A decoy is a real person, so it keeps the ties real people have in "
    "right (relatives at one address, names that go together, twins) that make chance "
    "agreement commoner; duplicates within right make it read low. At an evidence "
    "level t (log2 Bayes factor), r = share of sampled left "
    "records whose best candidate reaches t, c = share of decoys that do; the share "
    "with a match reaching t is (r − c) / (1 − c). t is the level whose lower 95% bound "
    "is highest; the interval is Normal on the binomial spread of r (finite-population "
    "corrected: none from sampling when every left record is sampled), of which "
    "unmatched records reach t by chance, and of c. It relies "
    "on the model only to rank pairs, not on its m and u, "
    "so it sees matches whose errors fall in several fields at once as long as they "
    "still agree more than chance; it cannot see matches no blocking rule compared, or "
    "that agree no more than chance."
)


def _wilson(k: float, n: int) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    z2 = Z95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def check_variance(r: float, c: float, cv: float, n: int, m: int, left_records: int
                   ) -> float:
    """Variance of the check's share (r − c) / (1 − c) of the ``left_records`` with a
    match, from ``n`` sampled left records (share r reaching the level) and ``m``
    decoys (share c; ``cv`` with a pseudo-count each way).

    The share is about these left records, a finite population. Sampling n of them
    spreads r by r(1 − r)/n × (1 − n/N) (none when every record is sampled). Which of
    the unmatched records reach the level by chance is random even then: the binomial
    spread of (1 − share) × N records each reaching it with chance c. And c is
    estimated from the decoys (binomial over m)."""
    big_n = max(left_records, n, 1)
    unmatched = min(max(1.0 - (r - c) / (1 - c), 0.0), 1.0)
    return ((r * (1 - r) / n * (1.0 - n / big_n) + unmatched * cv * (1 - cv) / big_n)
            / (1 - c) ** 2 + cv * (1 - cv) / m * (1 - r) ** 2 / (1 - c) ** 4)


def decoy_check(real_best: npt.NDArray[np.float64], decoy_best: npt.NDArray[np.float64],
                left_records: int, accept_level: float) -> DecoyCheck | None:
    """The :class:`DecoyCheck` (method: :data:`DECOY_NOTE`). ``real_best``: the best
    log2 Bayes factor of each sampled left record over all its candidates (production
    and diagnostic; -inf for none); ``decoy_best`` the same for each decoy;
    ``accept_level`` the log2 Bayes factor at which a pair is accepted."""
    real = np.asarray(real_best, dtype=float)
    dec = np.asarray(decoy_best, dtype=float)
    n, m = len(real), len(dec)
    if n == 0 or m == 0 or left_records <= 0:
        return None
    best: tuple[float, float, float, float, float] | None = None
    for t in DECOY_LEVELS:
        r = float((real >= t).mean())
        c = float((dec >= t).mean())
        if c >= DECOY_MAX_CHANCE:
            continue
        est = (r - c) / (1 - c)
        # The decoys' share with one pseudo-count each way, so that a level no decoy
        # reaches still carries the spread of a small share (not none).
        cv = (float((dec >= t).sum()) + 1) / (m + 2)
        var = check_variance(r, c, cv, n, m, left_records)
        se = math.sqrt(var)
        if best is None or est - Z95 * se > best[0] - Z95 * best[1]:
            best = (est, se, float(t), c, r)
    if best is None:
        return None
    est, se, t, c, _ = best
    est = min(max(est, 0.0), 1.0)
    lo, hi = max(0.0, est - Z95 * se), min(1.0, est + Z95 * se)
    k = float((dec >= accept_level).sum())
    c_lo, c_hi = _wilson(k, m)
    unmatched = left_records * (1 - est)
    return DecoyCheck(est, lo, hi, t, c, n, m, unmatched * k / m,
                      left_records * (1 - hi) * c_lo, left_records * (1 - lo) * c_hi)


def _distance(x: float, lo: float, hi: float) -> float:
    return max(lo - x, x - hi, 0.0)


def refit_contradicted(linked: float, refit_rate: float, check: DecoyCheck) -> bool:
    """Whether the model-free check speaks against the refitted model more than against
    the linked one: the refit's match rate lies outside the check's interval, further
    from it than the linked model's. The refit drops term-frequency adjustments and
    refits on agreement patterns alone; on small data it can land far from both (then
    its figures would widen every interval for nothing). Where the refit is the nearer
    (or inside), both fits are kept; where both lie outside, the check's own interval
    still widens the result towards it (:func:`widen`)."""
    d_linked = _distance(linked, check.lower, check.upper)
    d_refit = _distance(refit_rate, check.lower, check.upper)
    return d_refit > 0.0 and d_refit > d_linked


def widen(interval: Interval, lower: float, upper: float, point: float) -> tuple[
        Interval, bool]:
    """``interval`` widened to span [lower, upper] when ``point`` (another method's
    estimate, with interval [lower, upper]) disagrees with it by more than the two
    methods' combined sampling error; and whether it was.

    Both intervals are read as 95% bounds: the disagreement |point − estimate| is
    compared with the two half-widths that face each other (the interval's on the
    point's side, the other's on the estimate's side) added in quadrature, a two-sample
    test at the same level. A point just outside a narrow interval, from a check whose
    own interval is wide, is what chance gives and widens nothing."""
    if interval.lower <= point <= interval.upper:
        return interval, False
    if point > interval.upper:
        own, other = interval.upper - interval.estimate, point - lower
    else:
        own, other = interval.estimate - interval.lower, upper - point
    if abs(point - interval.estimate) <= math.hypot(max(own, 0.0), max(other, 0.0)):
        return interval, False
    return Interval(interval.estimate, min(interval.lower, lower),
                    max(interval.upper, upper), interval.refit, interval.chance_lower,
                    interval.chance_upper), True


# ---------------------------------------------------------------------------------------
# A sensitivity bound: records with missing identifiers that link less than complete ones.
# ---------------------------------------------------------------------------------------

#: A group of records with the same missing fields counts only from this share of the side
#: (and at least MIN_GROUP records): smaller groups are noise.
MIN_GROUP_SHARE = 0.005
MIN_GROUP = 20


@dataclass(frozen=True)
class CompletenessGap:
    """Matches that may be hidden where errors concentrate: records missing some
    identifiers (on either side) that the model links less often than complete records.
    ``records`` is how many more left records would be matched if each such group linked
    as often as the complete records, beyond what chance explains."""

    records: float
    side: str
    #: (missing fields, records, expected linked share) per group that falls short.
    groups: list[tuple[str, int, float]]
    reference_share: float

    def as_dict(self, left_records: int) -> dict[str, object]:
        """The exact tree (:mod:`linkready.publish`): under control the share is ``*``
        where the records it stands for round to 1–7."""
        share = self.records / left_records if left_records else 0.0
        return {"records": Expected(self.records),
                "share_of_left": Value(share, (round(self.records),), None),
                "side": self.side,
                "complete_records_linked_share": self.reference_share,
                "groups": [{"missing": m, "records": Count(n), "expected_linked_share": e}
                           for m, n, e in self.groups],
                "method": GAP_NOTE}


GAP_NOTE = (
    "Sensitivity bound, not an estimate. On each side, records are grouped by which "
    "compared fields they lack; a group's expected linked share is the mean, over its "
    "records, of each record's largest match probability. A group that links less than "
    "the complete records by more than chance (1.96 binomial SDs) may hide matches whose "
    "errors come together with the missing field, which the model cannot see (errors in "
    "several fields at once look like a non-match). The gap is the records that group "
    "would add if it linked as often as complete records; the larger side's gap raises "
    "the upper end of the match-rate interval. On the left side it is read with the "
    "records the model leaves unresolved (grey_zone) counted as matched, the worst case "
    "the upper end already adds for them, so the two are not counted twice. Where "
    "incomplete records truly overlap less, the bound is pessimistic."
)


def completeness_gap(missing: npt.ArrayLike, q: npt.ArrayLike, side: str) -> CompletenessGap:
    """The :class:`CompletenessGap` of one side: ``missing`` names each record's missing
    fields ('' for a complete record), ``q`` its expected linked share.

    On the left side it is read with the grey zone's records (:func:`grey_zone`) as
    matched, the worst case the upper end already takes for them: the gap is then what
    the incomplete groups would still lack, so that the two added together are the union
    of the two worst cases, not the same records counted twice (default world, LA
    housing: 23 records of gap, nearly all of it the shortfall of the same unresolved
    records whose every match the grey zone already adds). Right records are not left
    records: their gap is read on ``q`` as it is."""
    qa = np.asarray(q, float)
    if side == "left":
        qa = np.where(in_grey(qa), 1.0, qa)
    frame = pd.DataFrame({"m": np.asarray(missing, dtype=object), "q": qa})
    frame["m"] = frame["m"].fillna("")
    n = len(frame)
    if n == 0:
        return CompletenessGap(0.0, side, [], 0.0)
    g = frame.groupby("m")["q"].agg(["size", "mean"])
    ref_key = "" if "" in g.index else str(g["size"].idxmax())
    ref = float(g.loc[ref_key, "mean"])
    floor = max(MIN_GROUP, MIN_GROUP_SHARE * n)
    total = 0.0
    groups = []
    for key, row in g.iterrows():
        size = int(row["size"])
        if key == ref_key or size < floor:
            continue
        gap = size * (ref - float(row["mean"])) - Z95 * math.sqrt(size * ref * (1 - ref))
        if gap > 0:
            total += gap
            groups.append((str(key), size, float(row["mean"])))
    return CompletenessGap(total, side, groups, ref)


# ---------------------------------------------------------------------------------------
# A worst case: left records whose status the model leaves unresolved.
# ---------------------------------------------------------------------------------------

#: Best-candidate probabilities in [GREY[0], GREY[1]) are unresolved by the model.
GREY = (0.05, 0.95)


@dataclass(frozen=True)
class GreyZone:
    """Left records whose best candidate has an intermediate match probability q
    (``GREY[0] ≤ q < GREY[1]``): the model does not resolve them. ``records`` is
    Σ(1 − q) over them, how many more left records would be matched if every one of
    them had its match (the worst case for the upper end); ``records_down`` is Σq over
    them, how many fewer if none had (the worst case for the lower end)."""

    records: float
    unresolved: int
    left_records: int
    records_down: float = 0.0

    @property
    def share(self) -> float:
        """``records`` ÷ left records: what the worst case adds to the upper end."""
        return self.records / self.left_records if self.left_records else 0.0

    @property
    def share_down(self) -> float:
        """``records_down`` ÷ left records: what the worst case takes off the lower
        end."""
        return self.records_down / self.left_records if self.left_records else 0.0

    def as_dict(self, left_records: int) -> dict[str, object]:
        """The exact tree (:mod:`linkready.publish`): under control the share is ``*``
        where the records it stands for round to 1–7."""
        share = self.records / left_records if left_records else 0.0
        down = self.records_down / left_records if left_records else 0.0
        return {"records": Expected(self.records),
                "share_of_left": Value(share, (round(self.records),), None),
                "records_without_match": Expected(self.records_down),
                "share_of_left_without_match": Value(down, (round(self.records_down),),
                                                     None),
                "unresolved_records": Count(self.unresolved),
                "band": [GREY[0], GREY[1]],
                "method": GREY_NOTE}


GREY_NOTE = (
    "Worst case, not an estimate. A left record whose best candidate has a match "
    f"probability q with {GREY[0]} ≤ q < {GREY[1]} is unresolved by the model: the "
    "estimate counts it as q of a match. If each such record in fact has its match, the "
    "rate rises by Σ(1 − q) over them ÷ left records (records, share_of_left); that is "
    "added to the upper end of the interval, with the completeness gap (read on the left "
    "side with these records matched, so the two do not overlap there). If none has, the "
    "rate falls by Σq over them ÷ left "
    "records (records_without_match, share_of_left_without_match); that is taken off the "
    "lower end. Being worst cases, they bound these records whatever the model's "
    "parameters and chance do: the bootstrap spread and the chance term of the interval "
    "are read on the other records only. On heavily corrupted data most missed matches "
    "sit here, at a probability the model sets too low; where postcodes are missing, "
    "non-matches sit here at a probability it sets too high. It does not see matches "
    "that agree no better than chance (q below the band) or that no blocking rule "
    "compared: only a review sample does."
)


def in_grey(q: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which of the best probabilities ``q`` lie in the band the model leaves
    unresolved (:data:`GREY`)."""
    arr = np.asarray(q, dtype=float)
    return (arr >= GREY[0]) & (arr < GREY[1])


def grey_zone(q: npt.ArrayLike) -> GreyZone:
    """The :class:`GreyZone` of the per-left-record best probabilities ``q`` (one per
    left record; 0 for a record without a candidate)."""
    arr = np.asarray(q, dtype=float)
    grey = in_grey(arr)
    return GreyZone(float((1.0 - arr[grey]).sum()), int(grey.sum()), len(arr),
                    float(arr[grey].sum()))


# ---------------------------------------------------------------------------------------
# Whether the point estimate can be trusted: the label-free signals of model error.
# ---------------------------------------------------------------------------------------

#: The point estimate is called reliable only where no label-free signal puts it more
#: than this far (a share of left records) from where the truth may lie.
POINT_TOLERANCE = 0.05


@dataclass(frozen=True)
class PointCheck:
    """How far each label-free signal puts the point estimate from where the truth may
    lie (shares of left records), and whether all are within :data:`POINT_TOLERANCE`.

    ``signals`` maps a signal's name (``model_free_check``, ``refit``, ``grey_zone``,
    ``completeness_gap``) to its distance; a signal not available is absent."""

    signals: dict[str, float]
    tolerance: float = POINT_TOLERANCE
    left_records: int = 0

    @property
    def largest(self) -> float:
        return max(self.signals.values(), default=0.0)

    @property
    def reliable(self) -> bool:
        return self.largest <= self.tolerance

    @property
    def reasons(self) -> list[str]:
        """The signals beyond the tolerance, largest first."""
        return [k for k, v in sorted(self.signals.items(), key=lambda kv: -kv[1])
                if v > self.tolerance]

    def as_dict(self) -> dict[str, object]:
        """The exact tree (:mod:`linkready.publish`): shares of left records; under
        control ``*`` where the records a distance stands for round to 1–7."""
        n = self.left_records

        def show(x: float) -> Value:
            return Value(x, (round(x * n),) if n else (), None)

        return {"reliable": self.reliable, "tolerance": self.tolerance,
                "largest_distance": show(self.largest),
                "distances": {k: show(v) for k, v in sorted(self.signals.items())},
                "reasons": self.reasons, "method": POINT_NOTE}


POINT_NOTE = (
    "Whether the point estimate can be trusted to within tolerance (a share of left "
    "records), read from the label-free signals that each measure a way the model can "
    "be wrong: the distance from the estimate to the model-free check's estimate (the "
    "check does not use the model's m and u; counted only where the two disagree by more "
    "than their combined sampling error, widened_by_check), to the refitted model's "
    "estimate (unless set aside by the check), the grey zone's worst case (records the "
    "model leaves unresolved, as if all had their match) and the completeness gap "
    "(records lacking a field that link less than complete ones). Where any exceeds the "
    "tolerance, reliable "
    "is false and reasons names them: the Fellegi-Sunter model assumes fields err "
    "independently in a match, and where errors come together in the same people it "
    "scores their true pairs low and reads blocking recall high at once, so the point "
    "estimate and the blocking recall are both too optimistic and only a review sample "
    "gives the rate. A reliable point estimate is not a guarantee: matches that agree no "
    "better than chance leave none of these signals."
)


def point_check(estimate: float, *, decoy: DecoyCheck | None, refit_rate: float | None,
                grey: GreyZone | None, gap_records: float, left_records: int) -> PointCheck:
    """The :class:`PointCheck` of a match-rate ``estimate`` (method:
    :data:`POINT_NOTE`)."""
    n = max(left_records, 1)
    signals: dict[str, float] = {}
    if decoy is not None:
        signals["model_free_check"] = abs(decoy.estimate - estimate)
    if refit_rate is not None:
        signals["refit"] = abs(refit_rate - estimate)
    if grey is not None:
        signals["grey_zone"] = max(grey.share, grey.share_down)
    signals["completeness_gap"] = max(gap_records, 0.0) / n
    return PointCheck(signals, POINT_TOLERANCE, left_records)
