"""`linkready evaluate` in a folder whose last run was --aggregates-only says that it
linked in a temporary workspace (and wrote no links). After a plain link it says nothing
of the kind: the README's run (tests/test_readme.py). Hand-written extracts
(tests/hand_world.py) with a truth file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hand_world import add_truth, write_world
from linkready.cli.app import app

runner = CliRunner()
NOTE = "the records were linked in a temporary workspace, now removed"


def test_evaluate_says_when_it_used_a_temporary_workspace(tmp_path: Path) -> None:
    path = add_truth(write_world(tmp_path, with_nhs=20))
    results = tmp_path / "linkready-results"
    assert runner.invoke(app, ["profile", str(path), "--aggregates-only"]).exit_code == 0
    temporary = runner.invoke(app, ["evaluate", str(path)])
    assert temporary.exit_code == 0, temporary.output
    assert NOTE in " ".join(temporary.output.split())
    assert (results / "evaluation.json").is_file()
    assert not (results / "links.parquet").exists()
    assert not (results / "linkready.duckdb").exists()


def test_the_nhs_stage_that_linked_nothing_reads_no_links(monkeypatch) -> None:
    """Where the NHS-number stage made no links (no NHS number held), the table says
    "no links", not an F1 of 0.0% (qa9, FEBRL 4); a stage that linked shows its F1."""
    import io

    from rich.console import Console

    from linkready.cli import evaluate as ev

    out = io.StringIO()
    monkeypatch.setattr(ev, "console", Console(file=out, width=200))

    def pair(det: dict) -> dict:
        return {"left": "a", "right": "b", "truth": {"overlap_rate": 0.9},
                "expected_match_rate": 0.88, "deterministic": det,
                "probabilistic": {"f1": 0.97, "precision": 0.99, "missed_match_rate": 0.04}}

    none = {"true_positives": 0, "precision": None, "f1": None}
    some = {"true_positives": 400, "precision": 1.0, "f1": 0.8}
    ev.print_evaluation({"pairs": [pair(none), pair(some)]}, Path("evaluation.json"))
    rows = [[c.strip() for c in ln.split("│")] for ln in out.getvalue().splitlines()
            if "a → b" in ln]
    assert [r[4] for r in rows] == ["no links", "80.0%"]  # the det. F1 column
