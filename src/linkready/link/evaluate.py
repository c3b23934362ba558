"""Linkage accuracy against synthetic truth, per GUILD (Harron et al., IJE 2017).

The unit is the *left record*. For a pair (left, right) and a stage:

- a left record is a **true match** if its person has at least one record in right;
- it is **linked** if the stage links it to at least one right record;
- it is **correct** (a true positive) if its best link (highest match probability;
  deterministic links without a score count as 1) is to a right record of its person.

TP = correct; FP = linked and not correct; FN = true match and not correct (a record
linked to the wrong person is both an FP and an FN). precision = TP/(TP+FP),
recall = TP/(TP+FN), false_match_rate = 1 − precision, missed_match_rate = 1 − recall.

Every published rate is a ratio of record counts and goes through
:func:`~linkready.privacy.safe_rate`: it is ``*`` when its numerator or remainder is a
count of 1–7, as a rate beside a rounded count would otherwise give the small count away.
``exact=True`` gives the unrounded, unsuppressed rates instead, for internal use only
(lessons' and benchmarks' own arithmetic, tests): never publish them.
Pure pandas: the caller reads the files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linkready.privacy import SUPPRESSED, is_small, safe_rate, suppress

STAGES: tuple[str, ...] = ("deterministic", "probabilistic", "combined")
SUBGROUPS: tuple[str, ...] = ("ethnic_group", "age_band", "sex", "imd_decile")
PR_THRESHOLDS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,
                                    0.9, 0.95, 0.99, 0.999)


def stage_links(links: pd.DataFrame, stage: str, threshold: float) -> pd.DataFrame:
    """The pairs a stage links: deterministic rule, probability ≥ threshold, or either."""
    det = links["deterministic_rule"].notna()
    prob = links["match_probability"].fillna(0.0) >= threshold
    keep = {"deterministic": det, "probabilistic": prob, "combined": det | prob}[stage]
    return links[keep]


def best_links(links: pd.DataFrame) -> pd.DataFrame:
    """One row per left record: the right record of its highest-probability link."""
    if links.empty:
        return pd.DataFrame({"record_id_l": pd.Series(dtype=str),
                             "record_id_r": pd.Series(dtype=str)})
    score = links["match_probability"].fillna(1.0)
    ordered = links.assign(_s=score).sort_values(["record_id_l", "_s", "record_id_r"],
                                                 ascending=[True, False, True])
    return ordered.drop_duplicates("record_id_l")[["record_id_l", "record_id_r"]]


def left_outcomes(left_truth: pd.DataFrame, right_persons: pd.Series,
                  right_truth: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Per left record: true_match, linked, correct (booleans) and person_id."""
    best = best_links(links)
    person_r = right_truth.set_index("record_id")["person_id"]
    best = best.assign(person_r=best["record_id_r"].map(person_r))
    out = left_truth[["record_id", "person_id"]].merge(
        best, how="left", left_on="record_id", right_on="record_id_l")
    return pd.DataFrame({
        "record_id": out["record_id"],
        "person_id": out["person_id"],
        "true_match": out["person_id"].isin(right_persons).to_numpy(),
        "linked": out["record_id_r"].notna().to_numpy(),
        "correct": (out["person_r"] == out["person_id"]).fillna(False).to_numpy(dtype=bool),
    })


def _exact_rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _exact_f1(tp: int, fp: int, fn: int) -> float | None:
    return 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else None


def measures(outcomes: pd.DataFrame, exact: bool = False) -> dict[str, Any]:
    """GUILD measures from per-left-record outcomes; counts suppressed, and rates ``*``
    where they rest on a count of 1–7 (:func:`~linkready.privacy.safe_rate`; ``exact``:
    unrounded rates, for internal use only)."""
    rate, f1 = (_exact_rate, _exact_f1) if exact else (safe_rate, safe_f1)
    n = len(outcomes)
    tp = int(outcomes["correct"].sum())
    linked = int(outcomes["linked"].sum())
    true = int(outcomes["true_match"].sum())
    fp, fn = linked - tp, true - tp
    return {
        "left_records": suppress(n),
        "true_positives": suppress(tp),
        "false_positives": suppress(fp),
        "false_negatives": suppress(fn),
        "match_rate": rate(linked, n),
        "precision": rate(tp, linked),
        "recall": rate(tp, true),
        "f1": f1(tp, fp, fn),
        "false_match_rate": rate(fp, linked),
        "missed_match_rate": rate(fn, true),
    }


def safe_f1(tp: int, fp: int, fn: int, digits: int = 4) -> float | str | None:
    """F1 = 2TP / (2TP + FP + FN); ``*`` when any of TP, FP, FN is a count of 1–7 (F1
    with the other measures would give it away), ``None`` when all are zero."""
    if not 2 * tp + fp + fn:
        return None
    if any(is_small(c) for c in (tp, fp, fn)):
        return SUPPRESSED
    return round(2 * tp / (2 * tp + fp + fn), digits)


def gap(outcomes: pd.DataFrame, exact: bool = False) -> dict[str, float | str | None]:
    """Why left records are unlinked: not in right at all (coverage) versus missed.

    Shares of left records, through :func:`~linkready.privacy.safe_rate`. ``coverage``
    and ``linkage_error`` add up to ``unlinked``, so when either rests on a count of 1–7
    both are ``*`` (else the other two would give the small one away). ``exact``:
    unrounded shares, for internal use only."""
    rate = _exact_rate if exact else safe_rate
    n = len(outcomes)
    if not n:
        return {"unlinked": None, "coverage": None, "linkage_error": None}
    unlinked = ~outcomes["linked"]
    n_coverage = int((unlinked & ~outcomes["true_match"]).sum())
    n_error = int((unlinked & outcomes["true_match"]).sum())
    coverage, error = rate(n_coverage, n), rate(n_error, n)
    if SUPPRESSED in (coverage, error):
        coverage = error = SUPPRESSED
    return {
        "unlinked": rate(int(unlinked.sum()), n),
        "coverage": coverage,
        "linkage_error": error,
        "linked_to_wrong_person": rate(
            int((outcomes["linked"] & ~outcomes["correct"]).sum()), n),
    }


