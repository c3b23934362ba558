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

Exact first: every function returns an exact tree whose figures (:mod:`linkready.publish`)
keep the counts they rest on, with the relations secondary suppression needs (a gap's
parts and their total, a subgroup column and the pair's records, neighbouring thresholds
of the PR curve). :func:`linkready.link.evaluate_run.evaluation_document` publishes it,
exactly for synthetic projects and under disclosure control otherwise.
Pure pandas: the caller reads the files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from linkready.disclosure import CONTROLLED
from linkready.link import bias, cluster_quality
from linkready.publish import F1, RELATIONS, Cell, Chain, Count, Line, Rate, cell

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


def measures(outcomes: pd.DataFrame, records: Count | None = None) -> dict[str, Any]:
    """GUILD measures from per-left-record outcomes, as exact figures (``records``: the
    figure of the left records when another table shows the same count)."""
    n = len(outcomes)
    tp = int(outcomes["correct"].sum())
    linked = int(outcomes["linked"].sum())
    true = int(outcomes["true_match"].sum())
    fp, fn = linked - tp, true - tp
    return {
        "left_records": Count(n) if records is None else records,
        "true_positives": Count(tp),
        "false_positives": Count(fp),
        "false_negatives": Count(fn),
        "match_rate": Rate(linked, n),
        "precision": Rate(tp, linked),
        "recall": Rate(tp, true),
        "f1": F1(tp, fp, fn),
        "false_match_rate": Rate(fp, linked),
        "missed_match_rate": Rate(fn, true),
    }


def link_measures(links: pd.DataFrame, left_truth: pd.DataFrame, right_truth: pd.DataFrame
                  ) -> dict[str, Any]:
    """Measures over every link a stage makes, not only each left record's best one: the
    unit clustering uses (a left record linked to two right records counts twice).

    A link is **true** when both records belong to the same person. Links with a record
    outside the truth are left out. ``true_pairs`` are all (left, right) record pairs of
    one person; ``recall`` = true links / true pairs."""
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
        "links": Count(n_links),
        "true_links": Count(n_true),
        "false_links": Count(n_false),
        "left_records_with_a_false_link": Count(wrong_left),
        "true_pairs": Count(true_pairs),
        "precision": Rate(n_true, n_links),
        "false_link_rate": Rate(n_false, n_links),
        "recall": Rate(n_true, true_pairs),
    }


def safe_f1(tp: int, fp: int, fn: int, digits: int = 4) -> float | str | None:
    """F1 = 2TP / (2TP + FP + FN); ``*`` when any of TP, FP, FN is a count of 1–7 (F1
    with the other measures would give it away), ``None`` when all are zero."""
    value = CONTROLLED.f1(tp, fp, fn)
    return round(value, digits) if isinstance(value, float) else value


def gap(outcomes: pd.DataFrame) -> dict[str, Any]:
    """Why left records are unlinked: not in right at all (coverage) versus missed.

    Shares of left records. ``coverage`` and ``linkage_error`` add up to ``unlinked``: a
    :class:`~linkready.publish.Line`, so when either is ``*`` the other is hidden too
    (else the total would give the small one away)."""
    n = len(outcomes)
    if not n:
        return {"unlinked": None, "coverage": None, "linkage_error": None}
    unlinked = ~outcomes["linked"]
    n_coverage = int((unlinked & ~outcomes["true_match"]).sum())
    n_error = int((unlinked & outcomes["true_match"]).sum())
    coverage, error = Rate(n_coverage, n), Rate(n_error, n)
    total = Rate(int(unlinked.sum()), n)
    return {
        "unlinked": total,
        "coverage": coverage,
        "linkage_error": error,
        "linked_to_wrong_person": Rate(
            int((outcomes["linked"] & ~outcomes["correct"]).sum()), n),
        RELATIONS: [Line((cell(coverage), cell(error)), cell(total))],
    }


def evaluate_pair(links: pd.DataFrame, truth: pd.DataFrame, population: pd.DataFrame | None,
                  left: str, right: str, threshold: float) -> dict[str, Any]:
    """Evaluation of one pair, as an exact tree: overlap, record- and link-level measures
    per stage, PR curve, subgroup table and bias tests."""
    left_truth = truth[truth["source"] == left]
    right_truth = truth[truth["source"] == right]
    right_persons = right_truth["person_id"].drop_duplicates()
    pair_links = links[(links["source_l"] == left) & (links["source_r"] == right)]
    n = len(left_truth)
    n_overlap = int(left_truth["person_id"].isin(right_persons).sum())
    records = Count(n)
    result: dict[str, Any] = {
        "left": left, "right": right, "left_records": records, "threshold": threshold,
        "truth": {"overlap_rate": Rate(n_overlap, n),
                  "overlap_records": Count(n_overlap)},
    }
    outcomes = {}
    for stage in STAGES:
        sl = stage_links(pair_links, stage, threshold)
        outcomes[stage] = left_outcomes(left_truth, right_persons, right_truth, sl)
        result[stage] = {**measures(outcomes[stage]),
                         "gap": gap(outcomes[stage]),
                         "links": link_measures(sl, left_truth, right_truth)}
    result["pr_curve"] = [
        {"threshold": t, **{k: v for k, v in measures(left_outcomes(
            left_truth, right_persons, right_truth,
            stage_links(pair_links, "probabilistic", t))).items()
            if k in ("precision", "recall", "f1", "match_rate")}}
        for t in PR_THRESHOLDS
    ]
    result["by_subgroup"] = by_subgroup(outcomes, population, records)
    result["bias"] = ({} if population is None else
                      bias.bias_tests(outcomes, population, SUBGROUPS))
    result[RELATIONS] = pr_relations(result["pr_curve"])
    return result


