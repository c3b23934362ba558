"""Linkage accuracy against synthetic truth, per GUILD (Harron et al., IJE 2017).

The unit is the *left record*. For a pair (left, right) and a stage:

- a left record is a **true match** if its person has at least one record in right;
- it is **linked** if the stage links it to at least one right record;
- it is **correct** (a true positive) if its best link (highest match probability;
  deterministic links without a score count as 1) is to a right record of its person.

TP = correct; FP = linked and not correct; FN = true match and not correct (a record
linked to the wrong person is both an FP and an FN). precision = TP/(TP+FP),
recall = TP/(TP+FN), false_match_rate = 1 − precision, missed_match_rate = 1 − recall.

Beside these record-level measures, ``links`` gives link-level ones over *every* link a
stage makes (the unit clustering uses): true and false links, link precision and recall.

Publication (:mod:`linkready.disclosure`): ``exact=False`` — the default, for real truth —
gives counts through :func:`~linkready.privacy.suppress` and rates through
:func:`~linkready.privacy.safe_rate` (``*`` when the numerator or remainder is a count of
1–7, as a rate beside a rounded count would otherwise give the small count away);
``exact=True`` gives exact counts and unrounded rates, which ``evaluate`` publishes only
for synthetic projects (:func:`linkready.synthetic.is_synthetic`).
Pure pandas: the caller reads the files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linkready.disclosure import CONTROLLED, policy
from linkready.link import bias, cluster_quality
from linkready.privacy import SUPPRESSED

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


def measures(outcomes: pd.DataFrame, exact: bool = False) -> dict[str, Any]:
    """GUILD measures from per-left-record outcomes; counts suppressed, and rates ``*``
    where they rest on a count of 1–7 (:func:`~linkready.privacy.safe_rate`; ``exact``:
    exact counts and unrounded rates, see :mod:`linkready.disclosure`)."""
    pub = policy(exact)
    n = len(outcomes)
    tp = int(outcomes["correct"].sum())
    linked = int(outcomes["linked"].sum())
    true = int(outcomes["true_match"].sum())
    fp, fn = linked - tp, true - tp
    return {
        "left_records": pub.count(n),
        "true_positives": pub.count(tp),
        "false_positives": pub.count(fp),
        "false_negatives": pub.count(fn),
        "match_rate": pub.rate(linked, n),
        "precision": pub.rate(tp, linked),
        "recall": pub.rate(tp, true),
        "f1": pub.f1(tp, fp, fn),
        "false_match_rate": pub.rate(fp, linked),
        "missed_match_rate": pub.rate(fn, true),
    }


def link_measures(links: pd.DataFrame, left_truth: pd.DataFrame, right_truth: pd.DataFrame,
                  exact: bool = False) -> dict[str, Any]:
    """Measures over every link a stage makes, not only each left record's best one: the
    unit clustering uses (a left record linked to two right records counts twice).

    A link is **true** when both records belong to the same person. Links with a record
    outside the truth are left out. ``true_pairs`` are all (left, right) record pairs of
    one person; ``recall`` = true links / true pairs."""
    pub = policy(exact)
    person_l = left_truth.drop_duplicates("record_id").set_index("record_id")["person_id"]
    person_r = right_truth.drop_duplicates("record_id").set_index("record_id")["person_id"]
    pl = links["record_id_l"].map(person_l)
    pr = links["record_id_r"].map(person_r)
    known = pl.notna() & pr.notna()
    true = known & (pl == pr)
    n_links, n_true = int(known.sum()), int(true.sum())
    n_false = n_links - n_true
    wrong_left = int(links.loc[known & ~true, "record_id_l"].nunique())
    per_l = left_truth["person_id"].value_counts()
    per_r = right_truth["person_id"].value_counts()
    true_pairs = int((per_l * per_r.reindex(per_l.index, fill_value=0)).sum())
    return {
        "links": pub.count(n_links),
        "true_links": pub.count(n_true),
        "false_links": pub.count(n_false),
        "left_records_with_a_false_link": pub.count(wrong_left),
        "true_pairs": pub.count(true_pairs),
        "precision": pub.rate(n_true, n_links),
        "false_link_rate": pub.rate(n_false, n_links),
        "recall": pub.rate(n_true, true_pairs),
    }


def safe_f1(tp: int, fp: int, fn: int, digits: int = 4) -> float | str | None:
    """F1 = 2TP / (2TP + FP + FN); ``*`` when any of TP, FP, FN is a count of 1–7 (F1
    with the other measures would give it away), ``None`` when all are zero."""
    value = CONTROLLED.f1(tp, fp, fn)
    return round(value, digits) if isinstance(value, float) else value


def gap(outcomes: pd.DataFrame, exact: bool = False) -> dict[str, float | str | None]:
    """Why left records are unlinked: not in right at all (coverage) versus missed.

    Shares of left records, through :func:`~linkready.privacy.safe_rate`. ``coverage``
    and ``linkage_error`` add up to ``unlinked``, so when either rests on a count of 1–7
    both are ``*`` (else the other two would give the small one away). ``exact``:
    unrounded shares."""
    pub = policy(exact)
    n = len(outcomes)
    if not n:
        return {"unlinked": None, "coverage": None, "linkage_error": None}
    unlinked = ~outcomes["linked"]
    n_coverage = int((unlinked & ~outcomes["true_match"]).sum())
    n_error = int((unlinked & outcomes["true_match"]).sum())
    coverage, error = pub.rate(n_coverage, n), pub.rate(n_error, n)
    if SUPPRESSED in (coverage, error):
        coverage = error = SUPPRESSED
    return {
        "unlinked": pub.rate(int(unlinked.sum()), n),
        "coverage": coverage,
        "linkage_error": error,
        "linked_to_wrong_person": pub.rate(
            int((outcomes["linked"] & ~outcomes["correct"]).sum()), n),
    }


def evaluate_pair(links: pd.DataFrame, truth: pd.DataFrame, population: pd.DataFrame | None,
                  left: str, right: str, threshold: float,
                  exact: bool = False) -> dict[str, Any]:
    """Evaluation of one pair: overlap, record- and link-level measures per stage, PR
    curve, subgroup table and bias tests (``exact``: exact counts and unrounded rates,
    for synthetic truth; see :mod:`linkready.disclosure`)."""
    pub = policy(exact)
    left_truth = truth[truth["source"] == left]
    right_truth = truth[truth["source"] == right]
    right_persons = right_truth["person_id"].drop_duplicates()
    pair_links = links[(links["source_l"] == left) & (links["source_r"] == right)]
    n = len(left_truth)
    n_overlap = int(left_truth["person_id"].isin(right_persons).sum())
    result: dict[str, Any] = {
        "left": left, "right": right, "left_records": pub.count(n), "threshold": threshold,
        "truth": {"overlap_rate": pub.rate(n_overlap, n),
                  "overlap_records": pub.count(n_overlap)},
    }
    outcomes = {}
    for stage in STAGES:
        sl = stage_links(pair_links, stage, threshold)
        outcomes[stage] = left_outcomes(left_truth, right_persons, right_truth, sl)
        result[stage] = {**measures(outcomes[stage], exact),
                         "gap": gap(outcomes[stage], exact),
                         "links": link_measures(sl, left_truth, right_truth, exact)}
    result["pr_curve"] = [
        {"threshold": t, **{k: v for k, v in measures(left_outcomes(
            left_truth, right_persons, right_truth,
            stage_links(pair_links, "probabilistic", t)), exact).items()
            if k in ("precision", "recall", "f1", "match_rate")}}
        for t in PR_THRESHOLDS
    ]
    result["by_subgroup"] = by_subgroup(outcomes, population, exact)
    result["bias"] = ({} if population is None else
                      bias.bias_tests(outcomes, population, SUBGROUPS, exact=exact))
    return result


def by_subgroup(outcomes: dict[str, pd.DataFrame], population: pd.DataFrame | None,
                exact: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The linkage-bias table: overlap and measures per stage within each subgroup."""
    pub = policy(exact)
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
                row["left_records"] = pub.count(len(sub))
                row["overlap_rate"] = pub.rate(int(sub["true_match"].sum()), len(sub))
                row[stage] = measures(sub, exact)
            rows.append(row)
        table[dim] = rows
    return table


