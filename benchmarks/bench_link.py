"""Linkage speed, memory and accuracy.

- one local-authority source against the GP register (~1M records from ``ics``), with
  training, prediction and clustering timed, and peak memory of a fresh process;
- how that grows with population (50k, 250k, 900k people);
- the whole ``borough`` project (every source against the GP register, clustered), and
  the whole ``default`` and ``ics`` projects (``ics`` not in quick mode), each with and
  without the label-free estimates;
- the issue's accuracy targets on ``default``, ``la_without_nhs_number`` and
  ``primary_acute`` at their full default size, and the direction of linkage bias.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks._machine import peak_rss_mb, run_isolated, timed

LA_PAIR = "la_housing:gp_register"


def _prepare(scenario: str, population: str, root: Path) -> Any:
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario
    from linkready.ingest import ingest_project
    from linkready.project import load_project

    pop = None if population == "default" else int(population)
    generate_to_dir(load_scenario(scenario, population=pop), root, fmt="parquet",
                    overwrite=True)
    project = load_project(root / "project.yaml")
    _, seconds = timed(lambda: ingest_project(project))
    INGEST_SECONDS[str(root)] = seconds
    return project


#: Ingest wall time per prepared directory (reported next to link time).
INGEST_SECONDS: dict[str, float] = {}


def link_once(scenario: str, population: str, pairs: str,
              estimates: str = "with") -> dict[str, Any]:
    """Generate and ingest (untimed), then link and time each step; report peak memory.
    ``estimates``: ``with`` the label-free estimates, or ``without`` (``--no-estimates``)."""
    from linkready.link import link_project

    with tempfile.TemporaryDirectory() as tmp:
        project = _prepare(scenario, population, Path(tmp) / "w")
        ingest_seconds = INGEST_SECONDS[str(Path(tmp) / "w")]
        chosen = None if pairs == "all" else [tuple(p.split(":")) for p in pairs.split(",")]
        run, seconds = timed(lambda: link_project(project, pairs=chosen,
                                                  estimates=estimates != "without"))
    steps: dict[str, float] = {}
    for p in run.pairs:
        for k, v in p.timings.items():
            steps[k] = steps.get(k, 0.0) + v
    from linkready import publish

    # Pair summaries are exact trees (linkready.publish): counts are figures.
    records = sum(int(publish.exact(p.summary)["left_records"]) for p in run.pairs)
    records += int(publish.exact(run.pairs[0].summary)["right_records"])
    from benchmarks.bench_vs_splink import label_free_split
    from linkready.link.pair import CPU

    steps["clustering"] = run.timings.get("clustering", 0.0)
    without, label_free = label_free_split(steps)
    cpu_without, cpu_label_free = label_free_split(steps, CPU)
    return {"seconds": seconds, "ingest_seconds": ingest_seconds, "records": records,
            "label_free": label_free, "without_label_free": without,
            "cpu_label_free": cpu_label_free, "cpu_without_label_free": cpu_without,
            "peak_mb": peak_rss_mb(),
            "training": steps.get("training", 0.0) + steps.get("blocking_counts", 0.0),
            "prediction": steps.get("prediction", 0.0),
            "clustering": run.timings.get("clustering", 0.0),
            "pairs": len(run.pairs)}


def accuracy_once(scenario: str, population: str, pairs: str) -> dict[str, Any]:
    """Link and evaluate against truth; return per-pair figures and the bias table."""
    from linkready import publish
    from linkready.link import link_project
    from linkready.link.evaluate_run import evaluate_outputs

    with tempfile.TemporaryDirectory() as tmp:
        project = _prepare(scenario, population, Path(tmp) / "w")
        chosen = None if pairs == "all" else [tuple(p.split(":")) for p in pairs.split(",")]
        run = link_project(project, pairs=chosen)
        # Exact figures (internal): the published ones may be "*" where they rest on 1–7.
        ev = evaluate_outputs(project, run.links.to_pandas(), run.summary,
                              clusters=run.clusters).exact()
        bias = _bias(project, run)
    out = []
    for pr, ep in zip(run.pairs, ev["pairs"], strict=True):
        lp = pr.summary
        out.append({
            "pair": f"{lp['left']} → {lp['right']}",
            "det_rate": ep["deterministic"]["match_rate"],
            "prob_rate": ep["probabilistic"]["match_rate"],
            # Σq / left records over the candidate pairs (exact, linkready.publish).
            "expected": publish.exact(pr.summary)["probabilistic"][
                "expected_match_rate"]["among_candidates"],
            "overlap": ep["truth"]["overlap_rate"],
            "f1": ep["combined"]["f1"],
            "prob_precision": ep["probabilistic"]["precision"],
            "prob_recall": ep["probabilistic"]["recall"],
            "det_gap": ep["deterministic"]["gap"],
            "bias": bias.get(lp["left"], {}),
        })
    return {"pairs": out, "clusters": ev["clusters"]}


ETHNIC = {"white": ["white"], "minority": ["asian", "black", "mixed", "other"]}
IMD = {"deciles 1–3": [1, 2, 3], "deciles 8–10": [8, 9, 10]}


def _bias(project: Any, run: Any) -> dict[str, dict[str, dict[str, float | None]]]:
    """Deterministic and probabilistic missed-match rates, white vs minority and most vs
    least deprived, per left source."""
    from linkready import publish
    from linkready.link import evaluate
    from linkready.link.evaluate_run import read_truth

    truth, population = read_truth(project)
    links = run.links.to_pandas()
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for p in run.pairs:
        lt, rt = truth[truth.source == p.left], truth[truth.source == p.right]
        pl = links[(links.source_l == p.left) & (links.source_r == p.right)]
        for stage in ("deterministic", "probabilistic"):
            oc = evaluate.left_outcomes(lt, rt["person_id"], rt,
                                        evaluate.stage_links(pl, stage, run.summary["threshold"]))
            out.setdefault(p.left, {})[stage] = {
                **publish.exact(evaluate.grouped_missed_rate(oc, population, "ethnic_group",
                                                             ETHNIC)),
                **publish.exact(evaluate.grouped_missed_rate(oc, population, "imd_decile",
                                                             IMD))}
    return out


def _row(bench: str, metric: str, value: Any, unit: str, target: str = "",
         note: str = "") -> dict[str, Any]:
    return {"benchmark": bench, "metric": metric, "value": value, "unit": unit,
            "target": target, "note": note}


def _speed_rows(quick: bool) -> list[dict[str, Any]]:
    scenario, pop = ("borough", "60000") if quick else ("ics", "default")
    big = run_isolated("benchmarks.bench_link", "link_once", scenario, pop, LA_PAIR)
    label = f"link {LA_PAIR} ({scenario}, {big['records']:,} records)"
    rows = [
        _row(label, "wall time", round(big["seconds"], 1), "s", "≤ 60 s at ~1M records",
             "training + prediction + clustering + estimates; generate/ingest not timed"),
        _row(label, "training (incl. blocking counts)", round(big["training"], 1), "s"),
        _row(label, "prediction", round(big["prediction"], 1), "s"),
        _row(label, "clustering", round(big["clustering"], 2), "s"),
        _row(label, "peak memory", round(big["peak_mb"]), "MB", "≤ 4096 MB",
             "peak RSS of a fresh process, including generate and ingest"),
    ]
    growth = ["10000", "30000"] if quick else ["50000", "250000"]
    for pop_n in growth:
        g = run_isolated("benchmarks.bench_link", "link_once", "borough", pop_n, LA_PAIR)
        rows.append(_row(f"growth: {LA_PAIR} at {int(pop_n):,} people "
                         f"({g['records']:,} records)", "wall time", round(g["seconds"], 1),
                         "s", "", f"peak {round(g['peak_mb'])} MB"))
    rows += _whole_rows("default", "8000" if quick else "default", "≤ 10 s")
    if not quick:  # ~1.2M records: a minute or two per run, too long for quick mode
        rows += _whole_rows("ics", "default", "≤ 60 s")
    whole_pop = "30000" if quick else "default"
    w = run_isolated("benchmarks.bench_link", "link_once", "borough", whole_pop, "all")
    label = f"whole borough project ({w['pairs']} pairs, {w['records']:,} records)"
    rows.append(_row(label, "wall time, link", round(w["seconds"], 1), "s", "≤ 180 s",
                     f"peak {round(w['peak_mb'])} MB; every source vs GP register, clustered"))
    wo = run_isolated("benchmarks.bench_link", "link_once", "borough", whole_pop, "all",
                      "without")
    rows.append(_row(label, "wall time, link --no-estimates", round(wo["seconds"], 1), "s",
                     "", f"peak {round(wo['peak_mb'])} MB; the same links, without the "
                         "label-free estimates (a fresh process, its own generate and "
                         "ingest, untimed)"))
    rows.append(_row(label, "link steps without / with label-free estimates, wall",
                     f"{w['without_label_free']:.1f} / "
                     f"{w['without_label_free'] + w['label_free']:.1f}", "s", "",
                     "steps summed over pairs (two pairs run at once: their steps "
                     "overlap, so the sum exceeds the wall time), plus clustering; "
                     "label-free estimates = diagnostic sample, decoys, bootstrap"))
    rows.append(_row(label, "link steps without / with label-free estimates, CPU",
                     f"{w['cpu_without_label_free']:.1f} / "
                     f"{w['cpu_without_label_free'] + w['cpu_label_free']:.1f}", "s", "",
                     "user + system time of each pair's own thread (one DuckDB thread "
                     "per pair while two run at once), summed over pairs"))
    rows.append(_row(label, "wall time, ingest + link",
                     round(w["seconds"] + w["ingest_seconds"], 1), "s", "",
                     "raw Parquet extracts to clusters"))
    return rows


def _whole_rows(scenario: str, population: str, target: str) -> list[dict[str, Any]]:
    """The whole project linked (every pair, clustered) with the label-free estimates
    and with ``--no-estimates``, each in a fresh process, one after the other."""
    rows: list[dict[str, Any]] = []
    for how, metric in (("with", "wall time, link"),
                        ("without", "wall time, link --no-estimates")):
        r = run_isolated("benchmarks.bench_link", "link_once", scenario, population, "all",
                         how)
        label = f"whole {scenario} project ({r['pairs']} pairs, {r['records']:,} records)"
        rows.append(_row(label, metric, round(r["seconds"], 1), "s",
                         target if how == "without" else "",
                         f"peak {round(r['peak_mb'])} MB; generate and ingest not timed"
                         + ("" if how == "with" else "; the same links, without the "
                            "label-free estimates")))
    return rows


def _accuracy_rows(quick: bool) -> list[dict[str, Any]]:
    pop = "8000" if quick else "default"
    rows: list[dict[str, Any]] = []
    d = run_isolated("benchmarks.bench_link", "accuracy_once", "default", pop, "all")
    for p in d["pairs"]:
        rows.append(_row(f"default: {p['pair']}", "F1 (combined)", round(p["f1"], 4), "",
                         "≥ 0.97"))
        rows.append(_row(f"default: {p['pair']}", "expected − true overlap (points)",
                         round(100 * (p["expected"] - p["overlap"]), 2), "pp", "within ±2",
                         f"expected {p['expected']:.3f}, overlap {p['overlap']:.3f}"))
    c = d["clusters"]
    rows.append(_row("default: all sources clustered", "distinct people / true people",
                     round(c["distinct_people_ratio"], 4), "", "",
                     f"people split {c['people_split_rate']:.4f}, clusters merged "
                     f"{c['clusters_merged_rate']:.4f}"))
    la = run_isolated("benchmarks.bench_link", "accuracy_once", "la_without_nhs_number", pop,
                      "la_adult_social_care:gp_register,la_housing:gp_register")
    for p in la["pairs"]:
        bench = f"la_without_nhs_number: {p['pair']}"
        rows.append(_row(bench, "deterministic match rate", round(p["det_rate"], 4), "", "≈ 0"))
        rows.append(_row(bench, "probabilistic recall", round(p["prob_recall"], 4), "",
                         "≥ 0.90"))
        rows.append(_row(bench, "probabilistic precision", round(p["prob_precision"], 4), "",
                         "≥ 0.98"))
    pa = run_isolated("benchmarks.bench_link", "accuracy_once", "primary_acute", pop,
                      "acute:gp_register")["pairs"][0]
    gap = pa["det_gap"]
    rows.append(_row("primary_acute: acute → gp_register", "deterministic match rate",
                     round(pa["det_rate"], 4), "", "0.65–0.70",
                     f"unlinked {gap['unlinked']:.3f} = coverage {gap['coverage']:.3f} + "
                     f"linkage error {gap['linkage_error']:.3f}"))
    for p in d["pairs"]:
        for stage, rates in p["bias"].items():
            text = "; ".join(f"{k} {v:.4f}" for k, v in rates.items() if v is not None)
            rows.append(_row(f"default: {p['pair']}, {stage}", "missed-match rate by group",
                             text, "", "minority > white; deciles 1–3 > 8–10 where configured"))
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Every linkage figure as result rows."""
    return _speed_rows(quick) + _accuracy_rows(quick)
