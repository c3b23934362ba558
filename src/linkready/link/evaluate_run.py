"""``evaluate`` end to end: read truth (the only place it is read), the link outputs,
and write ``evaluation.json``.

:func:`evaluate_outputs` returns the exact :class:`Evaluation`; :func:`evaluation_document`
publishes it (exactly for a synthetic project, under disclosure control otherwise) through
:mod:`linkready.publish`, the one place disclosure control is applied."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkready import publish
from linkready.errors import ConfigError, InputError
from linkready.link import evaluate
from linkready.link.run import config_hash
from linkready.outdir import write_json
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.publish import CONTROLLED_RULE as CONTROLLED_RULE  # re-exported
from linkready.publish import SYNTHETIC_RULE as SYNTHETIC_RULE
from linkready.publish import evaluation_document as evaluation_document
from linkready.synthetic import is_synthetic

TRUTH_COLUMNS = ("source", "record_id", "person_id")


@dataclass(frozen=True)
class Evaluation:
    """The exact evaluation of a project's links: ``pairs`` and ``clusters`` are exact
    trees (:mod:`linkready.publish`); ``synthetic`` decides how they are published."""

    project: str
    config_hash: str
    threshold: float
    synthetic: bool
    pairs: list[dict[str, Any]]
    clusters: dict[str, Any]
    #: :func:`linkready.documents.linkage_digest` of the linkage.json evaluated (None
    #: when the links were not read from one, e.g. in a sweep).
    linkage_sha256: str | None = None

    def exact(self) -> dict[str, Any]:
        """Every figure as measured (``pairs`` and ``clusters`` as in the document)."""
        return {"pairs": publish.exact(self.pairs), "clusters": publish.exact(self.clusters)}

    def pair(self, left: str, right: str) -> dict[str, Any]:
        """One pair's exact figures."""
        got = next(p for p in self.pairs if (p["left"], p["right"]) == (left, right))
        return dict(publish.exact(got))


def read_truth(project: Project) -> tuple[Any, Any]:
    """truth.parquet (required) and population.parquet (optional) as DataFrames."""
    import pandas as pd

    path = project.truth_path()
    if path is None:
        raise ConfigError(f"{project.label()}: truth: not set; evaluate needs synthetic "
                          "truth (generated projects have it): add `truth: FILE` or use "
                          "`linkready review` to label a sample")
    if not path.is_file():
        raise InputError(f"{path}: truth file not found; re-run generate or fix `truth:`")
    truth = _parquet(pd, path, "truth")
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
            population = _parquet(pd, pop_path, "population")
            population = population[[c for c in cols if c in population.columns]]
    return truth, population


