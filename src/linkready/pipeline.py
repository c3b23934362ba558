"""One orchestration layer for the CLI and the Python API: which stages run, in what order,
where their outputs go, and how far along they are.

A :class:`Plan` is a list of :class:`Step` s, each declaring how many progress ticks it
reports (``total``); the plan's total is their sum, so a progress bar can be sized before
anything runs. While a step runs it is handed a callback bounded by its own total: a
step that reports fewer ticks is topped up when it ends and one that reports more is
capped, so the bar always ends full and never overshoots.

Every plan writes through :class:`linkready.outdir.OutputSet`: its files are staged and
published together, or not at all. Stage logic stays in the stage packages; this module
only composes them (ingest → profile → validate → link → evaluate → report; generate →
link → evaluate per value for a sweep; generate → sweep → assess for the demo).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from linkready.outdir import OutputSet, default_results, temp_name, write_json
from linkready.progress import ProgressCallback, no_progress
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

if TYPE_CHECKING:
    from linkready.generate.scenario import Scenario
    from linkready.ingest import IngestResult
    from linkready.link.settings import TrainingConfig
    from linkready.project import Project
    from linkready.whatif import Change

T = TypeVar("T")
Warn = Callable[[str], object] | None

#: What assess writes besides the link outputs.
ASSESS_OUTPUTS = ("profile.json", "validation.json", "expectations", "evaluation.json",
                  "report.html")


@dataclass(frozen=True)
class Step:
    """One stage of a plan: its name, the progress ticks it reports, and its work."""

    name: str
    total: int
    run: Callable[[ProgressCallback], None]


class _Bounded:
    """A step's progress callback, held to the step's declared total."""

    def __init__(self, progress: ProgressCallback, total: int) -> None:
        self.progress = progress
        self.left = total

    def __call__(self, step: str, done: int = 1) -> None:
        n = min(done, self.left)
        if n > 0:
            self.left -= n
            self.progress(step, n)

    def finish(self, step: str) -> None:
        if self.left > 0:
            self.progress(step, self.left)
            self.left = 0


def run_steps(steps: list[Step], progress: ProgressCallback) -> dict[str, float]:
    """Run ``steps`` in order; return the wall seconds of each."""
    seconds: dict[str, float] = {}
    for step in steps:
        start = time.perf_counter()
        bounded = _Bounded(progress, step.total)
        step.run(bounded)
        bounded.finish(step.name)
        seconds[step.name] = time.perf_counter() - start
    return seconds


@dataclass
class Plan(Generic[T]):
    """Steps to run and what to do around them; ``total`` sizes a progress bar."""

    title: str
    steps: list[Step]
    execute: Callable[[ProgressCallback], T]

    @property
    def total(self) -> int:
        """Progress ticks the plan reports: the sum of its steps' totals."""
        return sum(s.total for s in self.steps)

    def run(self, progress: ProgressCallback = no_progress) -> T:
        """Run the plan (reporting to ``progress``) and return its result."""
        return self.execute(progress)


@dataclass
class _State:
    """What the steps of one plan share while it runs."""

    project: Project
    project_file: Path | None = None
    workspace: Path | None = None
    files: OutputSet | None = None
    ingested: IngestResult | None = None
    profile: ProfileResult | None = None
    validation: ValidationResult | None = None
    link: LinkResult | None = None
    evaluation: EvaluationResult | None = None
    report: ReportResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: ``--aggregates-only``: no links.parquet, clusters.parquet or workspace is left
    #: behind (the workspace lives in a temporary folder removed after the run).
    aggregates_only: bool = False
    scratch: Path | None = None
    #: A workspace being built for the default place: it replaces the one there only
    #: when the plan publishes its outputs (an interrupt leaves the old one untouched).
    pending: Path | None = None
    current: bool = False
    #: The sources the plan reads from the workspace (None: every source). A link
    #: needs only the sources it pairs; the others are not ingested for it.
    needed: set[str] | None = None
    #: The default workspace a pending one replaces: its current sources are copied
    #: into the new one rather than read again.
    previous: Path | None = None

    @property
    def out(self) -> OutputSet:
        assert self.files is not None, "a step ran outside its plan"
        return self.files

    def ws(self, *, rebuild: bool = False) -> Path:
        """The workspace path (``linkready.duckdb`` in the output folder by default).

        When the default workspace must be built (missing, out of date, or ``rebuild``),
        it is built under a temporary name and moved into place only when the plan
        publishes its outputs, so an interrupted or failed run changes no output."""
        from linkready.ingest import WORKSPACE_NAME, default_workspace

        if self.workspace is not None:
            return self.workspace
        if self.aggregates_only:
            if self.scratch is None:
                self.scratch = self.out.out / temp_name("workspace")
                self.scratch.mkdir()
            return self.scratch / WORKSPACE_NAME
        if self.pending is not None:
            return self.pending
        real = default_workspace(self.project, self.out.out)
        if not rebuild and (self.current or workspace_usable(self.project, real,
                                                             self.needed)):
            self.current = True
            return real
        if not rebuild and real.is_file():
            self.previous = real
        target = self.out.out / WORKSPACE_NAME
        self.pending = pending_workspace(target)
        publish_workspace(self.out, self.pending, target)
        return self.pending

    def final(self, path: Path) -> Path:
        """Where ``path`` (perhaps the pending workspace) is once the plan published."""
        if self.pending is not None and path == self.pending:
            return self.out.out / self.pending.name
        return path

    def drop_scratch(self) -> None:
        """Remove the temporary workspace of an aggregates-only run."""
        import shutil

        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def drop_pending(self) -> None:
        """Remove the folder of the pending workspace (empty once it was published)."""
        import shutil

        if self.pending is not None:
            shutil.rmtree(self.pending.parent, ignore_errors=True)
            self.pending = None