def pr_relations(curve: list[dict[str, Any]]) -> list[Chain]:
    """Neighbouring thresholds of the PR curve: the records linked (``match_rate``) and
    the correct ones (``recall``) at a higher threshold are among those at a lower one, so
    a row differing from the last shown row by 1–7 such records is hidden."""
    def row(r: dict[str, Any], count: int) -> Any:
        return cell(*(r[k] for k in ("precision", "recall", "f1", "match_rate")), count=count)

    return [Chain(tuple(row(r, r["match_rate"].numerator) for r in curve)),
            Chain(tuple(row(r, r["recall"].numerator) for r in curve))]


def by_subgroup(outcomes: dict[str, pd.DataFrame], population: pd.DataFrame | None,
                records: Count | None = None) -> dict[str, Any]:
    """The linkage-bias table: overlap and measures per stage within each subgroup.

    Each dimension's groups partition the pair's left records when every record has a
    known group: then its ``left_records`` column is a :class:`~linkready.publish.Line`
    with ``records`` (the pair's figure) as total, and so are each stage's true
    positives, false positives and false negatives."""
    if population is None:
        return {}
    table: dict[str, Any] = {}
    relations: list[Line] = []
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
                if "left_records" not in row:
                    row["left_records"] = Count(len(sub))
                row["overlap_rate"] = Rate(int(sub["true_match"].sum()), len(sub))
                row[stage] = measures(sub, row["left_records"])
            rows.append(row)
        table[dim] = rows
        if rows and not values["combined"]["_g"].isna().any():
            relations.append(Line(tuple(
                cell(r["left_records"], r["overlap_rate"],
                     *(r[s]["match_rate"] for s in values)) for r in rows),
                None if records is None else cell(records)))
            for stage in values:
                for key in ("true_positives", "false_positives", "false_negatives"):
                    relations.append(Line(tuple(measure_cell(r[stage], key) for r in rows)))
    if relations:
        table[RELATIONS] = relations
    return table


def evaluate_clusters(clusters: pd.DataFrame, truth: pd.DataFrame,
                      source_sets: list[list[str]] | None = None) -> dict[str, Any]:
    """How well clusters recover people, over every record in both ``clusters`` and
    ``truth``: see :func:`linkready.link.cluster_quality.cluster_quality` (an exact
    tree). ``source_sets``: also per set of sources (each restricted to its records,
    clusters as made over all sources)."""
    merged = clusters.merge(truth, on=["source", "record_id"], how="inner")
    if merged.empty:
        return {}
    out = cluster_quality.cluster_quality(merged["cluster_id"], merged["person_id"])
    if source_sets:
        out["by_source_set"] = []
        for sources in source_sets:
            sub = merged[merged["source"].isin(sources)]
            if not sub.empty:
                out["by_source_set"].append({"sources": list(sources), **(
                    cluster_quality.cluster_quality(sub["cluster_id"], sub["person_id"]))})
    return out


#: The rates of :func:`measures` that rest on each of its counts.
RESTS_ON: dict[str, tuple[str, ...]] = {
    "true_positives": ("precision", "recall", "f1", "false_match_rate", "missed_match_rate"),
    "false_positives": ("precision", "false_match_rate", "f1"),
    "false_negatives": ("recall", "missed_match_rate", "f1"),
}


def measure_cell(m: dict[str, Any], key: str) -> Cell:
    """The cell of one count of :func:`measures` with the rates resting on it: hidden
    together, as a rate beside a hidden count would give it back."""
    return cell(m[key], *(m[r] for r in RESTS_ON[key]))


def _natural(values: Any) -> list[Any]:
    """Sorted numerically when the values are numbers (deciles 1…10), else as text."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def grouped_missed_rate(outcomes: pd.DataFrame, population: pd.DataFrame, dim: str,
                        groups: dict[str, list[Any]]) -> dict[str, Rate]:
    """Missed-match rate of coarser groups (e.g. IMD deciles 1–3 against 8–10), as
    exact :class:`~linkready.publish.Rate` figures."""
    attr = outcomes["person_id"].map(population.set_index("person_id")[dim])
    out: dict[str, Rate] = {}
    for name, members in groups.items():
        sub = outcomes[attr.isin(members) & outcomes["true_match"]]
        out[name] = Rate(int((~sub["correct"]).sum()), len(sub))
    return out


def _plain(value: Any) -> Any:
    """numpy scalars → Python, for JSON."""
    return value.item() if isinstance(value, np.generic) else value
