"""Output folders linkready owns, and sets of files published all at once.

Three rules, shared by every command that writes:

* **Only what it created.** A folder becomes linkready's when linkready creates it or finds
  it empty; it then holds a marker file (:data:`MARKER`) listing the names linkready wrote
  there. A folder that holds other files is refused, and a name in an owned folder that
  linkready did not write is never replaced or deleted.
* **All or nothing.** A command writes its files into a temporary folder inside the output
  folder (:class:`OutputSet`), then moves them into place one by one under a lock, with
  SIGINT and SIGTERM held back for those few renames: a reader sees the previous complete
  set or the new one, never a mix. An interrupt or crash before that leaves only the
  temporary folder, which the next run removes.
* **Typed failures.** Every ``OSError`` becomes an :class:`~linkready.errors.OutputError`
  naming the path and the fix (exit 2).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from linkready.errors import OutputError

#: Marker file in every folder linkready owns: ``{"tool": "linkready", "sets": {...}}``.
MARKER = ".linkready-output.json"
#: Lock file taken while a set is published.
LOCK = ".linkready.lock"
#: Prefix of every temporary file or folder linkready makes; ``<prefix><pid>-<what>``.
TMP_PREFIX = ".linkready-tmp-"
#: The default output place of every command that takes PROJECT.yaml.
RESULTS_DIRNAME = "linkready-results"

_OWN_NAMES = frozenset({MARKER, LOCK})
#: The folder most recently claimed in this process: where an internal-error log goes.
last_claimed: list[Path] = []


def default_results(project_root: Path) -> Path:
    """``linkready-results/`` beside the project file."""
    return project_root / RESULTS_DIRNAME


def temp_name(what: str) -> str:
    """A temporary name this process owns (removed by the next run if left behind)."""
    return f"{TMP_PREFIX}{os.getpid()}-{what}"


def _fail(path: Path, exc: OSError, doing: str) -> OutputError:
    why = exc.strerror or type(exc).__name__
    return OutputError(f"{path}: cannot {doing} ({why}); choose a writable --out")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove linkready temporaries in ``folder`` left by processes that no longer run."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(TMP_PREFIX):
            continue
        pid_text = entry.name[len(TMP_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of an owned folder, or None when ``folder`` is not linkready's."""
    path = folder / MARKER
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("tool") != "linkready":
        return None
    sets = doc.get("sets")
    if not isinstance(sets, dict):
        doc["sets"] = {}
    return doc


def owned_names(marker: dict[str, Any]) -> set[str]:
    """Every top-level name linkready wrote into an owned folder."""
    names: set[str] = set()
    for listed in marker.get("sets", {}).values():
        if isinstance(listed, list):
            names.update(str(n) for n in listed)
    return names


def _write_marker(folder: Path, marker: dict[str, Any]) -> None:
    tmp = folder / temp_name("marker")
    tmp.write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


#: The JSON documents linkready publishes; a folder holding only these (e.g. sent by a
#: colleague, for ``report``) may be used as an output folder.
DOCUMENT_NAMES = frozenset({"profile.json", "validation.json", "linkage.json",
                            "evaluation.json", "sweep.json"})


def _is_document(entry: Path) -> bool:
    if entry.name not in DOCUMENT_NAMES or not entry.is_file():
        return False
    try:
        with entry.open(encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "schema_version" in doc


def _is_empty(folder: Path) -> bool:
    """True when ``folder`` holds nothing but linkready's own files and documents."""
    return all(e.name.startswith(TMP_PREFIX) or e.name in _OWN_NAMES or _is_document(e)
               for e in folder.iterdir())


def check_claimable(out: Path | str, *, option: str = "--out") -> Path:
    """The absolute folder ``out`` names, if linkready may write there; changes nothing.

    Raises:
        OutputError: ``out`` is empty text, a file, or a folder that holds files
            linkready did not create.
    """
    if str(out).strip() == "" or "\x00" in str(out):
        raise OutputError(f"{option} is empty or not a valid path; name a folder, e.g. "
                          f"{option} {RESULTS_DIRNAME}")
    folder = Path(os.path.abspath(out))
    try:
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: is a file, not a folder; choose another {option}")
        if folder.is_dir() and read_marker(folder) is None and not _is_empty(folder):
            raise OutputError(
                f"{folder}: holds files linkready did not create; choose a new or empty "
                f"folder for {option} (linkready never overwrites them)")
    except OSError as exc:
        raise _fail(folder, exc, "read the output folder") from None
    return folder


def claim(out: Path | str, *, option: str = "--out") -> Path:
    """Make ``out`` a folder linkready owns, or refuse it.

    ``out`` is created if missing; an existing folder must be linkready's (it holds
    :data:`MARKER`) or empty. Stale temporaries of earlier runs are removed.

    Raises:
        OutputError: ``out`` is empty text, a file, holds files linkready did not create,
            or cannot be created or written.
    """
    folder = check_claimable(out, option=option)
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True)
        if read_marker(folder) is None:
            _write_marker(folder, {"tool": "linkready", "sets": {}})
    except OSError as exc:
        raise _fail(folder, exc, "create or write the output folder") from None
    remove_stale_temporaries(folder)
    last_claimed[:] = [folder]
    return folder