def pending_workspace(target: Path) -> Path:
    """Where to build a workspace that is to replace ``target`` (missing or out of date):
    ``linkready.duckdb`` in a new temporary folder beside it. A user's file or a
    workspace another process holds at ``target`` is refused here, before any work."""
    from linkready.ingest import WORKSPACE_NAME
    from linkready.ingest._ownership import check_replaceable

    check_replaceable(target)
    folder = target.parent / temp_name("new-workspace")
    folder.mkdir()
    return folder / WORKSPACE_NAME


def publish_workspace(files: OutputSet, built: Path, target: Path) -> None:
    """Move the workspace ``built`` (:func:`pending_workspace`) to ``target`` when
    ``files`` publishes its outputs, checking again then that it may replace it; an
    interrupted or failed run leaves ``target`` as it was. The caller removes the
    temporary folder afterwards (empty once published)."""
    from linkready.ingest._ownership import check_replaceable

    files.move_on_publish(built, target, listed_as="workspace",
                          check=lambda: check_replaceable(target))


def workspace_usable(project: Project, real: Path,
                     sources: set[str] | None = None) -> bool:
    """Whether the workspace at ``real`` serves as it is: built from these extracts (of
    ``sources`` only, when given), or the extracts are not at hand (only the workspace
    was shared)."""
    from linkready.ingest._workspace import up_to_date

    if not real.exists():
        return False
    if not all(project.source_path(n).is_file() for n in project.sources
               if sources is None or n in sources):
        return True
    return up_to_date(project, real, sources) is not None


def linked_sources(project: Project, pairs: list[tuple[str, str]] | None) -> set[str]:
    """The sources a link of ``pairs`` (None: the project's pairs) reads."""
    return {s for pair in (pairs or project.link_pairs) for s in pair}


def results_dir(project: Project, out: Path | str | None) -> Path:
    """Where a run on ``project`` writes: ``out``, else ``linkready-results/`` beside the
    project file (or the folder a project built from DataFrames lives in)."""
    if out is not None:
        return Path(out)
    home = project.results_home()
    return home if home is not None else default_results(project.root)


# --- steps ------------------------------------------------------------------------------

def _ingest(st: _State, *, reuse: bool) -> Step:
    def run(progress: ProgressCallback) -> None:
        from linkready.ingest import ingest_project

        st.ingested = ingest_project(st.project, st.ws(rebuild=not reuse),
                                     progress=progress, project_file=st.project_file,
                                     reuse=reuse, previous=st.previous)
    return Step("ingest", len(st.project.sources), run)


def _profile(st: _State) -> Step:
    def run(progress: ProgressCallback) -> None:
        from linkready.ingest import open_workspace
        from linkready.profile import profile_document, profile_workspace

        assert st.ingested is not None
        con = open_workspace(st.ingested.workspace)
        try:
            prof = profile_workspace(con)
        finally:
            con.close()
        doc = profile_document(prof, st.project.name, st.project.config_hash(),
                               st.project.link_pairs)
        path = write_json(st.out.path("profile.json"), doc)
        st.profile = ProfileResult(st.out.out, st.out.out / path.name, doc,
                                   st.final(st.ingested.workspace), prof)
        progress("profiled")
    return Step("profile", 1, run)


def _validate(st: _State, *, keep_previous: bool = False) -> Step:
    """Validate the workspace; with ``keep_previous`` (assess), keep the validation
    already in the output folder instead if it was computed from the same inputs
    (records, suites, versions: :func:`linkready.validate.inputs_key`)."""
    def run(progress: ProgressCallback) -> None:
        from typing import cast

        from linkready.documents import ValidationDocument
        from linkready.ingest import open_workspace
        from linkready.validate import (
            inputs_key,
            previous_validation,
            validate_workspace,
            validation_document,
        )

        assert st.ingested is not None
        con = open_workspace(st.ingested.workspace)
        try:
            key = inputs_key(st.project, con)
            kept = previous_validation(st.out.out, key) if keep_previous else None
            results = validate_workspace(st.project, con) if kept is None else []
        finally:
            con.close()
        if kept is None:
            suites = {sv.source: sv.suite for sv in results}
            doc = validation_document(results, st.project.name, st.project.config_hash(),
                                      key)
        else:
            doc, suites = cast("ValidationDocument", kept[0]), kept[1]
        for name, suite in suites.items():
            write_json(st.out.path(f"expectations/{name}.json"), suite)
        write_json(st.out.path("validation.json"), doc)
        st.validation = ValidationResult(st.out.out, st.out.out / "validation.json", doc,
                                         suites, reused=kept is not None)
        progress("validated")
    return Step("validate", 1, run)