def evaluate_pair(links: pd.DataFrame, truth: pd.DataFrame, population: pd.DataFrame | None,
                  left: str, right: str, threshold: float,
                  exact: bool = False) -> dict[str, Any]:
    """Evaluation of one pair: overlap, measures per stage, PR curve, subgroup table
    (``exact``: unrounded, unsuppressed rates, for internal use only)."""
    rate = _exact_rate if exact else safe_rate
    left_truth = truth[truth["source"] == left]
    right_truth = truth[truth["source"] == right]
    right_persons = right_truth["person_id"].drop_duplicates()
    pair_links = links[(links["source_l"] == left) & (links["source_r"] == right)]
    n = len(left_truth)
    n_overlap = int(left_truth["person_id"].isin(right_persons).sum())
    result: dict[str, Any] = {
        "left": left, "right": right, "left_records": suppress(n), "threshold": threshold,
        "truth": {"overlap_rate": rate(n_overlap, n),
                  "overlap_records": suppress(n_overlap)},
    }
    outcomes = {}
    for stage in STAGES:
        sl = stage_links(pair_links, stage, threshold)
        outcomes[stage] = left_outcomes(left_truth, right_persons, right_truth, sl)
        result[stage] = {**measures(outcomes[stage], exact),
                         "gap": gap(outcomes[stage], exact)}
    result["pr_curve"] = [
        {"threshold": t, **{k: v for k, v in measures(left_outcomes(
            left_truth, right_persons, right_truth,
            stage_links(pair_links, "probabilistic", t)), exact).items()
            if k in ("precision", "recall", "f1", "match_rate")}}
        for t in PR_THRESHOLDS
    ]
    result["by_subgroup"] = by_subgroup(outcomes, population, exact)
    return result


def by_subgroup(outcomes: dict[str, pd.DataFrame], population: pd.DataFrame | None,
                exact: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The linkage-bias table: overlap and measures per stage within each subgroup."""
    rate = _exact_rate if exact else safe_rate
    if population is None:
        return {}
    table: dict[str, list[dict[str, Any]]] = {}
    attrs = population.set_index("person_id")
    for dim in SUBGROUPS:
        if dim not in attrs.columns:
            continue
        rows = []
        values = {s: o.assign(_g=o["person_id"].map(attrs[dim])) for s, o in outcomes.items()}
        groups = _natural(values["combined"]["_g"].dropna().unique())
        for g in groups:
            row: dict[str, Any] = {"group": _plain(g)}
            for stage, frame in values.items():
                sub = frame[frame["_g"] == g]
                row["left_records"] = suppress(len(sub))
                row["overlap_rate"] = rate(int(sub["true_match"].sum()), len(sub))
                row[stage] = measures(sub, exact)
            rows.append(row)
        table[dim] = rows
    return table


def evaluate_clusters(clusters: pd.DataFrame, truth: pd.DataFrame,
                      exact: bool = False) -> dict[str, Any]:
    """How well clusters recover people: distinct people estimated against true, people
    split over several clusters, clusters merging several people (``exact``: unrounded,
    unsuppressed rates, for internal use only)."""
    merged = clusters.merge(truth, on=["source", "record_id"], how="inner")
    if merged.empty:
        return {}
    people_per_cluster = merged.groupby("cluster_id")["person_id"].nunique()
    clusters_per_person = merged.groupby("person_id")["cluster_id"].nunique()
    n_clusters, n_people = len(people_per_cluster), len(clusters_per_person)
    rate = _exact_rate if exact else safe_rate
    ratio = (n_clusters / n_people if exact
             # clusters / people gives away a small difference between the two counts
             else SUPPRESSED if is_small(abs(n_clusters - n_people))
             else round(n_clusters / n_people, 4))
    return {
        "distinct_people": suppress(n_clusters),
        "true_distinct_people": suppress(n_people),
        "distinct_people_ratio": ratio,
        "people_split_rate": rate(int((clusters_per_person > 1).sum()), n_people),
        "clusters_merged_rate": rate(int((people_per_cluster > 1).sum()), n_clusters),
    }


def _natural(values: Any) -> list[Any]:
    """Sorted numerically when the values are numbers (deciles 1…10), else as text."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def grouped_missed_rate(outcomes: pd.DataFrame, population: pd.DataFrame, dim: str,
                        groups: dict[str, list[Any]],
                        exact: bool = False) -> dict[str, float | str | None]:
    """Missed-match rate of coarser groups (e.g. IMD deciles 1–3 against 8–10), through
    :func:`~linkready.privacy.safe_rate` (``exact``: unrounded, for internal use only)."""
    rate = _exact_rate if exact else safe_rate
    attr = outcomes["person_id"].map(population.set_index("person_id")[dim])
    out: dict[str, float | str | None] = {}
    for name, members in groups.items():
        sub = outcomes[attr.isin(members) & outcomes["true_match"]]
        out[name] = rate(int((~sub["correct"]).sum()), len(sub))
    return out


def _plain(value: Any) -> Any:
    """numpy scalars → Python, for JSON."""
    return value.item() if isinstance(value, np.generic) else value
