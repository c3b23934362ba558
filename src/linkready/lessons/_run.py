"""Run a lesson end to end and write its page and JSON."""

from __future__ import annotations

import copy
import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linkready._version import __version__
from linkready.errors import ConfigError
from linkready.lessons._context import LessonContext
from linkready.lessons._model import Lesson, LessonResult
from linkready.lessons._registry import LESSONS, get_lesson
from linkready.progress import ProgressCallback, no_progress


@dataclass
class LessonRun:
    """A finished run: the lesson, what it measured, and the JSON payload written."""

    lesson: Lesson
    result: LessonResult
    payload: dict[str, Any]
    html: str
    seconds: float
    #: Where ``lesson.html`` and ``lesson.json`` were published (empty if not written).
    paths: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``lesson.json``: the lesson's measured figures, findings and tables."""
        return copy.deepcopy(self.payload)

    def figures_df(self) -> Any:
        """One row per measured figure: key, label, value as published, kind."""
        import pandas as pd

        return pd.DataFrame([{"key": k, **f} for k, f in self.payload["figures"].items()],
                            columns=["key", "label", "value", "kind"])


def parse_set(items: list[str] | None) -> dict[str, Any]:
    """``KEY=VALUE`` strings → overrides. Values are read as YAML (numbers, flow
    mappings such as ``{1: 1, 2: 1}``); text that is not valid YAML (``%d/%m/%Y``) is
    taken as a plain string."""
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise ConfigError(f"--set: `{item}` is not KEY=VALUE; write e.g. "
                              "--set world.twin_rate=0.1")
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError:
            out[key] = value.strip()
        if not _finite(out[key]):
            raise ConfigError(f"--set: `{key}` is not a finite number; give a number such "
                              "as 0.5")
    return out


def _finite(value: Any) -> bool:
    """False for inf and nan anywhere in a value read from YAML (`.inf`, `.nan`)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def step_count(lesson: Lesson) -> int:
    """Progress steps: one per world, one for measuring, one for the page."""
    return len(lesson.variants) + 2


def run_lesson(name: str, *, population: int | None = None, seed: int | None = None,
               sets: dict[str, Any] | None = None, workdir: Path | None = None,
               progress: ProgressCallback = no_progress) -> LessonRun:
    """Generate, link, evaluate and measure lesson ``name``; render its page in memory.

    ``workdir`` keeps the generated worlds (default: a temporary directory, removed)."""
    from linkready.lessons._page import render_html, to_json, variant_info

    lesson = get_lesson(name)
    start = time.perf_counter()
    tmp = None
    if workdir is None:
        tmp = Path(tempfile.mkdtemp(prefix=f"linkready-lesson-{lesson.name}-"))
    try:
        ctx = LessonContext(lesson, workdir or tmp,  # type: ignore[arg-type]
                            population or lesson.default_population, seed, dict(sets or {}),
                            progress)
        for v in lesson.variants:  # validate every variant before building any world
            ctx.scenario(v)
        result = lesson.measure(ctx)
        progress("measured")
        variants = [variant_info(lesson, ctx.worlds[v.key]) for v in lesson.variants
                    if v.key in ctx.worlds]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    seconds = time.perf_counter() - start
    meta = {"tool_version": __version__, "population": ctx.population,
            "sets": ctx.sets, "seconds": round(seconds, 1),
            "date": datetime.now(UTC).date().isoformat(),
            "unit": "shares are of left records (GUILD) unless a label says otherwise; "
                    "counts of 1–7 are *, others rounded to the nearest 5"}
    payload = to_json(lesson, result, variants, meta)
    html = render_html(lesson, len(LESSONS), result, variants, meta)
    progress("page")
    return LessonRun(lesson, result, payload, html, seconds)


def write_lesson(run: LessonRun, out: Path) -> list[Path]:
    """Write ``lesson.html`` and ``lesson.json`` into ``out`` (replacing only those)."""
    from linkready.lessons._page import dumps
    from linkready.outdir import write_text

    return [write_text(out / "lesson.html", run.html),
            write_text(out / "lesson.json", dumps(run.payload) + "\n")]


def run(name: str, out: str | Path | None = None, *, population: int | None = None,
        seed: int | None = None, sets: dict[str, Any] | list[str] | None = None,
        keep_data: bool = False, progress: ProgressCallback = no_progress) -> LessonRun:
    """Run lesson ``name`` and publish ``lesson.html`` and ``lesson.json`` into ``out``
    (default ``out/lessons/<name>``); ``keep_data`` keeps the generated worlds in
    ``out/data``. ``sets`` overrides scenario keys (a mapping, or ``KEY=VALUE`` texts).
    Returns the run with the paths it wrote; ``linkready.lessons.run`` in the API."""
    from linkready.outdir import OutputSet

    lesson = get_lesson(name)
    overrides = parse_set(sets) if isinstance(sets, list) else dict(sets or {})
    with OutputSet(Path(out) if out is not None else Path("out") / "lessons" / lesson.name,
                   "lesson") as files:
        done = run_lesson(lesson.name, population=population, seed=seed, sets=overrides,
                          workdir=files.stage / "data" if keep_data else None,
                          progress=progress)
        write_lesson(done, files.stage)
    done.paths = [files.out / "lesson.html", files.out / "lesson.json"]
    return done