def _link(st: _State, pairs: list[tuple[str, str]] | None, threshold: float, seed: int,
          backend: str, spark_settings: Any, on_warning: Warn,
          training: TrainingConfig | None = None, *, keep_previous: bool = False) -> Step:
    """Link and write the link outputs, recording in linkage.json the key of its inputs
    and settings (:func:`linkready.reuse.linkage_key`); with ``keep_previous`` (assess),
    keep the linkage already in the output folder instead if it has the same key."""
    from linkready.link.outputs import step_count

    def run(progress: ProgressCallback) -> None:
        from dataclasses import replace

        _ingest_first(st)
        from linkready._digests import KEY_FIELD
        from linkready.link import TrainingConfig, link_project, write_outputs
        from linkready.reuse import previous_linkage, workspace_key

        config = TrainingConfig(seed=seed) if training is None else \
            replace(training, seed=seed)
        settings = {"pairs": pairs, "threshold": threshold, "config": config,
                    "backend": backend}
        key = None
        if keep_previous and not st.aggregates_only and st.ws().exists():
            key = workspace_key(st.project, st.ws(), **settings)
            kept = previous_linkage(st.out.out, key)
            if kept is not None:
                from linkready.reuse import publish_kept, read_kept

                written = publish_kept(st.out.out, kept, st.out.stage)
                st.link = LinkResult(st.out.out, st.out.out / "linkage.json",
                                     read_kept(st.out.out, kept),
                                     [st.out.out / p.relative_to(st.out.stage)
                                      for p in written], reused=True)
                return
        def inputs_key(con: Any) -> str | None:  # on the link's own connection
            from linkready.reuse import linkage_key

            return linkage_key(st.project, con, pairs=pairs, threshold=threshold,
                               config=config, backend=backend, catalog="ws")

        # The workspace was just built or checked (_ingest_first): not checked again.
        linked = link_project(st.project, pairs=pairs, threshold=threshold,
                              workspace=st.ws(), config=config,
                              progress=progress, backend=backend,
                              spark_settings=spark_settings, on_warning=on_warning,
                              ingest=False, inputs_key=None if key is not None else inputs_key)
        if key is None:
            key = linked.inputs_key
        linked.summary[KEY_FIELD] = key  # null on Spark: never kept, same keys
        written = write_outputs(linked, st.out.stage, record_level=not st.aggregates_only)
        if key is not None and not st.aggregates_only:  # for whatif (linkready.reuse)
            from linkready.link.outputs import EXACT_FILE
            from linkready.reuse import exact_document, linked_pairs, write_exact

            written.insert(-1, write_exact(st.out.stage / EXACT_FILE, exact_document(
                key, linked_pairs(st.project, pairs), linked.pairs)))
        st.link = LinkResult(st.out.out, st.out.out / "linkage.json", linked,
                             [st.out.out / p.relative_to(st.out.stage) for p in written])
    return Step("link", step_count(st.project, pairs), run)


def _ingest_first(st: _State) -> None:
    """Build (or check) the workspace a link reads, before the linkage is imported: only
    the sources the plan needs are read; those the old workspace holds current are copied
    (:func:`linkready.link.workspace.ensure_workspace`); the link finds it up to date.

    Not in a thread beside the imports (tried: no wall gain measured, and Ctrl-C during
    that overlap was lost, the link running on to publish its outputs)."""
    from linkready.link.workspace import ensure_workspace

    path = st.ws()
    if st.current:  # st.ws() has just found the default workspace current: not again
        return
    ensure_workspace(st.project, path, sources=st.needed, previous=st.previous)


def _keyed(doc: Any, key: str | None) -> Any:
    """``doc`` with the key of its inputs (:mod:`linkready.reuse`; null when there is
    none, so the document has the same keys either way)."""
    from linkready._digests import KEY_FIELD

    return {**doc, KEY_FIELD: key}


def _evaluate_run(st: _State) -> Step:
    """Evaluate the links this plan just made; keep the evaluation already in the output
    folder instead if it was computed from the same linkage, links, truth and versions
    (:func:`linkready.reuse.evaluation_key`)."""
    def run(progress: ProgressCallback) -> None:
        import shutil
        from typing import cast

        from linkready.documents import EvaluationDocument
        from linkready.link.evaluate_run import evaluate_outputs, evaluation_document
        from linkready.reuse import evaluation_key, previous_evaluation

        assert st.link is not None
        key = evaluation_key(st.project, st.out.stage)
        kept = previous_evaluation(st.out.out, key)
        if kept is not None:
            shutil.copy2(st.out.out / "evaluation.json", st.out.path("evaluation.json"))
            st.evaluation = EvaluationResult(st.out.out, st.out.out / "evaluation.json",
                                             cast("EvaluationDocument", kept), None,
                                             reused=True)
            return
        ev = evaluate_outputs(st.project, st.link.run.links.to_pandas(), st.link.run.summary,
                              linkage_file=st.out.stage / "linkage.json")
        doc = _keyed(evaluation_document(ev), key)
        write_json(st.out.path("evaluation.json"), doc)
        st.evaluation = EvaluationResult(st.out.out, st.out.out / "evaluation.json", doc, ev)
        progress("evaluated")
    return Step("evaluate", 1, run)