def _parquet(pd: Any, path: Path, key: str) -> Any:
    """A Parquet file as a DataFrame, or InputError naming the key and the fix."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # any reader failure is bad input, not a bug
        raise InputError(f"{path}: `{key}:` must name a Parquet file (the {key}.parquet that "
                         f"generate wrote); this one cannot be read as Parquet "
                         f"({type(exc).__name__})") from None


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
                     clusters: Any = None, linkage_file: Path | None = None) -> Evaluation:
    """The exact evaluation of every pair in ``linkage`` and of the clustering into
    people; :func:`evaluation_document` publishes it (exactly when the project is
    synthetic, :func:`linkready.synthetic.is_synthetic`: no real person is in it; with
    disclosure control otherwise, e.g. a real gold-standard ``truth:``).
    ``clusters`` (a DataFrame or Arrow table of clusters.parquet) is rebuilt from the
    linked pairs of ``links`` when not given: connected components are fixed by the
    links, so the clusters of the records in truth come out the same. ``linkage_file``
    (the linkage.json ``linkage`` was published as) is recorded by its digest, so a
    report can refuse this evaluation once linkage.json is replaced."""
    from linkready.documents import linkage_digest
    from linkready.link.skipped import SKIPPED, skipped

    truth, population = read_truth(project)
    pairs = []
    for p in linkage["pairs"]:
        pairs.append(evaluate.evaluate_pair(links, truth, population, p["left"], p["right"],
                                            linkage["threshold"]))
        pairs[-1]["expected_match_rate"] = p["probabilistic"]["expected_match_rate"]["estimate"]
        if skipped(p):  # linked with --no-estimates: nothing to set against the truth
            pairs[-1]["estimates"] = SKIPPED
        progress(f"{p['left']} → {p['right']}")
    in_scope = linkage.get("clusters", {}).get("sources") or sorted(
        {s for p in linkage["pairs"] for s in (p["left"], p["right"])})
    if clusters is None:
        clusters = clusters_from_links(links, truth, in_scope)
    elif not hasattr(clusters, "merge"):
        clusters = clusters.to_pandas()
    source_sets = [in_scope, *([p["left"], p["right"]] for p in linkage["pairs"]),
                   *([s] for s in in_scope)]
    digest = None if linkage_file is None else linkage_digest(
        json.loads(linkage_file.read_text(encoding="utf-8")))
    return Evaluation(project.name, config_hash(project), linkage["threshold"],
                      is_synthetic(project), pairs,
                      evaluate.evaluate_clusters(clusters, truth, source_sets=source_sets),
                      linkage_sha256=digest)


def clusters_from_links(links: Any, truth: Any, sources: list[str]) -> Any:
    """Clusters (source, record_id, cluster_id) of the truth's records of ``sources`` and
    of every linked record, as connected components over the linked pairs."""
    import pandas as pd
    import pyarrow as pa

    from linkready.link.clustering import cluster

    kept = links[links["linked"].fillna(False).astype(bool)] if "linked" in links \
        else links.iloc[0:0]
    ends = pd.concat([
        kept[["source_l", "record_id_l"]].set_axis(["source", "record_id"], axis=1),
        kept[["source_r", "record_id_r"]].set_axis(["source", "record_id"], axis=1),
        truth.loc[truth["source"].isin(sources), ["source", "record_id"]],
    ]).astype(str).drop_duplicates()
    def strings(frame: Any) -> dict[str, Any]:
        return {c: pa.array(frame[c].astype(str).tolist(), pa.string()) for c in frame}

    cols = ["source_l", "record_id_l", "source_r", "record_id_r"]
    made = cluster(pa.table(strings(ends)),
                   pa.table({**strings(kept[cols]), "linked": pa.array([True] * len(kept))}))
    return made.to_pandas()


def evaluate_project(project: Project, out: Path, *, workspace: Path | None = None,
                     progress: ProgressCallback = no_progress,
                     stage: Path | None = None, record_level: bool = True) -> Evaluation:
    """Evaluate the link outputs in ``out`` (exact); when there are none, link first and
    write the link outputs into ``stage`` (default ``out``), to be published with the
    evaluation (without links.parquet and clusters.parquet unless ``record_level``)."""
    if not (out / "links.parquet").is_file():
        read_truth(project)  # a missing or unreadable truth fails before linking

        from linkready.link.run import link_project, write_outputs

        out = stage or out
        run = link_project(project, workspace=workspace)
        write_outputs(run, out, record_level=record_level)
        if not record_level:
            return evaluate_outputs(project, run.links.to_pandas(), run.summary, progress,
                                    clusters=run.clusters,
                                    linkage_file=out / "linkage.json")
    links, linkage = read_links(out)
    clusters = None
    if (out / "clusters.parquet").is_file():
        import pandas as pd

        clusters = pd.read_parquet(out / "clusters.parquet")
    return evaluate_outputs(project, links, linkage, progress, clusters=clusters,
                            linkage_file=out / "linkage.json")


def write_evaluation(evaluation: Evaluation, out: Path) -> Path:
    """Write ``evaluation.json`` (:func:`evaluation_document`)."""
    return write_json(out / "evaluation.json", evaluation_document(evaluation))
