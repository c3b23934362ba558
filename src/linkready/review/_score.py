"""``review score``: the design and its labels → ``review_estimates.json`` (aggregates
only: estimates, intervals, and label counts under disclosure control)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from linkready._version import __version__
from linkready.errors import InputError
from linkready.privacy import suppress
from linkready.review._estimate import (
    MEASURES,
    StratumLabels,
    estimate,
    labels_needed,
)
from linkready.review._labels import MATCH, NON_MATCH, UNSURE

SCHEMA_VERSION = "1.0"
ESTIMATES_NAME = "review_estimates.json"
HALF_WIDTHS: tuple[float, ...] = (0.02, 0.05)
METHOD = (
    "Stratified sample of left records per pair (strata by the match probability of the "
    "best link or best candidate, including unlinked records just below the threshold and "
    "records with no candidate, shown with their nearest neighbour). Each stratum's share "
    "of matches is estimated from its labels and applied to all its records (weights = "
    "stratum population / labels). 95% intervals: draws from each stratum's Beta "
    "posterior (unlabelled records drawn Binomial, so a fully labelled stratum is exact), "
    "enveloped over Beta(½,½) and Beta(0.05,0.05) priors; unsure labels count as half a "
    "match in the estimate and the interval is widened to cover reading them all as "
    "matches or all as non-matches. See docs/review.md."
)


def read_design(path: Path) -> dict[str, Any]:
    """review.json, checked to be a review design."""
    try:
        design = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(f"{path}: cannot be read as JSON; point --sample at the folder "
                         "`review sample` wrote") from None
    if not isinstance(design, dict) or not {"sample_id", "pairs", "items"} <= design.keys():
        raise InputError(f"{path}: not a review design (no sample_id, pairs, items); point "
                         "--sample at the folder `review sample` wrote")
    if str(design.get("schema_version", "")).split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{path}: schema_version {design.get('schema_version')} is not "
                         f"supported; draw the sample again with this linkready")
    return design


def check_design(design: dict[str, Any], project_name: str, linkage: dict[str, Any] | None,
                 design_path: Path) -> None:
    """Raise InputError when the design belongs to another project or link run."""
    if design.get("project") != project_name:
        raise InputError(f"{design_path}: the sample is from project `{design.get('project')}`"
                         f", not `{project_name}`; score it with its own project file")
    if linkage is not None and design.get("linkage_config_hash") != linkage.get("config_hash"):
        raise InputError(f"{design_path}: the sample was drawn from another link run "
                         "(linkage.json's config_hash differs); draw a new sample with "
                         "`linkready review sample`")


def stratum_labels(design: dict[str, Any], labels: dict[str, str]) -> dict[str, list[
        StratumLabels]]:
    """Per pair ("left:right"), the label counts of every stratum."""
    counts: dict[tuple[str, str], list[int]] = {}
    for it in design["items"]:
        lab = labels.get(it["item"])
        if lab is None:
            continue
        c = counts.setdefault((it["pair"], it["stratum"]), [0, 0, 0])
        c[{MATCH: 0, NON_MATCH: 1, UNSURE: 2}[lab]] += 1
    out = {}
    for p in design["pairs"]:
        key = f"{p['left']}:{p['right']}"
        out[key] = [StratumLabels(s["id"], s["kind"], int(s["population"]),
                                  *counts.get((key, s["id"]), [0, 0, 0]))
                    for s in p["strata"]]
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def score(design: dict[str, Any], labels: dict[str, str], *, source: str,
          seed: int = 0) -> dict[str, Any]:
    """The review_estimates.json document."""
    rng = np.random.default_rng(seed)
    per_pair = stratum_labels(design, labels)
    pairs = []
    for p in design["pairs"]:
        key = f"{p['left']}:{p['right']}"
        strata = per_pair[key]
        est = estimate(strata, rng)
        sizes = {s["id"]: s["sample"] for s in p["strata"]}
        total = sum(sizes.values()) or 1
        alloc = [sizes[s.id] / total for s in strata]
        needed = {m: {f"{h:g}": labels_needed(strata, alloc, m, h) for h in HALF_WIDTHS}
                  for m in MEASURES}
        pairs.append({
            "left": p["left"], "right": p["right"], "threshold": p["threshold"],
            "left_records": suppress(p["left_records"]),
            "labelled": suppress(sum(s.labelled for s in strata)),
            "unsure": suppress(sum(s.unsure for s in strata)),
            **{m: {"estimate": _r(est[m].estimate), "lower": _r(est[m].lower),
                   "upper": _r(est[m].upper)} for m in MEASURES},
            "labels_needed": needed,
            "strata": [{"id": s.id, "kind": s.kind, "label": d["label"],
                        "population": suppress(s.population),
                        "labelled": suppress(s.labelled), "match": suppress(s.match),
                        "non_match": suppress(s.non_match), "unsure": suppress(s.unsure)}
                       for s, d in zip(strata, p["strata"], strict=True)],
        })
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "written_by": "linkready review score",
        "project": design["project"],
        "sample_id": design["sample_id"],
        "linkage_config_hash": design.get("linkage_config_hash"),
        "labels": source,
        "seed": seed,
        "interval": 0.95,
        "method": METHOD,
        "unit": "left records (GUILD), as in evaluation.json",
        "pairs": pairs,
    }