def _evaluate_folder(st: _State) -> Step:
    """Evaluate the link outputs in the output folder (linking first if there are none)."""
    def run(progress: ProgressCallback) -> None:
        from linkready.link.evaluate_run import evaluate_project, evaluation_document
        from linkready.reuse import evaluation_key

        ev = evaluate_project(st.project, st.out.out, workspace=st.ws(), stage=st.out.stage,
                              record_level=not st.aggregates_only)
        linked_now = (st.out.stage / "links.parquet").is_file()
        doc = _keyed(evaluation_document(ev),
                     evaluation_key(st.project, st.out.stage if linked_now else st.out.out))
        write_json(st.out.path("evaluation.json"), doc)
        st.evaluation = EvaluationResult(st.out.out, st.out.out / "evaluation.json", doc, ev,
                                         workspace_kept=not st.aggregates_only)
        progress("evaluated")
    return Step("evaluate", 1, run)


def _report(st: _State, *, from_folder: bool) -> Step:
    def run(progress: ProgressCallback) -> None:
        import shutil

        from linkready.report import REPORT_NAME, write_report
        from linkready.synthetic import is_synthetic

        files = st.out
        synthetic = is_synthetic(st.project)  # the banner: made-up data, not a promise
        if from_folder:  # rebuild from the documents already published in the folder
            _, rep = write_report(files.out, st.project.root, dest=files.stage,
                                  synthetic=synthetic)
        else:
            # The documents this plan staged; a sweep run earlier into this folder is
            # pointed to by the report's section 10 (its page is sweep.html) but is
            # sweep's file, so it is read, not published.
            sweep, staged_sweep = files.out / "sweep.json", files.stage / "sweep.json"
            if sweep.is_file():
                shutil.copy2(sweep, staged_sweep)
            # Likewise a what-if run earlier (whatif/whatif.json, whatif's own file).
            whatif, staged_whatif = files.out / "whatif" / "whatif.json", \
                files.stage / "whatif.json"
            if whatif.is_file():
                shutil.copy2(whatif, staged_whatif)
            try:
                _, rep = write_report(files.stage, st.project.root, synthetic=synthetic)
            finally:
                staged_sweep.unlink(missing_ok=True)
                staged_whatif.unlink(missing_ok=True)
        st.report = ReportResult(files.out, files.out / REPORT_NAME, rep)
        progress("report")
    return Step("report", 1, run)


# --- plans over a project ----------------------------------------------------------------

def _in_set(st: _State, out: Path | str | None, command: str, steps: list[Step],
            names: tuple[str, ...], result: Callable[[_State, dict[str, float]], T]
            ) -> Callable[[ProgressCallback], T]:
    def execute(progress: ProgressCallback) -> T:
        try:
            with OutputSet(results_dir(st.project, out), command) as files:
                files.check_names(list(names))  # before any work
                st.files = files
                try:
                    seconds = run_steps(steps, progress)
                finally:
                    st.drop_scratch()
        finally:
            st.drop_pending()
        if st.workspace is None and command in _RECORD_CHOICE:
            from linkready.outdir import record_aggregates_only

            record_aggregates_only(files.out, st.aggregates_only)
        return result(st, seconds)
    return execute


#: The commands that take ``--aggregates-only``: each records the folder's choice, which
#: ``whatif`` then honours (:func:`linkready.outdir.chose_aggregates_only`).
_RECORD_CHOICE = frozenset({"profile", "validate", "link", "assess"})


def _got(value: T | None) -> T:
    assert value is not None, "the plan's step did not run"
    return value


def _scratch_ok(workspace: Path | None, aggregates_only: bool) -> None:
    from linkready.errors import ConfigError

    if aggregates_only and workspace is not None:
        raise ConfigError("--workspace: --aggregates-only keeps no workspace (it is "
                          "record-level); drop one of the two")


def profile(project: Project, out: Path | str | None = None, *,
            workspace: Path | None = None,
            project_file: Path | None = None,
            aggregates_only: bool = False) -> Plan[ProfileResult]:
    """Ingest (reusing an up-to-date workspace) and write ``profile.json``."""
    _scratch_ok(workspace, aggregates_only)
    st = _State(project, project_file, workspace, aggregates_only=aggregates_only)
    steps = [_ingest(st, reuse=True), _profile(st)]
    return Plan(f"profiling {project.name}", steps,
                _in_set(st, out, "profile", steps, ("profile.json",),
                        lambda s, _: _got(s.profile)))


