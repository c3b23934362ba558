"""The README's commands run as written: the "Using it" block (after set-up: `linkready` on
the PATH, as after `source .venv/bin/activate`) and the "Your own extracts" walk-through.

Each ```sh block is run by bash in a fresh folder, stopping at the first failing command.
Only the population is made smaller (5,000 → 800 people) to keep the test cheap; every
other word is the README's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL = "--population 800"


def sh_blocks() -> dict[str, str]:
    """The ```sh blocks of the README, keyed by the heading of their section."""
    text = README.read_text(encoding="utf-8")
    blocks: dict[str, str] = {}
    heading = ""
    for m in re.finditer(r"^(## [^\n]+)$|^```sh\n(.*?)^```$", text, re.M | re.S):
        if m.group(1):
            heading = m.group(1)[3:].strip()
        else:
            blocks[heading] = m.group(2)
    return blocks


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A folder holding the repository's sample data, and an environment in which
    `linkready` is this checkout's command."""
    work = tmp_path_factory.mktemp("readme")
    (work / "synthetic_data").symlink_to(ROOT / "synthetic_data")
    bin_dir = work / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "linkready"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m linkready "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                          os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "200"}
    return work, env


def _run(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", block], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


def test_the_readme_has_both_runnable_blocks() -> None:
    blocks = sh_blocks()
    assert {"Using it", "Your own extracts"} <= set(blocks)
    assert "--population 5000" in blocks["Using it"]


@pytest.mark.slow
def test_using_it_runs_as_written(shell: tuple[Path, dict[str, str]]) -> None:
    work, env = shell
    block = sh_blocks()["Using it"].replace("--population 5000", SMALL)
    done = _run(block, work, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = work / "data" / "linkready-results"
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json",
                 "report.html"):
        assert (results / name).is_file(), name
    # `clean` ran after assess: the record-level files are gone, the report stays.
    assert not (results / "links.parquet").exists()
    assert not (results / "linkready.duckdb").exists()
    assert (work / "sweep" / "sweep.json").is_file()
    assert "no_nhs_number" in done.stdout  # lessons list


@pytest.mark.slow
def test_your_own_extracts_runs_as_written(shell: tuple[Path, dict[str, str]]) -> None:
    work, env = shell
    done = _run(sh_blocks()["Your own extracts"], work, env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = work / "mine" / "linkready-results"
    assert (results / "report.html").is_file()
    assert (results / "linkage.json").is_file()
    assert "error" not in done.stderr.lower()
