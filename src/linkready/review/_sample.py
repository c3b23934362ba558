"""``review sample``: read the link outputs and the workspace, draw the stratified sample
of each pair, and fetch the records the reviewer will see. No file is written here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from linkready._version import __version__
from linkready.errors import ConfigError, InputError
from linkready.project import Project
from linkready.review._design import (
    CANDIDATE_MIN,
    NO_CANDIDATE_GUESS,
    allocate,
    assign_strata,
    best_per_left,
    draw,
    strata_for,
)

SCHEMA_VERSION = "1.0"
DEFAULT_SIZE = 200
#: Record fields shown to the reviewer, in this order (extras after them if present).
SHOWN_FIELDS: tuple[str, ...] = ("record_id", "nhs_number", "given_name", "family_name",
                                 "dob", "sex", "postcode", "ethnicity")
HIDDEN_FIELDS = {"source", "nhs_number_valid"}


@dataclass(frozen=True)
class LinkOutputs:
    """What ``link`` wrote: the summary, the links, the saved models and where they are."""

    dir: Path
    linkage: dict[str, Any]
    links: pd.DataFrame
    models: dict[str, dict[str, Any]]


def find_link_dir(project: Project, linkage: Path | None) -> Path:
    """The folder holding linkage.json: ``--linkage``, else ``linkready-results/``
    beside the project file (the default output place of link and assess)."""
    from linkready.outdir import default_results

    where = linkage or default_results(project.root)
    if (where / "linkage.json").is_file() and (where / "links.parquet").is_file():
        return where
    if (where / "linkage.json").is_file():
        raise InputError(f"{where}: linkage.json but no links.parquet (link ran with "
                         "--aggregates-only, which keeps no links); run `linkready link "
                         "PROJECT.yaml` without it to have links to sample")
    raise InputError(f"{where}: no linkage.json / links.parquet; run `linkready link "
                     "PROJECT.yaml` first (or pass its output directory as --linkage)")


def read_link_outputs(link_dir: Path) -> LinkOutputs:
    """linkage.json, links.parquet and every model file linkage.json names."""
    try:
        linkage = json.loads((link_dir / "linkage.json").read_text(encoding="utf-8"))
        links = pd.read_parquet(link_dir / "links.parquet")
    except (OSError, ValueError) as exc:
        raise InputError(f"{link_dir}: linkage.json or links.parquet cannot be read "
                         f"({type(exc).__name__}); re-run `linkready link`") from None
    models = {}
    for key, rel in (linkage.get("models") or {}).items():
        path = link_dir / rel
        try:
            models[key] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise InputError(f"{path}: the model file cannot be read; re-run "
                             "`linkready link`") from None
    return LinkOutputs(link_dir, linkage, links, models)


def chosen_pairs(linkage: dict[str, Any], pairs: list[tuple[str, str]] | None) -> list[
        tuple[str, str]]:
    """The pairs to review: ``pairs`` (each must have been linked), else every linked pair."""
    linked = [(p["left"], p["right"]) for p in linkage.get("pairs", [])]
    if not pairs:
        return linked
    missing = [f"{a}:{b}" for a, b in pairs if (a, b) not in linked]
    if missing:
        raise ConfigError(f"--pairs: {', '.join(missing)} not linked in linkage.json; use "
                          f"one of {', '.join(f'{a}:{b}' for a, b in linked)}")
    return list(dict.fromkeys(pairs))


def pair_links(links: pd.DataFrame, left: str, right: str) -> pd.DataFrame:
    """The rows of links.parquet that belong to one pair (not the clustering stage's)."""
    keep = (links["source_l"] == left) & (links["source_r"] == right) & \
        (links["stage"] != "clustering")
    return links[keep]


def _records(con: Any, source: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The shown fields of some records of a source, by record id."""
    import pyarrow as pa

    if not ids:
        return {}
    con.register("__lr_rv_show", pa.table({"id": pa.array(sorted(set(ids)), pa.string())}))
    try:
        frame = con.execute(
            "SELECT * FROM ws.records WHERE source = ? AND record_id IN "
            "(SELECT id FROM __lr_rv_show)", [source]).fetch_df()
    finally:
        con.unregister("__lr_rv_show")
    cols = [c for c in SHOWN_FIELDS if c in frame.columns] + \
        [c for c in frame.columns if c not in SHOWN_FIELDS and c not in HIDDEN_FIELDS]
    out = {}
    for row in frame[cols].to_dict("records"):
        out[str(row["record_id"])] = {c: _text(row[c]) for c in cols}
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value)


def sample_pair(con: Any, outputs: LinkOutputs, left: str, right: str, size: int,
                rng: np.random.Generator) -> tuple[dict[str, Any], pd.DataFrame]:
    """The design of one pair (strata, populations, sizes) and its sampled rows."""
    from linkready.review._neighbours import nearest

    threshold = float(outputs.linkage["threshold"])
    left_ids = con.execute("SELECT record_id FROM ws.records WHERE source = ? ORDER BY 1",
                           [left]).fetch_df()["record_id"].astype(str)
    if left_ids.empty:
        raise InputError(f"source `{left}` has no records in the workspace; re-run ingest "
                         "and link")
    best = best_per_left(left_ids, pair_links(outputs.links, left, right))
    strata = assign_strata(best, threshold)
    defs = strata_for(threshold)
    pops = {s.id: int((strata == s.id).sum()) for s in defs}
    guesses = {s.id: (float(best.loc[strata == s.id, "p"].mean()) if s.low is not None
                      and pops[s.id] else NO_CANDIDATE_GUESS) for s in defs}
    sizes = allocate(pops, guesses, size)
    rows = draw(best, strata, sizes, rng)
    hidden = rows["stratum"] == "unlinked_no_candidate"
    if hidden.any():
        model = outputs.models.get(f"{left}:{right}")
        if model is None:
            raise InputError(f"{outputs.dir}: no saved model for {left}:{right} in "
                             "linkage.json's `models`; re-run `linkready link`")
        near = nearest(con, model, left, right,
                       rows.loc[hidden, "record_id_l"].tolist()).to_pandas()
        near = near.set_index("record_id_l")
        rows.loc[hidden, "record_id_r"] = rows.loc[hidden, "record_id_l"].map(near["record_id_r"])
        rows.loc[hidden, "p"] = rows.loc[hidden, "record_id_l"].map(near["p"])
    design = {
        "left": left, "right": right, "threshold": threshold,
        "left_records": len(best),
        "strata": [{"id": s.id, "kind": s.kind, "label": s.label, "p_low": s.low,
                    "p_high": None if s.high is None else min(s.high, 1.0),
                    "population": pops[s.id], "sample": sizes[s.id]}
                   for s in defs if pops[s.id]],
    }
    return design, rows


def build_sample(project: Project, outputs: LinkOutputs, con: Any,
                 pairs: list[tuple[str, str]] | None, size: int, seed: int) -> dict[str, Any]:
    """The whole sample: ``review.json``'s content plus, under ``records``, the shown
    fields of every record in it (record-level: for review.html and review.csv only)."""
    if size < 1:
        raise ConfigError(f"--size: {size} is not a positive number of labels per pair; "
                          f"use e.g. {DEFAULT_SIZE}")
    rng = np.random.default_rng(seed)
    designs: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    records: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for left, right in chosen_pairs(outputs.linkage, pairs):
        design, rows = sample_pair(con, outputs, left, right, size, rng)
        designs.append(design)
        shown_l = _records(con, left, rows["record_id_l"].tolist())
        shown_r = _records(con, right, rows["record_id_r"].dropna().tolist())
        for r in rows.itertuples():
            rid_r = None if pd.isna(r.record_id_r) else str(r.record_id_r)
            items.append({"item": f"{len(items) + 1:04d}", "pair": f"{left}:{right}",
                          "stratum": r.stratum, "record_id_l": str(r.record_id_l),
                          "record_id_r": rid_r,
                          "p": None if pd.isna(r.p) else round(float(r.p), 6)})
            records[items[-1]["item"]] = (shown_l.get(str(r.record_id_l), {}),
                                          shown_r.get(rid_r, {}) if rid_r else {})
    design_doc = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "project": project.name,
        "linkage_config_hash": outputs.linkage.get("config_hash"),
        "seed": seed,
        "size_per_pair": size,
        "candidate_min_probability": CANDIDATE_MIN,
        "pairs": designs,
        "items": items,
    }
    design_doc = {"sample_id": sample_id(design_doc), **design_doc}
    return {"design": design_doc, "records": records}


def sample_id(design: dict[str, Any]) -> str:
    """A short hash of the design (project, link run, seed, strata, items): labels carry
    it, so labels from another sample are refused."""
    body = json.dumps({k: v for k, v in design.items() if k not in ("sample_id",
                                                                     "tool_version")},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:12]