def validate(project: Project, out: Path | str | None = None, *,
             workspace: Path | None = None,
             project_file: Path | None = None,
             aggregates_only: bool = False) -> Plan[ValidationResult]:
    """Ingest (reusing an up-to-date workspace), run the Great Expectations suites and
    write ``validation.json`` and ``expectations/``."""
    _scratch_ok(workspace, aggregates_only)
    st = _State(project, project_file, workspace, aggregates_only=aggregates_only)
    steps = [_ingest(st, reuse=True), _validate(st)]
    return Plan(f"validating {project.name}", steps,
                _in_set(st, out, "validate", steps, ("validation.json", "expectations"),
                        lambda s, _: _got(s.validation)))


def link(project: Project, out: Path | str | None = None, *,
         pairs: list[tuple[str, str]] | str | None = None, threshold: float = 0.9,
         seed: int = 42, workspace: Path | None = None, backend: str = "duckdb",
         spark_settings: Any = None, on_warning: Warn = None,
         aggregates_only: bool = False,
         training: TrainingConfig | None = None,
         estimates: bool = True) -> Plan[LinkResult]:
    """Link every pair (or ``pairs``), cluster, and write the link outputs (without
    links.parquet, clusters.parquet or a kept workspace if ``aggregates_only``).
    ``training`` sets how models are trained (sample sizes, bootstrap replicates…),
    all but the seed, which ``seed`` sets. ``estimates=False`` (``--no-estimates``)
    skips the label-free estimates: the same links and clusters
    (:mod:`linkready.link.skipped`)."""
    from linkready.link.backends import check_backend
    from linkready.link.outputs import EXACT_FILE, OUTPUT_NAMES

    check_backend(backend)
    if not estimates:
        from dataclasses import replace

        from linkready.link.settings import TrainingConfig

        training = replace(training or TrainingConfig(), estimates=False)
    pairs = _check_link_options(project, pairs, threshold)
    _scratch_ok(workspace, aggregates_only)
    st = _State(project, None, workspace, aggregates_only=aggregates_only,
                needed=linked_sources(project, pairs))
    steps = [_link(st, pairs, threshold, seed, backend, spark_settings, on_warning,
                   training)]
    return Plan("linking", steps, _in_set(st, out, "link", steps,
                                          (*OUTPUT_NAMES, EXACT_FILE),
                                          lambda s, _: _got(s.link)))


def evaluate(project: Project, out: Path | str | None = None, *,
             workspace: Path | None = None) -> Plan[EvaluationResult]:
    """Evaluate the link outputs in ``out`` against truth (linking first if none). In a
    folder whose last run was ``--aggregates-only`` (it then holds no links), the link
    runs in a temporary workspace and no links or clusters are written, as that run
    chose."""
    from linkready.outdir import chose_aggregates_only

    aggregates_only = workspace is None and chose_aggregates_only(results_dir(project, out))
    st = _State(project, None, workspace, aggregates_only=aggregates_only,
                needed=linked_sources(project, None))
    steps = [_evaluate_folder(st)]
    return Plan("evaluating", steps, _in_set(st, out, "evaluate", steps, ("evaluation.json",),
                                             lambda s, _: _got(s.evaluation)))


def report(project: Project, out: Path | str | None = None) -> Plan[ReportResult]:
    """Rebuild ``report.html`` from the documents in ``out`` (no stage is re-run)."""
    st = _State(project)
    steps = [_report(st, from_folder=True)]
    publish = _in_set(st, out, "report", steps, ("report.html",), lambda s, _: _got(s.report))

    def execute(progress: ProgressCallback) -> ReportResult:
        from linkready.report import read_outputs

        # Read the documents first: a missing, corrupt or future-version document is the
        # problem to name, before anything about the folder itself.
        read_outputs(results_dir(project, out), project.root)
        return publish(progress)
    return Plan("building the report", steps, execute)


def _needs_estimates(training: TrainingConfig | None, stage: str) -> None:
    """Refuse ``TrainingConfig(estimates=False)`` where the stage reads the label-free
    estimates (assess: the report's verdicts; whatif: the share of the expected rate)."""
    from linkready.errors import ConfigError

    if training is not None and not training.estimates:
        raise ConfigError(f"training: {stage} needs the label-free estimates "
                          "(estimates=False skips them); drop estimates=False, or use "
                          "`link --no-estimates` for links and clusters alone")


def _check_link_options(project: Project, pairs: list[tuple[str, str]] | str | None,
                        threshold: float) -> list[tuple[str, str]] | None:
    """Refuse a bad threshold or a pair naming no source before any stage runs (the link
    stage checks them too, but only after ingest, profile and validate); return the pairs
    as (left, right) tuples (the API also takes ``"A:B,C:D"``, as ``--pairs`` does)."""
    from linkready.errors import ConfigError

    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"--threshold: {threshold} is not a probability strictly "
                          "between 0 and 1; use e.g. 0.9")
    if isinstance(pairs, str):
        from linkready.link.workspace import parse_pairs

        pairs = parse_pairs(pairs)
    checked: list[tuple[str, str]] = []
    for pair in pairs or []:
        if isinstance(pair, str) and pair.count(":") == 1:
            pair = tuple(pair.split(":"))
        if isinstance(pair, str) or len(pair) != 2 or not all(isinstance(n, str) for n in pair):
            raise ConfigError(f"--pairs: `{pair}` is not a pair of source names; give "
                              '(left, right) pairs, e.g. [("acute", "gp_register")], or '
                              '"acute:gp_register"')
        checked.append((pair[0], pair[1]))
    unknown = [n for pair in checked for n in pair if n not in project.sources]
    if unknown:
        raise ConfigError(f"--pairs: `{unknown[0]}` is not a source in the project; use one "
                          f"of {sorted(project.sources)}")
    return checked if pairs is not None else None


