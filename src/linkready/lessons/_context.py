"""Run a lesson's worlds: scenario → generate → ingest → link → evaluate, once per variant.

This is the only lesson module that touches the file system (besides writing the page).
Truth is read here because lessons exist to show what truth reveals; nothing written
from it is record-level.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkready.errors import ConfigError
from linkready.lessons._model import THRESHOLD, Lesson, Variant
from linkready.progress import ProgressCallback, no_progress

if TYPE_CHECKING:
    import pandas as pd

    from linkready.documents import EvaluationPair, LinkagePair
    from linkready.generate.scenario import Scenario
    from linkready.link.evaluate_run import Evaluation
    from linkready.link.run import LinkageRun
    from linkready.project import Project

__all__ = ["THRESHOLD", "LessonContext", "LinkedWorld", "build_world", "lessons_dir",
           "scenario_path"]


def lessons_dir() -> Path:
    """Where lesson scenarios live: in the wheel, or ``configs/lessons`` in a checkout."""
    packaged = Path(str(resources.files("linkready"))) / "lesson_scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "configs" / "lessons"


def scenario_path(lesson: Lesson) -> Path:
    path = lessons_dir() / f"{lesson.scenario}.yaml"
    if not path.is_file():
        raise ConfigError(f"{path}: lesson scenario not found; restore configs/lessons/ "
                          "from the repository")
    return path


@dataclass
class LinkedWorld:
    """One generated, ingested and (optionally) linked world, with its truth."""

    variant: Variant
    scenario: Scenario
    manifest: dict[str, Any]
    project: Project
    run: LinkageRun | None = None
    #: The exact evaluation (``evaluation_document`` publishes it; see :meth:`pair`).
    evaluation: Evaluation | None = None
    seconds: float = 0.0
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def workspace(self) -> Path:
        from linkready.link.workspace import ensure_workspace

        return ensure_workspace(self.project, None)

    @cached_property
    def truth(self) -> pd.DataFrame:
        """source, record_id, person_id for every record."""
        from linkready.link.evaluate_run import read_truth

        return read_truth(self.project)[0]

    @cached_property
    def population(self) -> pd.DataFrame:
        """Every person of the synthetic world with all their attributes."""
        import pandas as pd

        return pd.read_parquet(self.project.root / "population.parquet")

    @cached_property
    def subgroups(self) -> pd.DataFrame:
        """person_id and the subgroups evaluation breaks down by."""
        from linkready.link.evaluate import SUBGROUPS

        return self.population[["person_id", *SUBGROUPS]]

    @cached_property
    def records(self) -> pd.DataFrame:
        """The canonical records of every source (the ingested workspace)."""
        import duckdb

        con = duckdb.connect(str(self.workspace), read_only=True)
        try:
            return con.sql("SELECT * FROM records").df()
        finally:
            con.close()

    def raw(self, source: str) -> pd.DataFrame:
        """A source's raw extract as text, columns renamed to canonical fields."""
        import pandas as pd

        if source not in self._cache:
            spec = self.project.sources[source]
            frame = pd.read_parquet(self.project.source_path(source))
            rename = {col: f for f, col in spec.columns.items()}
            frame = frame[list(rename)].rename(columns=rename).astype("string")
            self._cache[source] = frame
        return self._cache[source]

    def evaluated(self) -> Evaluation:
        """The world's exact evaluation (for the lesson's own arithmetic; publish each
        figure with its published form from :meth:`pair`)."""
        if self.evaluation is None:
            raise RuntimeError("this lesson's worlds are not linked (Lesson.link=False)")
        return self.evaluation

    def pair(self, left: str, right: str) -> tuple[LinkagePair, EvaluationPair]:
        """(linkage summary, evaluation) of one linked pair, as published and typed
        (:mod:`linkready.documents`)."""
        if self.run is None or self.evaluation is None:
            raise RuntimeError("this lesson's worlds are not linked (Lesson.link=False)")
        from linkready.documents import linkage_pairs
        from linkready.link.evaluate_run import evaluation_document

        lp = next(p for p in linkage_pairs(self.run.summary)
                  if (p["left"], p["right"]) == (left, right))
        published = evaluation_document(self.evaluation)["pairs"]
        ep = next(p for p in published if (p["left"], p["right"]) == (left, right))
        return lp, ep.copy()

    def row_count(self, source: str) -> int:
        return int(self.manifest["row_counts"][source])


@dataclass
class LessonContext:
    """What a measurement function is given: the lesson, run options and its worlds."""

    lesson: Lesson
    workdir: Path
    population: int
    seed: int | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    progress: ProgressCallback = no_progress
    worlds: dict[str, LinkedWorld] = field(default_factory=dict)

    def scenario(self, variant: Variant) -> Scenario:
        """The lesson scenario with --set values, then the variant's overrides, applied;
        restricted to the lesson's sources."""
        from linkready.generate.scenario import Scenario, load_scenario

        overrides = {**self.sets, **variant.overrides}
        full = load_scenario(scenario_path(self.lesson), population=self.population,
                             seed=self.seed, overrides=overrides, option="--set",
                             option_keys=list(self.sets))
        data = full.model_dump()
        missing = [s for s in self.lesson.sources if s not in data["sources"]]
        if missing:
            raise ConfigError(f"lesson `{self.lesson.name}`: scenario has no source "
                              f"{', '.join(missing)}")
        data["sources"] = {k: v for k, v in data["sources"].items()
                           if k in self.lesson.sources}
        return Scenario.model_validate(data)

    def variant(self, key: str) -> Variant:
        return next(v for v in self.lesson.variants if v.key == key)

    def world(self, key: str | None = None) -> LinkedWorld:
        """The world of a variant (the first one by default), built on first use."""
        variant = self.variant(key) if key else self.lesson.variants[0]
        if variant.key not in self.worlds:
            self.worlds[variant.key] = build_world(self, variant)
            self.progress(f"{variant.key}")
        return self.worlds[variant.key]


def build_world(ctx: LessonContext, variant: Variant) -> LinkedWorld:
    """Generate a variant's world into the work directory, then ingest, link, evaluate."""
    from linkready.generate.api import generate_to_dir
    from linkready.link.run import link_project
    from linkready.link.workspace import ensure_workspace
    from linkready.project import load_project

    start = time.perf_counter()
    scenario = ctx.scenario(variant)
    data = ctx.workdir / variant.key
    manifest = generate_to_dir(scenario, data, fmt="parquet", overwrite=True)
    project = load_project(data / "project.yaml")
    ensure_workspace(project, None)
    world = LinkedWorld(variant, scenario, manifest, project)
    if ctx.lesson.link:
        from linkready.link.evaluate_run import evaluate_outputs

        world.run = link_project(project, pairs=list(ctx.lesson.pairs), threshold=THRESHOLD)
        world.evaluation = evaluate_outputs(project, world.run.links.to_pandas(),
                                            world.run.summary)
    world.seconds = time.perf_counter() - start
    return world
