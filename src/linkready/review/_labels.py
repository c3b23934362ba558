"""Read a labels file (the page's download or a filled-in review.csv) against the design
it belongs to, or make labels from synthetic truth (``--auto-label``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from linkready.errors import InputError

MATCH, NON_MATCH, UNSURE = "match", "non-match", "unsure"
#: Accepted spellings, lower-cased and stripped.
SPELLINGS: dict[str, str] = {
    "match": MATCH, "m": MATCH, "yes": MATCH, "y": MATCH, "1": MATCH, "same": MATCH,
    "non-match": NON_MATCH, "nonmatch": NON_MATCH, "non_match": NON_MATCH,
    "non match": NON_MATCH, "n": NON_MATCH, "no": NON_MATCH, "0": NON_MATCH,
    "unsure": UNSURE, "u": UNSURE, "?": UNSURE, "not sure": UNSURE,
}
#: Problems listed one line each before the rest are summed up in one more line.
MAX_LINES = 50


def read_labels(path: Path, design: dict[str, Any], *, partial: bool = False) -> dict[str, str]:
    """Labels by item from ``path``, checked against ``design`` (review.json).

    Raises InputError with one line per problem: a file that is not a labels file, a
    sample id other than the design's (labels from another project or sample), unknown
    or repeated items, labels that are not match / non-match / unsure, and — unless
    ``partial`` — items left unlabelled."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({type(exc).__name__}); "
                         "save the labels as CSV (UTF-8)") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    cols = {c.strip().lower() for c in (rows[0].keys() if rows else
                                        next(csv.reader(io.StringIO(text)), []))}
    need = [c for c in ("sample_id", "item", "label") if c not in cols]
    if need:
        raise InputError(f"{path}: no {', '.join(f'`{c}`' for c in need)} column; a labels "
                         "file is the page's download or review.csv with its `label` column "
                         "filled in")
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in rows]
    sid = design["sample_id"]
    others = sorted({r["sample_id"] for r in rows if r["sample_id"] and r["sample_id"] != sid})
    if others:
        raise InputError(f"{path}: labels are for sample {others[0]}, not {sid} (the "
                         "review.json given): they come from another project or sample; "
                         "score them with the review.json they were drawn with")
    known = {it["item"] for it in design["items"]}
    problems: list[str] = []
    labels: dict[str, str] = {}
    bad: set[str] = set()
    for line, r in enumerate(rows, start=2):
        item = r["item"].zfill(4) if r["item"].isdigit() else r["item"]
        if item not in known:
            problems.append(f"{path} line {line}: item `{r['item']}` is not in sample {sid}; "
                            "remove the row")
            continue
        raw = r["label"]
        if not raw:
            continue
        value = SPELLINGS.get(raw.lower())
        if value is None:
            bad.add(item)
            problems.append(f"{path} line {line}: label of item {item} is not match, "
                            "non-match or unsure (m/n/u); correct it")
        elif item in labels and labels[item] != value:
            problems.append(f"{path} line {line}: item {item} is labelled twice, differently; "
                            "keep one row")
        else:
            labels[item] = value
    if not partial:
        problems += [f"{path}: item {it} has no label; label it, or pass --partial to score "
                     "the labelled items only" for it in sorted(known - set(labels) - bad)]
    if problems:
        shown = problems[:MAX_LINES]
        if len(problems) > MAX_LINES:
            shown.append(f"{path}: … and {len(problems) - MAX_LINES} more problems like these")
        raise InputError(f"{path}: {len(problems)} problem(s) with the labels", shown)
    if not labels:
        raise InputError(f"{path}: no item is labelled; label some items in review.html or "
                         "review.csv first")
    return labels


def auto_labels(design: dict[str, Any], truth: Any, *, wrong: float = 0.0,
                seed: int = 0) -> dict[str, str]:
    """Labels from synthetic truth (``truth``: source, record_id, person_id): match when
    both records are the same person. A share ``wrong`` of labels, chosen at random
    (seeded), is flipped to mimic reviewers who disagree."""
    if not 0.0 <= wrong < 0.5:
        raise InputError(f"--wrong-labels: {wrong} is not a share in [0, 0.5); use e.g. 0.05")
    person = {(str(s), str(r)): p for s, r, p in zip(
        truth["source"], truth["record_id"], truth["person_id"], strict=True)}
    rng = np.random.default_rng(seed)
    out = {}
    for it in design["items"]:
        left, right = it["pair"].split(":")
        pl = person.get((left, it["record_id_l"]))
        pr = person.get((right, it["record_id_r"])) if it["record_id_r"] else None
        same = pl is not None and pl == pr
        if rng.random() < wrong:
            same = not same
        out[it["item"]] = MATCH if same else NON_MATCH
    return out