def assess(project: Project, out: Path | str | None = None, *,
           workspace: Path | None = None, project_file: Path | None = None,
           backend: str = "duckdb", spark_settings: Any = None,
           on_warning: Warn = None, threshold: float = 0.9,
           seed: int = 42, pairs: list[tuple[str, str]] | str | None = None,
           aggregates_only: bool = False,
           training: TrainingConfig | None = None) -> Plan[AssessResult]:
    """Every stage on ``project``: ingest, profile, validate, link (every pair, or
    ``pairs``) and (with truth) evaluate, then ``report.html``; published together into
    ``out``. With ``aggregates_only`` no record-level file is left behind: no
    links.parquet or clusters.parquet, and the workspace lives in a temporary folder
    removed after the run."""
    from linkready.link.backends import check_backend
    from linkready.link.outputs import EXACT_FILE, OUTPUT_NAMES

    check_backend(backend)
    _needs_estimates(training, "assess")
    pairs = _check_link_options(project, pairs, threshold)
    _scratch_ok(workspace, aggregates_only)
    st = _State(project, project_file, workspace, aggregates_only=aggregates_only)
    steps = [_ingest(st, reuse=False), _profile(st), _validate(st, keep_previous=True)]
    if len(project.sources) > 1 or any(a == b for a, b in project.pairs or []):
        steps.append(_link(st, pairs, threshold, seed, backend, spark_settings, on_warning,
                           training, keep_previous=True))
        if project.truth:
            steps.append(_evaluate_run(st))
    steps.append(_report(st, from_folder=False))

    def result(s: _State, seconds: dict[str, float]) -> AssessResult:
        rep = _got(s.report)
        return AssessResult(rep.out, rep.path, rep.report, list(s.out.written), seconds,
                            s.profile, s.validation, s.link, s.evaluation)
    return Plan(f"assessing {project.name}", steps,
                _in_set(st, out, "assess", steps,
                        (*OUTPUT_NAMES, EXACT_FILE, *ASSESS_OUTPUTS), result))


def whatif(project: Project, changes: list[Change], out: Path | str | None = None, *,
           pairs: list[tuple[str, str]] | None = None, threshold: float = 0.9,
           trace_threshold: float | None = None, seed: int = 42, relink: bool = False,
           workspace: Path | None = None, config: Any = None) -> Plan[WhatIfResult]:
    """Link the pairs that touch a changed source as the records are, change a copy of
    the records (:mod:`linkready.whatif`), measure again, and write ``whatif.json`` into
    ``out`` (default: ``whatif/`` inside ``linkready-results/``). Only the workspace is
    read; nothing record-level is written. When the results folder's last run was
    ``--aggregates-only``, the records are ingested into a temporary workspace there,
    removed when the what-if ends (as that run did). A default workspace that is missing
    or out of date is built under a temporary name and moved into place only once
    ``whatif.json`` is published (as link and assess do): an interrupted or failed
    what-if leaves the previous workspace as it was."""
    from linkready.ingest import WORKSPACE_NAME
    from linkready.outdir import chose_aggregates_only, claim, register
    from linkready.whatif import (
        DEFAULT_TRACE_THRESHOLD,
        WHATIF_DIRNAME,
        WHATIF_NAME,
        affected_pairs,
        check_thresholds,
        run_whatif,
    )

    check_thresholds(threshold, trace_threshold or DEFAULT_TRACE_THRESHOLD)
    _needs_estimates(config, "whatif")
    todo = affected_pairs(project, changes, pairs)  # a bad change fails before any work
    home = results_dir(project, None)
    folder = Path(out) if out is not None else home / WHATIF_DIRNAME
    made: dict[str, Any] = {}

    def run(progress: ProgressCallback) -> None:
        from linkready.ingest import default_workspace

        ws = workspace or default_workspace(project, home)
        if workspace is None and not ws.exists() and chose_aggregates_only(home):
            scratch = home / temp_name("workspace")
            scratch.mkdir()
            made["scratch"] = scratch
            ws = scratch / WORKSPACE_NAME
        elif workspace is None and not workspace_usable(project, ws):
            from linkready.ingest._ownership import check_replaceable

            check_replaceable(ws)  # refused before claiming the folder
            claim(ws.parent)
            made["pending"] = (pending_workspace(ws), ws)
            ws = made["pending"][0]
        def kept_baseline(path: Path, todo: list[tuple[str, str]],
                          cfg: Any) -> dict[tuple[str, str], Any] | None:
            from linkready.reuse import previous_baseline

            return previous_baseline(home, project, path, pairs=todo, threshold=threshold,
                                     config=cfg)

        made["whatif"] = run_whatif(
            project, changes, pairs=todo, threshold=threshold,
            trace_threshold=trace_threshold or DEFAULT_TRACE_THRESHOLD, seed=seed,
            relink=relink, workspace=ws, config=config, progress=progress,
            kept_baseline=None if "scratch" in made else kept_baseline)
    steps = [Step("whatif", 1 + 2 * len(todo), run)]

    def execute(progress: ProgressCallback) -> WhatIfResult:
        import shutil

        if out is None:
            claim(home)
        try:
            with OutputSet(folder, "whatif") as files:
                files.check_names([WHATIF_NAME])
                try:
                    run_steps(steps, progress)
                finally:
                    if "scratch" in made:
                        shutil.rmtree(made["scratch"], ignore_errors=True)
                measured = made["whatif"]
                doc = measured.document
                write_json(files.path(WHATIF_NAME), doc)
                if "pending" in made:  # published with whatif.json, not before
                    publish_workspace(files, *made["pending"])
        finally:
            if "pending" in made:  # its folder: empty once published, else the rebuild
                shutil.rmtree(made["pending"][0].parent, ignore_errors=True)
        if out is None:
            register(home, "whatif", [WHATIF_DIRNAME])
        if "pending" in made:
            register(made["pending"][1].parent, "workspace", [WORKSPACE_NAME])
        return WhatIfResult(files.out, files.out / WHATIF_NAME, doc, measured,
                            workspace_kept="scratch" not in made)
    return Plan(f"what-if on {project.name}", steps, execute)


