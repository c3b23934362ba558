"""The orchestration layer: steps carry their own progress totals; plans publish at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linkready import pipeline
from linkready.pipeline import Plan, Step, run_steps


def _ticker(reports: int) -> Step:
    def run(progress: pipeline.ProgressCallback) -> None:
        for i in range(reports):
            progress(f"tick {i}")
    return Step(f"reports {reports}", 3, run)


@pytest.mark.parametrize("reports", [pytest.param(0, id="silent"),
                                     pytest.param(3, id="exact"),
                                     pytest.param(9, id="too-many")])
def test_a_step_reports_exactly_its_declared_total(reports: int) -> None:
    """A step that reports fewer ticks than it declared is topped up, one that reports
    more is capped: the bar ends at the plan's total whatever the stage does."""
    seen: list[tuple[str, int]] = []
    steps = [_ticker(reports), _ticker(1)]
    run_steps(steps, lambda step, done=1: seen.append((step, done)))
    assert sum(d for _, d in seen) == Plan("t", steps, lambda p: None).total == 6


def test_assess_plan_total_matches_the_ticks_it_reports(tmp_path: Path) -> None:
    """The assess plan's total (summed from its steps) is what a real run reports, step
    by step: ingest one per source, profile, validate, link per pair + 2, evaluate,
    report; and a sweep file left in the folder is read by the report, not republished."""
    import linkready

    world = linkready.generate("default", tmp_path / "data", population=300, seed=3)
    project = world.load_project()
    plan = pipeline.assess(project, tmp_path / "out", project_file=world.project_file)
    n = len(project.sources)
    assert [s.total for s in plan.steps] == [n, 1, 1, (n - 1) + 2, 1, 1]
    ticks: list[int] = []
    result = plan.run(lambda step, done=1: ticks.append(done))
    assert sum(ticks) == plan.total
    assert set(result.seconds) == {"ingest", "profile", "validate", "link", "evaluate",
                                   "report"}
    assert result.report_path.is_file() and not (tmp_path / "out" / "sweep.json").exists()
    docs = result.to_dict()
    assert {d["config_hash"] for d in docs.values()} == {project.config_hash()}
    for name, doc in docs.items():  # to_dict() is the published document, exactly
        assert doc == json.loads((tmp_path / "out" / f"{name}.json").read_text("utf-8"))


def test_link_package_does_not_import_generate() -> None:
    """Sweeps moved to the pipeline: nothing under linkready.link imports generate."""
    root = Path(pipeline.__file__).parent / "link"
    offenders = [p.name for p in root.glob("*.py")
                 if "linkready.generate" in p.read_text(encoding="utf-8")]
    assert offenders == []
