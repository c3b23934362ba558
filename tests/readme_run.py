"""The README's ```sh blocks, run as written by bash with `linkready` as this checkout's
command (as after `source .venv/bin/activate`).

Each block is run **once per test session** (once across pytest-xdist workers, under a
file lock) and shared: tests/test_readme.py checks that it ran; the report tests read what
the "Using it" block's `linkready assess` wrote (tests/report/conftest.py: a default world
assessed) and what the walk-through's assess wrote (an extract with no truth). The test's
`linkready` is a small shim: for `assess` it also copies the results folder and the
project's folder, as assess left them, before the block's later commands (whatif, clean)
change them.

A block runs in the background, by bash, from the moment the session has collected a test
that reads it (:func:`start_needed`, from tests/conftest.py), and the files of the tests
that read one are put last (:func:`readers_last`), so that the workers run other tests
meanwhile rather than wait for it; a test that reads a block waits for what it reads (the
report tests for assess's copy only, tests/test_readme.py for the whole block). A block
nobody started that way starts when first asked for.

Only the population is made smaller (5,000 → 800 people); every other word is the
README's.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SMALL = "--population 800"
#: How long a block may run before the test waiting for it fails (as subprocess.run's
#: timeout did when the blocks ran in the foreground).
TIMEOUT = 900.0

#: The test's `linkready`: this checkout's command; `assess` also leaves a copy of its
#: output folder (default place or --out), of the project's folder (without that output
#: folder) and its printed summary in $LINKREADY_SNAPSHOT, then marks the copy done.
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
out="$(cd "$out" && pwd)"
echo "$out" >"$LINKREADY_SNAPSHOT/written_to"
cp -a "$out" "$LINKREADY_SNAPSHOT/out"
world="$(cd "$(dirname "$2")" && pwd)"
cp -a "$world" "$LINKREADY_SNAPSHOT/world"
case "$out" in "$world"/*) rm -rf "$LINKREADY_SNAPSHOT/world/${{out#"$world"/}}";; esac
touch "$LINKREADY_SNAPSHOT/done"
exit $code
"""

#: Runs a block (in $LINKREADY_README_BLOCK) by bash in folder $1, stopping at the first
#: failing command; its output goes to $2/stdout and $2/stderr, then its exit code to
#: $2/rc (written last: the block has ended once rc exists).
RUNNER = r"""block=$LINKREADY_README_BLOCK
unset LINKREADY_README_BLOCK
cd "$1" || exit 1
bash -e -c "$block" >"$2/stdout" 2>"$2/stderr" </dev/null
echo $? >"$2/rc.tmp"
mv "$2/rc.tmp" "$2/rc"
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


def _using_it_block(folder: Path) -> tuple[str, dict[str, str]]:
    """Prepare the "Using it" run in ``folder``: its block and environment."""
    snapshot = folder / "assess"
    snapshot.mkdir()
    env = {**shell(folder / "work"), "LINKREADY_SNAPSHOT": str(snapshot)}
    return sh_blocks()["Using it"].replace("--population 5000", SMALL), env


def _own_extracts_block(folder: Path) -> tuple[str, dict[str, str]]:
    """Prepare the "Your own extracts" run in ``folder``: its block and environment."""
    return sh_blocks()["Your own extracts"], shell(folder / "work")


USING_IT = "readme-using-it"
OWN_EXTRACTS = "readme-own-extracts"
_BLOCKS: dict[str, Callable[[Path], tuple[str, dict[str, str]]]] = {
    USING_IT: _using_it_block, OWN_EXTRACTS: _own_extracts_block}
#: Blocks this process started, still to be waited for (or stopped) at the session's end.
_STARTED: list[subprocess.Popen[bytes]] = []
_FOLDERS: dict[tuple[str, str], Path] = {}


def _folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """The block's folder: one for the whole session, shared by every xdist worker."""
    key = (str(tmp_path_factory.getbasetemp()), name)
    if key not in _FOLDERS:
        if os.environ.get("PYTEST_XDIST_WORKER") is None:
            _FOLDERS[key] = tmp_path_factory.mktemp(name)
        else:
            _FOLDERS[key] = tmp_path_factory.getbasetemp().parent / name  # the workers'
            _FOLDERS[key].mkdir(exist_ok=True)
    return _FOLDERS[key]