# --- plans that generate -----------------------------------------------------------------

def generate(scenario: Scenario, out: Path | str, *, fmt: str = "csv",
             overwrite: bool = False) -> Plan[GenerateResult]:
    """Write a synthetic world's extracts, truth, ``project.yaml`` and manifest."""
    from linkready.generate.api import generate_to_dir, step_count

    made: dict[str, Any] = {}

    def run(progress: ProgressCallback) -> None:
        made["manifest"] = generate_to_dir(scenario, out, fmt=fmt, overwrite=overwrite,
                                           progress=progress)
    steps = [Step("generate", step_count(scenario), run)]

    def execute(progress: ProgressCallback) -> GenerateResult:
        run_steps(steps, progress)
        return GenerateResult(Path(out).absolute(), made["manifest"])
    return Plan(f"generating {scenario.name}", steps, execute)


def sweep(scenario: str, key: str, values: list[Any], out: Path | str, *,
          population: int | None = None, seed: int | None = None,
          pairs: list[tuple[str, str]] | None = None, threshold: float = 0.9,
          runs_in: str = "", aggregates_only: bool = False) -> Plan[SweepResult]:
    """For each value of ``key``: generate the scenario, link, evaluate; write one row per
    pair into ``sweep.json``. Each value's world and link outputs go into
    ``out/<runs_in>/<i>_<value>/``. Every value is checked before anything is generated."""
    from linkready.errors import ConfigError
    from linkready.generate.scenario import load_scenario

    if not values:
        raise ConfigError("--vary: give at least one value")
    scenarios = [load_scenario(scenario, population=population, seed=seed,
                               overrides={key: v}, option="--vary") for v in values]
    rows: list[dict[str, Any]] = []
    holder: dict[str, OutputSet] = {}

    def value_step(i: int, value: Any, scen: Scenario) -> Step:
        def run(progress: ProgressCallback) -> None:
            from linkready._sweep import slug, sweep_row, valid_nhs_shares
            from linkready.documents import linkage_pairs
            from linkready.generate.api import generate_to_dir
            from linkready.link.evaluate_run import evaluate_outputs, evaluation_document
            from linkready.link.run import link_project, write_outputs
            from linkready.link.workspace import default_workspace
            from linkready.project import load_project

            run_dir = holder["files"].stage / runs_in / f"{i:02d}_{slug(value)}"
            generate_to_dir(scen, run_dir / "data", fmt="parquet", overwrite=True)
            project = _only_paired(load_project(run_dir / "data" / "project.yaml"), pairs)
            if aggregates_only:  # the world's workspace goes with a temporary folder
                import tempfile

                with tempfile.TemporaryDirectory(prefix="linkready-sweep-") as scratch:
                    scratch_ws = Path(scratch) / "linkready.duckdb"
                    linked = link_project(project, pairs=pairs, threshold=threshold,
                                          workspace=scratch_ws)
                    valid = valid_nhs_shares(scratch_ws)
            else:
                linked = link_project(project, pairs=pairs, threshold=threshold)
                valid = valid_nhs_shares(default_workspace(project))
            write_outputs(linked, run_dir / "linkage", record_level=not aggregates_only)
            evaluation = evaluation_document(evaluate_outputs(
                project, linked.links.to_pandas(), linked.summary, clusters=linked.clusters))
            for lp, ep in zip(linkage_pairs(linked.summary), evaluation["pairs"],
                              strict=True):
                rows.append(sweep_row(value, lp, ep, valid))
            progress(f"{key}={value}")
        return Step(f"{key}={value}", 1, run)

    steps = [value_step(i, v, s) for i, (v, s) in enumerate(zip(values, scenarios,
                                                                 strict=True))]

    def execute(progress: ProgressCallback) -> SweepResult:
        from linkready._sweep import sweep_document, write_sweep

        with OutputSet(out, "sweep") as files:
            holder["files"] = files
            run_steps(steps, progress)
            doc = sweep_document(scenario, key, values, rows, population=population,
                                 seed=scenarios[0].seed, threshold=threshold)
            write_sweep(doc, files.stage)
        return SweepResult(files.out, files.out / "sweep.json", doc)
    return Plan(f"sweeping {key}", steps, execute)


