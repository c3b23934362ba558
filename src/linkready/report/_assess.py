"""``assess``: ingest → profile → validate → link → evaluate (with truth) → report.

Each stage is called through its package's Python API. Outputs are staged and published
together by :class:`linkready.outdir.OutputSet`, so a failure leaves ``out`` as it was.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkready.outdir import OutputSet, default_results, write_json
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.report._model import Report
from linkready.report._write import REPORT_NAME, write_report

#: What assess writes besides the link outputs.
_OWN_OUTPUTS = ("profile.json", "validation.json", "expectations", "evaluation.json",
                REPORT_NAME)
#: Progress steps that are not one per source or per pair: profile, validate, report.
_FIXED_STEPS = 3


@dataclass
class AssessResult:
    """What ``assess`` wrote, the report model, and how long each stage took."""

    out: Path
    report_path: Path
    report: Report
    written: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def step_count(project: Project) -> int:
    """Progress steps :func:`assess_project` reports."""
    pairs = len(project.link_pairs) if len(project.sources) > 1 else 0
    return steps_for(len(project.sources), pairs, project.truth is not None)


def steps_for(sources: int, pairs: int, truth: bool) -> int:
    """Progress steps for a project of this shape: one per source ingested, profile,
    validate, one per pair plus two for linking, evaluate (with truth), report."""
    link_steps = pairs + 2 if pairs else 0
    return sources + _FIXED_STEPS + link_steps + (1 if truth and pairs else 0)


def assess_project(project: Project, project_file: Path, out: Path | None = None, *,
                   workspace: Path | None = None,
                   progress: ProgressCallback = no_progress, backend: str = "duckdb",
                   spark_settings: Any = None,
                   on_warning: Callable[[str], object] | None = None) -> AssessResult:
    """Run every stage on ``project`` and write its outputs and ``report.html`` into ``out``
    (default ``linkready-results/`` beside the project file).

    The outputs are staged and published together (:class:`linkready.outdir.OutputSet`):
    a failure or interrupt leaves ``out`` as it was. The workspace goes into ``out``
    unless ``workspace`` names another file. ``backend``, ``spark_settings`` and
    ``on_warning`` go to :func:`linkready.link.link_project`.

    Raises:
        ConfigError, InputError: from the stages (bad project or extracts); nothing is
            written into ``out``.
        OutputError: ``out`` holds files linkready did not write, or cannot be written.
    """
    from linkready.ingest import default_workspace, ingest_project, open_workspace
    from linkready.link import link_project, write_outputs
    from linkready.link.evaluate_run import evaluate_outputs
    from linkready.link.run import OUTPUT_NAMES
    from linkready.profile import profile_document, profile_workspace
    from linkready.validate import validate_workspace, validation_document

    digest = hashlib.sha256(project_file.read_bytes()).hexdigest()
    seconds: dict[str, float] = {}
    with OutputSet(out or default_results(project.root), "assess") as files:
        stage = files.stage
        files.check_names([*OUTPUT_NAMES, *_OWN_OUTPUTS])  # before any work
        t = time.perf_counter()
        ingested = ingest_project(project, workspace or default_workspace(project, files.out),
                                  progress=progress, project_file=project_file)
        seconds["ingest"] = time.perf_counter() - t

        t = time.perf_counter()
        con = open_workspace(ingested.workspace)
        try:
            prof = profile_workspace(con)
            write_json(stage / "profile.json", profile_document(prof, project.name, digest,
                                                             project.link_pairs))
            progress("profiled")
            seconds["profile"] = time.perf_counter() - t
            t = time.perf_counter()
            results = validate_workspace(project, con)
        finally:
            con.close()
        for sv in results:
            write_json(files.path(f"expectations/{sv.source}.json"), sv.suite)
        write_json(stage / "validation.json",
                   validation_document(results, project.name, digest))
        progress("validated")
        seconds["validate"] = time.perf_counter() - t

        if len(project.sources) > 1:
            t = time.perf_counter()
            run = link_project(project, workspace=ingested.workspace, progress=progress,
                               backend=backend, spark_settings=spark_settings,
                               on_warning=on_warning)
            write_outputs(run, stage)
            seconds["link"] = time.perf_counter() - t
            if project.truth:
                t = time.perf_counter()
                evaluation = evaluate_outputs(project, run.links.to_pandas(), run.summary)
                write_json(stage / "evaluation.json", evaluation)
                progress("evaluated")
                seconds["evaluate"] = time.perf_counter() - t

        t = time.perf_counter()
        sweep = files.out / "sweep.json"
        staged_sweep = stage / "sweep.json"
        if sweep.is_file():  # a sweep run earlier into this folder feeds section 10
            shutil.copy2(sweep, staged_sweep)
        _, report = write_report(stage, project.root)
        staged_sweep.unlink(missing_ok=True)  # read, not re-published: it is sweep's file
        seconds["report"] = time.perf_counter() - t
        progress("report")
    return AssessResult(files.out, files.out / REPORT_NAME, report, files.written, seconds)
