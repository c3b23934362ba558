"""The README's commands run as written: the "Using it" block (after set-up: `linkready` on
the PATH, as after `source .venv/bin/activate`) and the "Your own extracts" walk-through.

Each ```sh block is run by bash in a fresh folder, stopping at the first failing command
(tests/readme_run.py). Only the population is made smaller (5,000 → 800 people) to keep
the test cheap; every other word is the README's. Both runs are shared with the report
tests, which read what their `linkready assess` wrote.
"""

from __future__ import annotations

import pytest
from tests.readme_run import own_extracts, sh_blocks, using_it


def test_the_readme_has_both_runnable_blocks() -> None:
    blocks = sh_blocks()
    assert {"Using it", "Your own extracts"} <= set(blocks)
    assert "--population 5000" in blocks["Using it"]


@pytest.mark.slow
def test_using_it_runs_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = using_it(tmp_path_factory)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = run.work / "data" / "linkready-results"
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json",
                 "report.html"):
        assert (results / name).is_file(), name
    # `clean` ran after assess: the record-level files are gone, the report stays.
    assert not (results / "links.parquet").exists()
    assert not (results / "linkready.duckdb").exists()
    assert not (results / "linkage-exact.json").exists()
    # whatif kept the baseline linkage assess had just kept from link (same inputs).
    assert "baseline: kept the linkage there" in run.stdout
    # evaluate read link's links: no temporary workspace (tests/cli/test_evaluate_cli.py)
    assert "temporary workspace" not in run.stdout
    assert (run.work / "sweep" / "sweep.json").is_file()
    # assess kept what validate, link and evaluate had just written (same inputs).
    for stage in ("validation", "linkage", "evaluation"):
        assert f"{stage}: kept the {stage}.json" in run.stdout, stage
    assert "no_nhs_number" in run.stdout  # lessons list


@pytest.mark.slow
def test_your_own_extracts_runs_as_written(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = own_extracts(tmp_path_factory)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (run.results / "report.html").is_file()
    assert (run.results / "linkage.json").is_file()
    assert "error" not in run.stderr.lower()