def discard_if_unused(folder: Path) -> None:
    """Remove a folder linkready created if it holds nothing but its own marker and lock
    (after a run that failed before writing anything there)."""
    with contextlib.suppress(OSError):
        if {e.name for e in folder.iterdir()} <= _OWN_NAMES:
            shutil.rmtree(folder)


def previous_sets(out: Path | str) -> set[str]:
    """The commands whose outputs an owned folder holds (empty for any other folder)."""
    marker = read_marker(Path(out))
    if marker is None:
        return set()
    return {c for c, names in marker["sets"].items() if names}


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM (delivered on exit) so a few renames finish together."""
    can_block = (hasattr(signal, "pthread_sigmask")
                 and threading.current_thread() is threading.main_thread())
    if not can_block:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` while a set is published (POSIX; a no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # Windows: publishing is still one rename per file
        yield
        return
    try:
        handle = (folder / LOCK).open("a")
    except OSError as exc:
        raise _fail(folder, exc, "lock the output folder") from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(f"{folder}: another linkready command is writing here; wait "
                              "for it to finish or choose another --out") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class OutputSet:
    """The files one command writes, staged and then published together.

    >>> with OutputSet(out, "profile") as files:          # doctest: +SKIP
    ...     write_json(files.path("profile.json"), doc)

    ``command`` names the set in the folder's marker: publishing replaces the files of the
    previous set of the same command and removes those it no longer writes. ``keep``
    names files of that previous set to keep when the new set does not write them.
    """

    def __init__(self, out: Path | str, command: str, *, option: str = "--out",
                 keep: tuple[str, ...] = ()) -> None:
        self.command = command
        self.option = option
        self.keep = keep
        self.out = check_claimable(out, option=option)
        self._created = not self.out.exists()
        self._adopted = not self._created and read_marker(self.out) is None
        self.out = claim(out, option=option)
        self.stage = self.out / temp_name(command)
        self.written: list[Path] = []
        #: Files built elsewhere (the workspace, under a temporary name) to move into
        #: place with the set: (built, target, set name in the marker, check first).
        self.moves: list[tuple[Path, Path, str, Callable[[], None] | None]] = []
        try:
            self.stage.mkdir()
        except OSError as exc:
            raise _fail(self.out, exc, "write into the output folder") from None
        self._stage_real = self.stage.resolve()

    def path(self, name: str) -> Path:
        """Where to write ``name`` (a path inside the set; parents are created)."""
        target = self.stage / name
        if self._stage_real not in target.resolve().parents:
            raise OutputError(f"{name}: not a file name inside {self.out}; rename it")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def check_names(self, names: list[str]) -> None:
        """Refuse, before any work, to write over names in ``out`` linkready did not write."""
        marker = read_marker(self.out) or {"sets": {}}
        ours = owned_names(marker)
        for name in names:
            top = Path(name).parts[0]
            if (self.out / top).exists() and top not in ours:
                raise OutputError(
                    f"{self.out / top}: exists and was not written by linkready; move it or "
                    f"choose another {self.option}")

    def move_on_publish(self, built: Path, target: Path, *, listed_as: str,
                        check: Callable[[], None] | None = None) -> None:
        """Move ``built`` over ``target`` when the set is published (not before, so an
        interrupted or failed run leaves ``target`` as it was), after ``check()``;
        ``target`` is listed in the marker under ``listed_as``. Nothing is moved if
        ``built`` was never written."""
        self.moves.append((built, target, listed_as, check))

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None:
                self.publish()
        finally:
            with contextlib.suppress(OSError):
                if self.stage.exists():
                    shutil.rmtree(self.stage)
                for built, *_ in self.moves:  # not moved: failed or interrupted
                    holder = built.parent
                    if holder.parent == self.out and holder.name.startswith(TMP_PREFIX):
                        _remove(holder)
                    elif built.exists():
                        _remove(built)
                if not self.written:
                    self._unclaim()

    def _unclaim(self) -> None:
        """After a run that published nothing, undo the claim of a folder that was new or
        not yet linkready's, unless something was registered in it meanwhile."""
        marker = read_marker(self.out)
        if marker is None or owned_names(marker):
            return
        if self._created:
            discard_if_unused(self.out)
        elif self._adopted:
            for name in _OWN_NAMES:
                (self.out / name).unlink(missing_ok=True)

    def publish(self) -> list[Path]:
        """Move every staged file into ``out`` together; return the published paths."""
        staged = sorted(p.name for p in self.stage.iterdir())
        self.check_names(staged)
        trash = self.stage / temp_name("replaced")
        try:
            with folder_lock(self.out), signals_held():
                marker = read_marker(self.out) or {"tool": "linkready", "sets": {}}
                previous = [str(n) for n in marker["sets"].get(self.command, [])]
                trash.mkdir()
                gone = [n for n in previous if n not in staged and n not in self.keep
                        and not any(n in (s or []) for c, s in marker["sets"].items()
                                    if c != self.command)]
                for name in [*staged, *gone]:
                    target = self.out / name
                    if target.exists() or target.is_symlink():
                        os.replace(target, trash / name)
                moves = [m for m in self.moves if m[0].exists()]  # built, not just named
                for _, _, _, check in moves:
                    if check is not None:
                        check()
                for name in staged:
                    os.replace(self.stage / name, self.out / name)
                moved = []
                for built, target, listed_as, _ in moves:
                    os.replace(built, target)
                    moved.append(target)
                    if target.parent == self.out:
                        marker["sets"][listed_as] = sorted(
                            {*marker["sets"].get(listed_as, []), target.name})
                kept = [n for n in previous if n in self.keep and (self.out / n).exists()]
                marker["sets"][self.command] = sorted({*staged, *kept})
                _write_marker(self.out, marker)
        except OutputError:
            raise
        except OSError as exc:
            raise _fail(self.out, exc, "publish the outputs") from None
        with contextlib.suppress(OSError):
            _remove(trash)
        self.written = [self.out / n for n in staged] + moved
        return self.written


