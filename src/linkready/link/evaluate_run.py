"""``evaluate`` end to end: read truth (the only place it is read), the link outputs,
and write ``evaluation.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linkready.documents import header
from linkready.errors import ConfigError, InputError
from linkready.link import evaluate
from linkready.link.run import SCHEMA_VERSION, config_hash
from linkready.outdir import write_json
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project

TRUTH_COLUMNS = ("source", "record_id", "person_id")


def read_truth(project: Project) -> tuple[Any, Any]:
    """truth.parquet (required) and population.parquet (optional) as DataFrames."""
    import pandas as pd

    path = project.truth_path()
    if path is None:
        raise ConfigError(f"{project.name}: the project has no `truth:`; evaluate needs "
                          "synthetic truth (generated projects have it)")
    if not path.is_file():
        raise InputError(f"{path}: truth file not found; re-run generate or fix `truth:`")
    truth = pd.read_parquet(path)
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                         f"{', '.join(TRUTH_COLUMNS)}")
    truth = truth.assign(source=truth["source"].astype(str),
                         record_id=truth["record_id"].astype(str))
    population = None
    if project.population:
        pop_path = (project.root / project.population).resolve()
        if pop_path.is_file():
            cols = ["person_id", *evaluate.SUBGROUPS]
            population = pd.read_parquet(pop_path)
            population = population[[c for c in cols if c in population.columns]]
    return truth, population


def read_links(out: Path) -> tuple[Any, dict[str, Any]]:
    """links.parquet and linkage.json from a link output directory."""
    import pandas as pd

    links_path, summary_path = out / "links.parquet", out / "linkage.json"
    if not links_path.is_file() or not summary_path.is_file():
        raise InputError(f"{out}: no links.parquet / linkage.json; run `linkready link` "
                         "with the same --out first")
    return pd.read_parquet(links_path), json.loads(summary_path.read_text())


def evaluate_outputs(project: Project, links: Any, linkage: dict[str, Any],
                     progress: ProgressCallback = no_progress,
                     clusters: Any = None, exact: bool = False) -> dict[str, Any]:
    """The evaluation of every pair in ``linkage`` and, given ``clusters`` (a DataFrame
    or Arrow table of clusters.parquet), of the clustering into people. ``exact``:
    unrounded, unsuppressed rates for internal use (tests, benchmarks); never written."""
    truth, population = read_truth(project)
    pairs = []
    for p in linkage["pairs"]:
        pairs.append(evaluate.evaluate_pair(links, truth, population, p["left"], p["right"],
                                            linkage["threshold"], exact=exact))
        pairs[-1]["expected_match_rate"] = p["probabilistic"]["expected_match_rate"]["estimate"]
        progress(f"{p['left']} → {p['right']}")
    return {
        **header(project.name, config_hash(project), SCHEMA_VERSION),
        "threshold": linkage["threshold"],
        "unit": "left records (GUILD): see docs/schemas/evaluation.md",
        "pairs": pairs,
        "clusters": ({} if clusters is None else evaluate.evaluate_clusters(
            clusters if hasattr(clusters, "merge") else clusters.to_pandas(), truth,
            exact=exact)),
    }


def evaluate_project(project: Project, out: Path, *, workspace: Path | None = None,
                     progress: ProgressCallback = no_progress,
                     stage: Path | None = None) -> dict[str, Any]:
    """Evaluate the link outputs in ``out``; when there are none, link first and write
    the link outputs into ``stage`` (default ``out``), to be published with the
    evaluation."""
    if not (out / "links.parquet").is_file():
        if project.truth is None:
            read_truth(project)  # raises the clear "no truth" error before linking
        from linkready.link.run import link_project, write_outputs

        out = stage or out
        write_outputs(link_project(project, workspace=workspace), out)
    links, linkage = read_links(out)
    clusters = None
    if (out / "clusters.parquet").is_file():
        import pandas as pd

        clusters = pd.read_parquet(out / "clusters.parquet")
    return evaluate_outputs(project, links, linkage, progress, clusters=clusters)


def write_evaluation(evaluation: dict[str, Any], out: Path) -> Path:
    """Write ``evaluation.json``."""
    return write_json(out / "evaluation.json", evaluation)
