"""The Python API behind ``linkready.<function>``: thin calls into :mod:`linkready.pipeline`.

Every function writes what the matching command writes, into the same place (``out``,
else ``linkready-results/`` beside the project file), published together or not at all
(``docs/safety.md``), and returns a typed result (:mod:`linkready.results`). Errors are the
typed :class:`linkready.errors.LinkreadyError` subclasses the CLI turns into exit codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkready.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    import pandas as pd

    from linkready.link.settings import TrainingConfig
    from linkready.link.spark import SparkSettings
    from linkready.project import Project
    from linkready.results import (
        AssessResult,
        EvaluationResult,
        GenerateResult,
        LinkResult,
        ProfileResult,
        ReportResult,
        SweepResult,
        ValidationResult,
        WhatIfResult,
    )

PathLike = str | Path

#: Where :func:`project_from_frames` puts the DataFrames inside its folder.
FRAMES_DIRNAME = "frames"


def generate(scenario: PathLike = "default", out: PathLike = "linkready-data", *,
             population: int | None = None, seed: int | None = None, fmt: str = "csv",
             overwrite: bool = False, overrides: Mapping[str, Any] | None = None,
             progress: ProgressCallback = no_progress) -> GenerateResult:
    """Generate a synthetic world (a built-in scenario name or a scenario .yaml) into
    ``out``: raw extracts, ``truth.parquet``, ``population.parquet``, ``project.yaml``
    and ``manifest.json``. ``overrides`` changes scenario keys, dotted as ``sweep``'s
    (``{"sources.acute.errors.nhs_missing.rate": 0.1}``).

    Raises:
        ConfigError: unknown scenario, bad override or format.
        OutputError: ``out`` holds other files, or a world and ``overwrite`` is false.
    """
    from linkready import pipeline
    from linkready.errors import ConfigError
    from linkready.generate.scenario import load_scenario

    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"fmt: `{fmt}` is not supported; use csv or parquet")
    scen = load_scenario(str(scenario), population=population, seed=seed,
                         overrides=dict(overrides) if overrides else None,
                         option="overrides" if overrides else None)
    return pipeline.generate(scen, out, fmt=fmt, overwrite=overwrite).run(progress)


def load_project(source: PathLike | Mapping[str, Any], *,
                 root: PathLike | None = None) -> Project:
    """A project from a ``project.yaml`` path, or from the mapping such a file holds
    (relative extract paths then resolve against ``root``, default the current folder).

    Raises:
        ConfigError: the file or mapping is invalid (every problem listed).
    """
    from linkready import project as P

    if isinstance(source, Mapping):
        return P.project_from_dict(dict(source), root or ".")
    return P.load_project(source)


def project_from_frames(frames: Mapping[str, pd.DataFrame],
                        columns: Mapping[str, Mapping[str, str | list[str]]], *,
                        out: PathLike = "linkready-results", name: str = "project",
                        spine: str | None = None,
                        pairs: list[tuple[str, str]] | None = None,
                        dob_format: str | Mapping[str, str] = "%Y-%m-%d",
                        values: Mapping[str, Mapping[str, Mapping[str, str | None]]]
                        | None = None,
                        reference_date: date | None = None) -> Project:
    """A project built from pandas DataFrames, one per source.

    ``columns[source]`` maps canonical fields to the frame's columns, as ``columns:`` in
    ``project.yaml`` does (``record_id`` is required). The frames are written to one place
    only: ``out/frames/`` (each as ``<source>.parquet``, with the ``project.yaml`` that
    describes them), inside the results folder that also holds the record-level workspace;
    nothing is written elsewhere. Date columns are written as ``YYYY-MM-DD`` text and
    every mapped column as text, as an extract would hold them. The returned project's
    outputs go to ``out`` by default.

    Raises:
        ConfigError: a source has no mapping, a mapped column is missing, or the project
            is invalid.
        OutputError: ``out`` holds files linkready did not write.
    """
    import pandas as pd

    from linkready.errors import ConfigError
    from linkready.outdir import OutputSet, write_text, write_with
    from linkready.project import dump_project, load_project, project_from_dict

    problems = [f"columns: no mapping for source `{s}`; add columns[{s!r}]"
                for s in frames if s not in columns]
    for source, mapping in columns.items():
        if source not in frames:
            problems.append(f"columns: `{source}` is not one of the frames "
                            f"({', '.join(frames)})")
            continue
        missing = [c for v in mapping.values() for c in ([v] if isinstance(v, str) else v)
                   if c not in frames[source].columns]
        if missing:
            problems.append(f"columns[{source!r}]: frame has no column(s) "
                            f"{', '.join(missing)}; map existing columns")
    if problems:
        raise ConfigError(f"project_from_frames: {len(problems)} problem(s)", problems)
    sources: dict[str, Any] = {}
    for source, mapping in columns.items():
        spec: dict[str, Any] = {"path": f"{source}.parquet", "columns": dict(mapping)}
        fmt = dob_format if isinstance(dob_format, str) else dob_format.get(source)
        if fmt is not None:
            spec["dob_format"] = fmt
        if values and source in values:
            spec["values"] = {k: dict(v) for k, v in values[source].items()}
        sources[source] = spec
    data: dict[str, Any] = {"name": name, "sources": sources}
    if spine is not None:
        data["spine"] = spine
    if pairs is not None:
        data["pairs"] = [list(p) for p in pairs]
    if reference_date is not None:
        data["reference_date"] = reference_date
    draft = project_from_dict(data, ".")  # every problem, before anything is written
    with OutputSet(out, "frames") as files:
        for source, mapping in columns.items():
            used = [c for v in mapping.values() for c in ([v] if isinstance(v, str) else v)]
            frame = frames[source][list(dict.fromkeys(used))].copy()
            for col in frame.columns:
                if pd.api.types.is_datetime64_any_dtype(frame[col]):
                    frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            frame = frame.astype("string")
            target = files.path(f"{FRAMES_DIRNAME}/{source}.parquet")
            write_with(target, _parquet_writer(frame))
        write_text(files.path(f"{FRAMES_DIRNAME}/project.yaml"),
                   "# Written by linkready.project_from_frames: the DataFrames beside it.\n"
                   + dump_project(draft))
    project = load_project(files.out / FRAMES_DIRNAME / "project.yaml")
    project._results_home = files.out
    return project


def _parquet_writer(frame: pd.DataFrame) -> Callable[[Path], object]:
    return lambda path: frame.to_parquet(path, index=False)


def _project(project: Project | PathLike) -> tuple[Project, Path | None]:
    from linkready.project import Project, load_project

    if isinstance(project, Project):
        return project, None
    return load_project(project), Path(project)


def profile(project: Project | PathLike, out: PathLike | None = None, *,
            workspace: PathLike | None = None,
            progress: ProgressCallback = no_progress) -> ProfileResult:
    """Ingest the extracts (reusing an up-to-date workspace) and write ``profile.json``:
    data quality, NHS-number completeness and linkage readiness per source."""
    from linkready import pipeline

    proj, file = _project(project)
    return pipeline.profile(proj, _path(out), workspace=_path(workspace),
                            project_file=file).run(progress)


def validate(project: Project | PathLike, out: PathLike | None = None, *,
             workspace: PathLike | None = None,
             progress: ProgressCallback = no_progress) -> ValidationResult:
    """Great Expectations suites per source; writes ``validation.json`` and
    ``expectations/``."""
    from linkready import pipeline

    proj, file = _project(project)
    return pipeline.validate(proj, _path(out), workspace=_path(workspace),
                             project_file=file).run(progress)


def _spark(backend: str, spark: SparkSettings | PathLike | None) -> SparkSettings | None:
    """The Spark settings for ``backend`` (``--spark-conf``'s rule: only with spark)."""
    from linkready.errors import ConfigError

    if backend != "spark":
        if spark is not None:
            raise ConfigError("spark: Spark settings are used only with backend='spark'; "
                              "pass backend='spark' or drop spark=")
        return None
    from linkready.link.spark import SparkSettings, load_spark_settings

    return spark if isinstance(spark, SparkSettings) else load_spark_settings(
        _path(spark))


def link(project: Project | PathLike, out: PathLike | None = None, *,
         pairs: list[tuple[str, str]] | str | None = None, threshold: float = 0.9,
         seed: int = 42, workspace: PathLike | None = None, backend: str = "duckdb",
         spark: SparkSettings | PathLike | None = None,
         training: TrainingConfig | None = None, estimates: bool = True,
         progress: ProgressCallback = no_progress) -> LinkResult:
    """Exact NHS-number matching then Splink for each pair; clusters across sources.
    Writes ``linkage.json``, ``links.parquet``, ``clusters.parquet`` and the models.
    ``training`` (:class:`linkready.TrainingConfig`) sets how the models are trained:
    sample sizes, EM caps, bootstrap replicates, the comparisons budget; ``seed`` sets its
    seed. ``backend="spark"`` runs Splink on Spark, with ``spark`` the session's settings
    (:class:`linkready.SparkSettings`, or the path of a ``--spark-conf`` YAML file;
    default local). ``estimates=False`` (``--no-estimates``) skips the label-free
    estimates (expected match rate with its interval, false links, blocking recall): the
    same links and clusters, faster; ``linkage.json`` says ``estimates: "skipped"``."""
    from linkready import pipeline

    proj, _ = _project(project)
    return pipeline.link(proj, _path(out), pairs=pairs, threshold=threshold, seed=seed,
                         workspace=_path(workspace), backend=backend,
                         spark_settings=_spark(backend, spark),
                         training=training, estimates=estimates).run(progress)


def evaluate(project: Project | PathLike, out: PathLike | None = None, *,
             workspace: PathLike | None = None,
             progress: ProgressCallback = no_progress) -> EvaluationResult:
    """Accuracy of the links in ``out`` against synthetic truth (links first if there are
    none); writes ``evaluation.json``."""
    from linkready import pipeline

    proj, _ = _project(project)
    return pipeline.evaluate(proj, _path(out), workspace=_path(workspace)).run(progress)


def assess(project: Project | PathLike, out: PathLike | None = None, *,
           workspace: PathLike | None = None, backend: str = "duckdb",
           threshold: float = 0.9, seed: int = 42,
           pairs: list[tuple[str, str]] | str | None = None,
           spark: SparkSettings | PathLike | None = None,
           training: TrainingConfig | None = None,
           progress: ProgressCallback = no_progress) -> AssessResult:
    """Every stage and ``report.html``, published together into ``out``; ``threshold``,
    ``seed``, ``pairs``, ``backend``, ``spark`` and ``training`` as for :func:`link`."""
    from linkready import pipeline

    proj, file = _project(project)
    return pipeline.assess(proj, _path(out), workspace=_path(workspace), project_file=file,
                           backend=backend, spark_settings=_spark(backend, spark),
                           threshold=threshold, seed=seed, pairs=pairs,
                           training=training).run(progress)


def report(project: Project | PathLike, out: PathLike | None = None) -> ReportResult:
    """Rebuild ``report.html`` from the documents in ``out`` (no stage is re-run)."""
    from linkready import pipeline

    proj, _ = _project(project)
    return pipeline.report(proj, _path(out)).run()


def sweep(scenario: PathLike, vary: str | tuple[str, list[Any]] | Mapping[str, list[Any]],
          out: PathLike, *,
          population: int | None = None, seed: int | None = None,
          pairs: list[tuple[str, str]] | None = None, threshold: float = 0.9,
          progress: ProgressCallback = no_progress) -> SweepResult:
    """For each value of one scenario key (``"KEY=V1,V2"`` or ``(key, [values])``):
    generate, link, evaluate; writes ``sweep.json`` and each value's world into ``out``."""
    from linkready import pipeline
    from linkready._sweep import parse_vary
    from linkready.errors import ConfigError

    if isinstance(vary, Mapping) and len(vary) == 1:  # {"key": [values]}
        vary = next(iter(vary.items()))
    if not isinstance(vary, str) and (isinstance(vary, Mapping) or len(vary) != 2):
        raise ConfigError('vary: give "KEY=V1,V2", (key, [values]) or {key: [values]}, '
                          "one key")
    key, values = parse_vary(vary) if isinstance(vary, str) else (vary[0], list(vary[1]))
    return pipeline.sweep(str(scenario), key, values, out, population=population,
                          seed=seed, pairs=pairs, threshold=threshold).run(progress)


def whatif(project: Project | PathLike, *, nhs_complete: Mapping[str, float] | None = None,
           complete: Mapping[str, float] | None = None, out: PathLike | None = None,
           pairs: list[tuple[str, str]] | None = None, threshold: float = 0.9,
           trace_threshold: float = 0.99, seed: int = 42, relink: bool = False,
           workspace: PathLike | None = None, training: TrainingConfig | None = None,
           progress: ProgressCallback = no_progress) -> WhatIfResult:
    """What if a field of a source were more or less complete? ``nhs_complete`` maps a
    source to the share of its records that would hold a valid NHS number
    (``{"la_adult_social_care": 0.9}``); ``complete`` maps ``"SOURCE.FIELD"`` to a share.
    Less: values are blanked at random (seeded; assumes missing at random). More: values
    are traced from links at p ≥ ``trace_threshold``. Writes ``whatif.json`` into ``out``
    (default ``linkready-results/whatif/``); see ``docs/whatif.md``. ``training`` and
    ``seed`` set how the pairs' models are trained, as for :func:`link`. The result's
    ``exact()`` holds the figures ``whatif.json`` was published from.

    Raises:
        ConfigError: an unknown source or field, a share outside 0–1, no change asked.
    """
    from dataclasses import replace

    from linkready import pipeline
    from linkready.whatif import parse_changes

    proj, _ = _project(project)
    changes = parse_changes(
        proj, nhs_complete=[f"{k}={v}" for k, v in (nhs_complete or {}).items()],
        complete=[f"{k}={v}" for k, v in (complete or {}).items()])
    return pipeline.whatif(proj, changes, _path(out), pairs=pairs, threshold=threshold,
                           trace_threshold=trace_threshold, seed=seed, relink=relink,
                           workspace=_path(workspace),
                           config=None if training is None else replace(training, seed=seed),
                           ).run(progress)


def _path(value: PathLike | None) -> Path | None:
    return None if value is None else Path(value)