def register(folder: Path, command: str, names: list[str]) -> None:
    """Record in an owned folder's marker that ``command`` wrote ``names`` there (files
    written outside an :class:`OutputSet`, e.g. the workspace). No-op elsewhere."""
    marker = read_marker(folder)
    if marker is None:
        return
    listed = set(marker["sets"].get(command, []))
    if listed >= set(names):
        return
    marker["sets"][command] = sorted(listed | set(names))
    try:
        _write_marker(folder, marker)
    except OSError as exc:
        raise _fail(folder, exc, "be written") from None


def record_aggregates_only(folder: Path, aggregates_only: bool) -> None:
    """Record in an owned folder's marker whether its last run over the records kept
    them out (``--aggregates-only``), so a later command that must read the records
    (``whatif``, ``evaluate``) keeps no workspace there either. No-op elsewhere."""
    marker = read_marker(folder)
    if marker is None or bool(marker.get("aggregates_only")) == aggregates_only:
        return
    marker["aggregates_only"] = aggregates_only
    try:
        _write_marker(folder, marker)
    except OSError as exc:
        raise _fail(folder, exc, "be written") from None


def chose_aggregates_only(folder: Path) -> bool:
    """Whether the last run over the records in ``folder`` was ``--aggregates-only``."""
    marker = read_marker(folder)
    return bool(marker is not None and marker.get("aggregates_only"))


def forget(folder: Path, names: list[str]) -> None:
    """Remove ``names`` from every set in an owned folder's marker (after ``clean``
    deleted them); a set left empty is dropped. No-op elsewhere."""
    marker = read_marker(folder)
    if marker is None:
        return
    gone = set(names)
    sets = {c: [n for n in listed if n not in gone] for c, listed in marker["sets"].items()
            if isinstance(listed, list)}
    marker["sets"] = {c: listed for c, listed in sets.items() if listed}
    try:
        _write_marker(folder, marker)
    except OSError as exc:
        raise _fail(folder, exc, "be written") from None


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text through a temporary sibling and a rename."""
    tmp = path.with_name(temp_name(path.name))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise _fail(path, exc, "be written") from None
    return path


def write_json(path: Path, document: Any) -> Path:
    """Write a JSON document (UTF-8, indented, non-ASCII kept) atomically."""
    return write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_with(path: Path, writer: Callable[[Path], object]) -> Path:
    """Run ``writer(tmp)`` on a temporary sibling of ``path``, then rename it into place."""
    tmp = path.with_name(temp_name(path.name))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            _remove(tmp)
        raise _fail(path, exc, "be written") from None
    except BaseException:
        with contextlib.suppress(OSError):
            _remove(tmp)
        raise
    return path
