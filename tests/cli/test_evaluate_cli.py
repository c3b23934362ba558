"""`linkready evaluate` in a folder whose last run was --aggregates-only says that it
linked in a temporary workspace (and wrote no links). After a plain link it says nothing
of the kind: the README's run (tests/test_readme.py). Hand-written extracts
(tests/hand_world.py) with a truth file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

from hand_world import COUNCIL, GP, write_world
from linkready.cli.app import app

runner = CliRunner()
NOTE = "the records were linked in a temporary workspace, now removed"


def test_evaluate_says_when_it_used_a_temporary_workspace(tmp_path: Path) -> None:
    path = write_world(tmp_path, with_nhs=20)
    pd.DataFrame({"source": ["gp"] * GP + ["council"] * COUNCIL,
                  "record_id": [f"G{i:03d}" for i in range(GP)]
                  + [f"C{i:03d}" for i in range(COUNCIL)],
                  "person_id": [f"P{i}" for i in range(GP)]
                  + [f"P{i}" for i in range(COUNCIL)]}).to_parquet(tmp_path / "truth.parquet")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**doc, "truth": "truth.parquet"}), encoding="utf-8")
    results = tmp_path / "linkready-results"
    assert runner.invoke(app, ["profile", str(path), "--aggregates-only"]).exit_code == 0
    temporary = runner.invoke(app, ["evaluate", str(path)])
    assert temporary.exit_code == 0, temporary.output
    assert NOTE in " ".join(temporary.output.split())
    assert (results / "evaluation.json").is_file()
    assert not (results / "links.parquet").exists()
    assert not (results / "linkready.duckdb").exists()
