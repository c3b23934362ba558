"""The README's ```sh blocks, run as written by bash with `linkready` as this checkout's
command (as after `source .venv/bin/activate`).

Each block is run **once per test session** (once across pytest-xdist workers, under a
file lock) and shared: tests/test_readme.py checks that it ran; the report tests read what
the "Using it" block's `linkready assess` wrote (tests/report/conftest.py: a default world
assessed) and what the walk-through's assess wrote (an extract with no truth). The test's
`linkready` is a small shim: for `assess` it also copies the results folder, as assess
left it, before the block's later commands (whatif, clean) change it.

Only the population is made smaller (5,000 → 800 people); every other word is the
README's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL = "--population 800"

#: The test's `linkready`: this checkout's command; `assess` also leaves a copy of its
#: output folder (default place or --out) and its printed summary in $LINKREADY_SNAPSHOT.
SHIM = r"""#!/bin/bash
if [ "$1" != assess ] || [ -z "$LINKREADY_SNAPSHOT" ]; then
  exec "{python}" -m linkready "$@"
fi
out="$(dirname "$2")/linkready-results"
args=("$@")
for i in "${{!args[@]}}"; do
  [ "${{args[$i]}}" = --out ] && out="${{args[$((i+1))]}}"
done
touch "$LINKREADY_SNAPSHOT/started"
"{python}" -m linkready "$@" >"$LINKREADY_SNAPSHOT/assess.out"
code=$?
echo $code >"$LINKREADY_SNAPSHOT/exit_code"
cat "$LINKREADY_SNAPSHOT/assess.out"
echo "$(cd "$out" && pwd)" >"$LINKREADY_SNAPSHOT/written_to"
cp -a "$out" "$LINKREADY_SNAPSHOT/out"
exit $code
"""


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


def shell(work: Path) -> dict[str, str]:
    """Make ``work`` a folder holding the repository's sample data, and return an
    environment in which `linkready` is this checkout's command.

    linkready's bytecode is written first (``__pycache__`` beside the sources, as
    installing a wheel does): with ``PYTHONDONTWRITEBYTECODE`` set, each of the block's
    commands would otherwise compile linkready's modules from source again (about 0.1 s
    of CPU each). Python reads bytecode whatever that setting, and checks it against the
    source's time and size, so an edited module is compiled afresh."""
    import compileall

    compileall.compile_dir(ROOT / "src" / "linkready", quiet=1)
    (work / "synthetic_data").symlink_to(ROOT / "synthetic_data")
    bin_dir = work / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "linkready"
    shim.write_text(SHIM.format(python=sys.executable), encoding="utf-8")
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                           os.environ.get("PYTHONPATH", "")]),
            "COLUMNS": "200"}


def run_block(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a block by bash, stopping at the first failing command."""
    return subprocess.run(["bash", "-e", "-c", block], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@dataclass(frozen=True)
class UsingIt:
    """The "Using it" block's run: its folder, exit code and output, and what its
    `linkready assess` wrote (copied as assess left it)."""

    work: Path
    returncode: int
    stdout: str
    stderr: str
    snapshot: Path

    @property
    def world(self) -> Path:
        """The generated world (`data/`: extracts, project.yaml, truth)."""
        return self.work / "data"


@contextmanager
def _once(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by every xdist worker of this session, and whether this caller
    must fill it (True for the first caller only; later callers wait until it is done)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        yield tmp_path_factory.mktemp(name), True
        return
    folder = tmp_path_factory.getbasetemp().parent / name  # shared by the workers
    try:
        import fcntl
    except ImportError:  # no POSIX locks: each worker runs its own
        yield tmp_path_factory.mktemp(name), True
        return
    folder.mkdir(exist_ok=True)
    with (folder.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder, not (folder / "done.json").is_file()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _record(done_file: Path, done: subprocess.CompletedProcess[str]) -> None:
    """Keep a block's exit code and output for the other workers of the session."""
    done_file.write_text(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                     "stderr": done.stderr}), encoding="utf-8")


_USING_IT: dict[str, UsingIt] = {}


def using_it(tmp_path_factory: pytest.TempPathFactory) -> UsingIt:
    """The README's "Using it" block, run once for the whole session."""
    key = str(tmp_path_factory.getbasetemp())
    if key in _USING_IT:
        return _USING_IT[key]
    with _once(tmp_path_factory, "readme-using-it") as (folder, first):
        work = folder / "work"
        done_file = folder / "done.json"
        if first:
            for old in (work, folder / "assess"):  # a run another worker did not finish
                shutil.rmtree(old, ignore_errors=True)
            work.mkdir()
            snapshot = folder / "assess"
            snapshot.mkdir()
            env = {**shell(work), "LINKREADY_SNAPSHOT": str(snapshot)}
            block = sh_blocks()["Using it"].replace("--population 5000", SMALL)
            _record(done_file, run_block(block, work, env))
        doc = json.loads(done_file.read_text(encoding="utf-8"))
    _USING_IT[key] = UsingIt(work, doc["returncode"], doc["stdout"], doc["stderr"],
                             folder / "assess")
    return _USING_IT[key]


@dataclass(frozen=True)
class OwnExtracts:
    """The "Your own extracts" walk-through's run: its folder, exit code and output."""

    work: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def results(self) -> Path:
        """Where its `linkready assess` wrote (the default place beside mine/project.yaml)."""
        return self.work / "mine" / "linkready-results"


_OWN: dict[str, OwnExtracts] = {}


def own_extracts(tmp_path_factory: pytest.TempPathFactory) -> OwnExtracts:
    """The README's "Your own extracts" walk-through (two sample extracts, no truth, no
    manifest: real data as far as linkready can tell), run once for the whole session."""
    key = str(tmp_path_factory.getbasetemp())
    if key in _OWN:
        return _OWN[key]
    with _once(tmp_path_factory, "readme-own-extracts") as (folder, first):
        work = folder / "work"
        done_file = folder / "done.json"
        if first:
            shutil.rmtree(work, ignore_errors=True)  # a run another worker did not finish
            work.mkdir()
            _record(done_file, run_block(sh_blocks()["Your own extracts"], work, shell(work)))
        doc = json.loads(done_file.read_text(encoding="utf-8"))
    _OWN[key] = OwnExtracts(work, doc["returncode"], doc["stdout"], doc["stderr"])
    return _OWN[key]
