"""``link`` end to end: every pair, then all sources clustered; outputs written at the edge."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkready.documents import SCHEMA_VERSION as DOCUMENT_SCHEMA
from linkready.documents import header
from linkready.errors import ConfigError
from linkready.link import clustering, dedupe, orphans, parallel, skipped
from linkready.link.backends import check_backend, open_backend
from linkready.link.digits import MODEL_DIGITS, tidy
from linkready.link.outputs import (  # noqa: F401 - importable from here as before
    OUTPUT_NAMES,
    RECORD_LEVEL_NAMES,
    step_count,
)
from linkready.link.pair import PairResult, link_pair
from linkready.link.settings import TrainingConfig
from linkready.link.workspace import (
    check_pairs,
    connect,
    ensure_workspace,
    source_stats,
)
from linkready.outdir import write_json, write_with
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.publish import linkage_document

if TYPE_CHECKING:
    from linkready.link.spark import SparkSettings

SCHEMA_VERSION = DOCUMENT_SCHEMA
DEFAULT_THRESHOLD = 0.9


@dataclass
class LinkageRun:
    """Everything ``link`` produces, in memory."""

    summary: dict[str, Any]
    pairs: list[PairResult] = field(default_factory=list)
    clusters: Any = None  # pyarrow.Table (source, record_id, cluster_id)
    #: Wall seconds for the whole-project steps (pairs carry their own).
    timings: dict[str, float] = field(default_factory=dict)
    #: Links between unlinked records of sources never paired (stage ``clustering``).
    orphan_links: Any = None
    #: Links within a source paired with itself (stage ``dedupe``, link/dedupe.py).
    dedupe_links: Any = None
    #: What ``link_project``'s ``inputs_key`` returned (None when not asked).
    inputs_key: str | None = None

    @property
    def pair_links(self) -> Any:
        """All pairs' links as one Arrow table."""
        import pyarrow as pa

        if not self.pairs:  # a project that only deduplicates
            return dedupe.links_schema().empty_table()
        return pa.concat_tables([p.links for p in self.pairs])

    @property
    def links(self) -> Any:
        """Everything in links.parquet: the pairs' links, then the orphan links."""
        import pyarrow as pa

        extra = [t for t in (self.orphan_links, self.dedupe_links)
                 if t is not None and t.num_rows]
        if not extra:
            return self.pair_links
        return pa.concat_tables([self.pair_links, *(t.cast(self.pair_links.schema)
                                                     for t in extra)])


def config_hash(project: Project) -> str:
    """The project's provenance hash: SHA-256 of its project file's bytes
    (:meth:`linkready.project.Project.config_hash`), as in every other document."""
    return project.config_hash()