def _only_paired(project: Project, pairs: list[tuple[str, str]] | None) -> Project:
    """``project`` with only the sources of ``pairs`` (all of them when None): a sweep
    links only those, so it ingests only those (the world on disk keeps every source)."""
    if not pairs:
        return project
    keep = {s for p in pairs for s in p}
    return project.model_copy(update={
        "sources": {n: s for n, s in project.sources.items() if n in keep},
        "pairs": [tuple(p) for p in pairs],
        "spine": project.spine if project.spine in keep else None})


#: The sweep the demo runs: how NHS-number completeness in adult social care changes
#: linkage to the GP register, on a smaller world so that it adds seconds, not minutes.
DEMO_SWEEP_KEY = "sources.la_adult_social_care.errors.nhs_missing.rate"
DEMO_SWEEP_VALUES = (0.35, 0.2, 0.05)
DEMO_SWEEP_PAIR = ("la_adult_social_care", "gp_register")
DEMO_SWEEP_POPULATION = 10_000  # cli.demo.SWEEP_POPULATION


def _discard(_: object) -> None:
    """Run a plan as a step of another (its result is in its files)."""


def _generated_shape(scenario: Scenario) -> Project:
    """The project ``generate`` writes for ``scenario`` (names, spine, truth), for sizing
    the progress of stages that run on it before it exists."""
    from linkready.project import Project, SourceSpec

    sources = {n: SourceSpec(path=f"{n}.csv", columns={"record_id": "id"})
               for n in scenario.sources}
    return Project(name=scenario.name, truth="truth.parquet", sources=sources,
                   spine="gp_register" if "gp_register" in sources else None)


def demo(out: Path | str, *, overwrite: bool = False, with_sweep: bool = True,
         population: int | None = None, aggregates_only: bool = False) -> Plan[AssessResult]:
    """Generate the default scenario into ``out/data``, optionally sweep local-authority
    NHS-number completeness, and assess the world into ``out`` (with
    ``aggregates_only``: no links, clusters or workspace kept, in the sweep either).

    Raises:
        OutputError: ``out`` already holds a demo and ``overwrite`` is false.
    """
    from linkready.errors import OutputError
    from linkready.generate.scenario import load_scenario
    from linkready.outdir import check_claimable, claim, previous_sets, register
    from linkready.project import load_project

    if previous_sets(check_claimable(out)) and not overwrite:
        raise OutputError(f"{out}: already holds a demo; choose another --out or add "
                          "--overwrite")
    scenario = load_scenario("default", population=population)
    folder = Path(out).absolute()
    data = folder / "data"
    gen = generate(scenario, data, overwrite=True)
    steps = list(gen.steps)
    if with_sweep:
        sweep_pop = min(DEMO_SWEEP_POPULATION, population or DEMO_SWEEP_POPULATION)
        sw = sweep("default", DEMO_SWEEP_KEY, list(DEMO_SWEEP_VALUES), folder,
                   population=sweep_pop, pairs=[DEMO_SWEEP_PAIR], runs_in="sweep",
                   aggregates_only=aggregates_only)
        steps.append(Step("sweep", sw.total, lambda progress: _discard(sw.run(progress))))
    result: dict[str, AssessResult] = {}

    def run_assess(progress: ProgressCallback) -> None:
        project = load_project(data / "project.yaml")
        result["assess"] = assess(project, folder, project_file=data / "project.yaml",
                                  aggregates_only=aggregates_only).run(progress)
    steps.append(Step("assess", assess(_generated_shape(scenario)).total, run_assess))

    def execute(progress: ProgressCallback) -> AssessResult:
        claim(folder)
        register(folder, "demo", [data.name])
        seconds = run_steps(steps, progress)
        done = result["assess"]
        done.seconds = {**{k: v for k, v in seconds.items() if k != "assess"},
                        **done.seconds}
        return done
    return Plan("demo", steps, execute)


def assess_project(project: Project, project_file: Path, out: Path | None = None, *,
                   workspace: Path | None = None, progress: ProgressCallback = no_progress,
                   backend: str = "duckdb", spark_settings: Any = None,
                   on_warning: Warn = None) -> AssessResult:
    """:func:`assess`, run: the entry point ``linkready.report.assess_project`` kept for
    code written before the pipeline existed."""
    return assess(project, out, workspace=workspace, project_file=project_file,
                  backend=backend, spark_settings=spark_settings,
                  on_warning=on_warning).run(progress)