def evaluate_clusters(clusters: pd.DataFrame, truth: pd.DataFrame,
                      exact: bool = False,
                      source_sets: list[list[str]] | None = None) -> dict[str, Any]:
    """How well clusters recover people, over every record in both ``clusters`` and
    ``truth``: see :func:`linkready.link.cluster_quality.cluster_quality` (``exact``:
    exact counts and unrounded rates). ``source_sets``: also per set of sources (each
    restricted to its records, clusters as made over all sources)."""
    merged = clusters.merge(truth, on=["source", "record_id"], how="inner")
    if merged.empty:
        return {}
    pub = policy(exact)
    out = cluster_quality.cluster_quality(merged["cluster_id"], merged["person_id"], pub)
    if source_sets:
        out["by_source_set"] = []
        for sources in source_sets:
            sub = merged[merged["source"].isin(sources)]
            if not sub.empty:
                out["by_source_set"].append({"sources": list(sources), **(
                    cluster_quality.cluster_quality(sub["cluster_id"], sub["person_id"], pub))})
    return out


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
    :func:`~linkready.privacy.safe_rate` (``exact``: unrounded)."""
    pub = policy(exact)
    attr = outcomes["person_id"].map(population.set_index("person_id")[dim])
    out: dict[str, float | str | None] = {}
    for name, members in groups.items():
        sub = outcomes[attr.isin(members) & outcomes["true_match"]]
        out[name] = pub.rate(int((~sub["correct"]).sum()), len(sub))
    return out


def _plain(value: Any) -> Any:
    """numpy scalars → Python, for JSON."""
    return value.item() if isinstance(value, np.generic) else value