def link_project(project: Project, *, pairs: list[tuple[str, str]] | None = None,
                 threshold: float = DEFAULT_THRESHOLD, workspace: Path | None = None,
                 config: TrainingConfig | None = None,
                 progress: ProgressCallback = no_progress, backend: str = "duckdb",
                 spark_settings: SparkSettings | None = None,
                 on_warning: Callable[[str], object] | None = None,
                 workers: int | None = None, estimates: bool | None = None,
                 ingest: bool = True,
                 inputs_key: Callable[[Any], str | None] | None = None) -> LinkageRun:
    """Link every pair of the project (or ``pairs``) and cluster all sources into people.

    Reads only the workspace (ingesting first if it does not exist); never the truth.
    ``backend`` is where Splink runs: ``duckdb`` (default) or ``spark`` (with
    ``spark_settings``, see :mod:`linkready.link.spark`); the outputs are the same.
    ``on_warning`` is told each memory-guard warning as soon as it is known (before
    the pair is scored); every warning is also in the summary. ``workers``: pairs
    linked at once on DuckDB, each in its own database (default: up to two, one per
    core, :mod:`linkready.link.parallel`); the outputs are the same for any number.
    ``estimates=False`` skips the label-free estimates (``--no-estimates``; default: as
    ``config.estimates``, which is True): the same links and clusters, and linkage.json
    says ``estimates: "skipped"`` (:mod:`linkready.link.skipped`).
    ``ingest=False``: ``workspace`` is used as it is, not checked against the extracts
    (the caller has just ingested or checked it, as :mod:`linkready.pipeline` does).
    ``inputs_key`` is called with the connection the workspace is attached to (read-only,
    as ``ws``) before anything runs on it; what it returns is the run's ``inputs_key``
    (the pipeline's :func:`linkready.reuse.linkage_key`, without opening the file again).

    Raises:
        ConfigError: bad threshold, pairs or backend name.
        InputError: a source cannot be linked.
        BackendUnavailable: Spark cannot start (PySpark or Java missing).
    """
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"--threshold: {threshold} is not a probability strictly "
                          "between 0 and 1; use e.g. 0.9")
    cfg = config or TrainingConfig()
    if estimates is not None:
        cfg = replace(cfg, estimates=estimates)
    if project.link.comparisons_budget is not None:
        cfg = replace(cfg, comparisons_budget=project.link.comparisons_budget)
    check_backend(backend)
    todo = list(dict.fromkeys(pairs or project.link_pairs))  # a pair named twice runs once
    todo, selves = dedupe.split_pairs(todo)  # [S, S]: deduplicate S (link/dedupe.py)
    if not todo and not selves:
        raise ConfigError("no pairs to link: the project has a single source; add a "
                          "source or declare pairs")
    # Only the sources linked need to be in the workspace (and current).
    if ingest or workspace is None:
        path = ensure_workspace(project, workspace, progress,
                                sources={s for pair in todo for s in pair} | set(selves))
    else:
        path = Path(workspace)
        progress("ingest", 0)
    con = connect(path)
    engine = None
    key = None
    try:
        if inputs_key is not None:
            key = inputs_key(con)
        stats = source_stats(con)
        check_pairs(todo + [(s, s) for s in selves], project, stats)
        engine = open_backend(backend, con, spark_settings)
        progress("workspace")
        n_workers = (workers if workers is not None else parallel.default_workers(len(todo))
                     ) if backend == "duckdb" else 1
        if n_workers > 1 and len(todo) > 1:
            limit = con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
            results = parallel.link_pairs(
                path, str(limit), todo, stats, threshold, cfg, workers=n_workers,
                on_warning=None if on_warning is None else
                (lambda left, right, w: on_warning(f"{left} → {right}: {w}")),
                reference=project.reference(),
                done=lambda left, right: progress(f"{left} → {right}"))
        else:
            results = []
            for left, right in todo:
                tell = None if on_warning is None else \
                    (lambda w, pair=f"{left} → {right}": on_warning(f"{pair}: {w}"))
                results.append(link_pair(con, stats[left], stats[right], threshold, cfg,
                                         backend=engine, on_warning=tell,
                                         reference=project.reference()))
                progress(f"{left} → {right}")
        deduped = dedupe.dedupe_all(con, stats, selves, threshold, cfg, engine, progress)
        in_scope = sorted({s for pair in todo for s in pair} | set(selves))
        start = time.perf_counter()
        orphan_links, orphan_summary = orphans.link_orphans(
            con, results, LinkageRun({}, results).pair_links, in_scope, threshold, cfg,
            backend=engine)
        from linkready.sql import in_list

        nodes = con.sql(
            f"SELECT source, record_id FROM ws.records WHERE source IN {in_list(in_scope)} "
            "ORDER BY source, record_id").to_arrow_table()
    finally:
        if engine is not None:
            engine.close()
        con.close()
    run = LinkageRun(summary={}, pairs=results, orphan_links=orphan_links,
                     dedupe_links=dedupe.links_table(deduped), inputs_key=key)
    run.clusters = clustering.cluster(nodes, run.links)
    run.timings["clustering"] = time.perf_counter() - start
    progress("clusters")
    run.summary = linkage_document({
        **header(project.name, config_hash(project), SCHEMA_VERSION),
        "seed": cfg.seed,
        "threshold": threshold,
        "backend": backend,
        "spine": project.spine_name,
        **({} if cfg.estimates else {"estimates": skipped.SKIPPED}),
        "pairs": [r.summary for r in results],
        "clusters": {
            "method": ("connected components over every linked pair (deterministic, or "
                       f"probabilistic at p ≥ {threshold}) of the pairs linked, plus links "
                       "between records no pair linked, across sources never paired"
                       + (", plus the duplicates found within "
                          f"{', '.join(selves)}" if selves else "")),
            "sources": in_scope,
            "orphans": orphan_summary,
            **clustering.overlap(run.clusters, in_scope),
        },
        **dedupe.section(deduped),
        "warnings": [f"{r.left} → {r.right}: {w}" for r in results
                     for w in r.summary["warnings"]] + dedupe.warnings(deduped),
    })
    return run


def model_filename(left: str, right: str) -> str:
    """The model file of one pair, inside ``models/``."""
    return f"{left}__{right}.json"




def _write_document(path: Path, data: Any, digits: int = 12) -> Path:
    return write_json(path, tidy(data, digits))


def write_outputs(run: LinkageRun, out: Path, *, record_level: bool = True) -> list[Path]:
    """Write links.parquet, clusters.parquet, models/, model.json and, last (so its
    presence means the rest is complete), linkage.json. Without ``record_level``
    (``--aggregates-only``), links.parquet and clusters.parquet are not written."""
    import pyarrow.parquet as pq

    models = {f"{r.left}:{r.right}": r for r in run.pairs}
    written = [
        write_with(out / "links.parquet", lambda p: pq.write_table(run.links, p)),
        write_with(out / "clusters.parquet", lambda p: pq.write_table(run.clusters, p)),
    ] if record_level else []
    for r in run.pairs:
        written.append(_write_document(out / "models" / model_filename(r.left, r.right),
                                       r.model, MODEL_DIGITS))
    # model.json: every pair's Splink model keyed by "left:right"; each value (and
    # each file in models/) loads with splink's Linker(..., settings=...).
    written.append(_write_document(out / "model.json", {
        "schema_version": SCHEMA_VERSION,
        "models": {k: r.model for k, r in models.items()}}, MODEL_DIGITS))
    summary = {**run.summary, "models": {
        k: f"models/{model_filename(r.left, r.right)}" for k, r in models.items()}}
    written.append(_write_document(out / "linkage.json", summary))
    return written