def start(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """Start the block ``name`` in the background unless this session already has (in
    any worker: under a file lock); return its folder."""
    import fcntl

    folder = _folder(tmp_path_factory, name)
    with (folder.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (folder / "started").is_file():
                return folder
            (folder / "work").mkdir()
            block, env = _BLOCKS[name](folder)
            proc = subprocess.Popen(
                ["bash", "-c", RUNNER, "readme-block", str(folder / "work"), str(folder)],
                env={**env, "LINKREADY_README_BLOCK": block}, start_new_session=True,
                stdin=subprocess.DEVNULL)
            _STARTED.append(proc)
            (folder / "started").write_text(str(proc.pid), encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


def _wait(folder: Path, *marks: str) -> None:
    """Wait until the block has ended or left one of ``marks`` in its folder."""
    deadline = time.monotonic() + TIMEOUT
    while not any((folder / m).exists() for m in ("rc", *marks)):
        if time.monotonic() > deadline:
            pid = int((folder / "started").read_text(encoding="utf-8"))
            _stop(pid)
            raise TimeoutError(f"the README block in {folder} ran over {TIMEOUT:.0f} s")
        time.sleep(0.2)


def _stop(pid: int) -> None:
    """Stop a block's process group (it runs in a session of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def finish(interrupted: bool) -> None:
    """At the session's end: wait for the blocks this process started (another worker
    may still need them), or stop them if the session was interrupted."""
    while _STARTED:
        proc = _STARTED.pop()
        if interrupted:
            _stop(proc.pid)
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(proc.pid)
            proc.wait()


def reads(item: pytest.Item) -> dict[str, bool]:
    """The blocks a test reads, each with whether it waits for the whole block (True) or
    only for the copy of what its assess wrote (the report tests' ``assessed`` fixture).
    A test that calls :func:`using_it` or :func:`own_extracts` itself waits for the whole
    block."""
    code = getattr(getattr(item, "function", None), "__code__", None)
    names = set(code.co_names) if code is not None else set()
    found: dict[str, bool] = {}
    if "assessed" in getattr(item, "fixturenames", ()):
        found[USING_IT] = False
    if "using_it" in names:
        found[USING_IT] = True
    if "own_extracts" in names:
        found[OWN_EXTRACTS] = True
    return found


def start_needed(items: Iterable[pytest.Item],
                 tmp_path_factory: pytest.TempPathFactory) -> None:
    """Start, in the background, each block a collected test reads (:func:`reads`)."""
    for name in sorted({name for item in items for name in reads(item)}):
        start(tmp_path_factory, name)


def readers_last(items: list[pytest.Item]) -> None:
    """Put the test files that read a block after the others, those that wait for a whole
    block last (order otherwise kept): xdist hands out files in this order, so its workers
    run the other files while the blocks run, rather than wait for them."""
    rank: dict[object, int] = {}
    for item in items:
        found = reads(item)
        if found:
            rank[item.path] = max(rank.get(item.path, 0), 2 if any(found.values()) else 1)
    items.sort(key=lambda item: rank.get(item.path, 0))


@dataclass(frozen=True)
class Finished:
    """A block's run: its folder, exit code and output."""

    folder: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def work(self) -> Path:
        """The folder the block ran in."""
        return self.folder / "work"


def _finished(tmp_path_factory: pytest.TempPathFactory, name: str) -> Finished:
    """The block ``name``, started if need be, once it has ended."""
    folder = start(tmp_path_factory, name)
    _wait(folder)
    return Finished(folder, int((folder / "rc").read_text(encoding="utf-8")),
                    (folder / "stdout").read_text(encoding="utf-8"),
                    (folder / "stderr").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class UsingIt(Finished):
    """The "Using it" block's run: its folder, exit code and output, and what its
    `linkready assess` wrote (copied as assess left it)."""

    @property
    def snapshot(self) -> Path:
        """The shim's copy of what assess wrote (tests/report/conftest.py)."""
        return self.folder / "assess"

    @property
    def world(self) -> Path:
        """The generated world (`data/`: extracts, project.yaml, truth)."""
        return self.work / "data"


def using_it(tmp_path_factory: pytest.TempPathFactory) -> UsingIt:
    """The README's "Using it" block, run once for the whole session, once it has ended."""
    done = _finished(tmp_path_factory, USING_IT)
    return UsingIt(done.folder, done.returncode, done.stdout, done.stderr)


def assess_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, UsingIt | None]:
    """The "Using it" block's copy of what its `linkready assess` wrote, as soon as the
    shim has made it (the block's later commands may still be running), and None; or,
    if the block ended without it, the snapshot folder and the block's run (whose output
    says why)."""
    folder = start(tmp_path_factory, USING_IT)
    _wait(folder, "assess/done")
    if (folder / "assess" / "done").is_file():
        return folder / "assess", None
    return folder / "assess", using_it(tmp_path_factory)


@dataclass(frozen=True)
class OwnExtracts(Finished):
    """The "Your own extracts" walk-through's run: its folder, exit code and output."""

    @property
    def results(self) -> Path:
        """Where its `linkready assess` wrote (the default place beside mine/project.yaml)."""
        return self.work / "mine" / "linkready-results"


def own_extracts(tmp_path_factory: pytest.TempPathFactory) -> OwnExtracts:
    """The README's "Your own extracts" walk-through (two sample extracts, no truth, no
    manifest: real data as far as linkready can tell), run once for the whole session."""
    done = _finished(tmp_path_factory, OWN_EXTRACTS)
    return OwnExtracts(done.folder, done.returncode, done.stdout, done.stderr)
