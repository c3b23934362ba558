"""``clean``: remove the record-level files linkready wrote for a project.

Record-level files hold one row per record or per pair of records (names, dates of birth,
NHS numbers or record ids): the DuckDB workspace, ``links.parquet``,
``clusters.parquet`` and the clerical-review files. ``linkage-exact.json`` (the
linkage's figures before disclosure control, kept for ``whatif``:
:mod:`linkready.reuse`) goes with them. The JSON documents, ``model.json``, ``models/``
and ``report.html`` hold aggregates only and are kept.

Only files the folder's marker (:mod:`linkready.outdir`) lists as written by linkready
are removed: a file of the same name that the user put there is left alone.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from linkready.errors import OutputError
from linkready.outdir import (
    folder_lock,
    forget,
    owned_names,
    read_marker,
    remove_stale_temporaries,
)

#: Record-level files linkready writes into a results folder.
RECORD_LEVEL = ("linkready.duckdb", "links.parquet", "clusters.parquet",
                "linkage-exact.json")
#: Record-level files ``review sample`` writes (into ``review/`` by default).
REVIEW_RECORD_LEVEL = ("review.html", "review.csv", "review.json")
#: The folder ``review sample`` writes into, inside the results folder.
REVIEW_DIR = "review"
#: Files DuckDB keeps beside a workspace while it is open or after a crash.
_WORKSPACE_SIDECARS = (".wal",)


@dataclass
class Cleaned:
    """What ``clean`` removed (or, on a dry run, would remove) and what it left alone."""

    folder: Path
    removed: list[Path] = field(default_factory=list)
    bytes: int = 0
    not_ours: list[Path] = field(default_factory=list)
    dry_run: bool = False


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.lstat().st_size


def _plan(folder: Path, names: tuple[str, ...], done: Cleaned) -> list[str]:
    """The names of ``names`` in ``folder`` linkready wrote (recorded in done.not_ours
    otherwise); [] when the folder is not linkready's."""
    if not folder.is_dir():
        return []
    marker = read_marker(folder)
    ours = owned_names(marker) if marker is not None else set()
    chosen: list[str] = []
    for name in names:
        path = folder / name
        if not (path.exists() or path.is_symlink()):
            continue
        if name in ours:
            chosen.append(name)
            if name == RECORD_LEVEL[0]:
                chosen += [name + s for s in _WORKSPACE_SIDECARS
                           if (folder / (name + s)).is_file()]
        else:
            done.not_ours.append(path)
    return chosen


def _remove(folder: Path, names: list[str], done: Cleaned) -> None:
    for name in names:
        path = folder / name
        done.bytes += _size(path)
        done.removed.append(path)
        if done.dry_run:
            continue
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError as exc:
            raise OutputError(f"{path}: cannot be removed ({exc.strerror or 'error'}); "
                              "close any program using it and run clean again") from None
    if not done.dry_run:
        forget(folder, names)


def clean(folder: Path, *, dry_run: bool = False) -> Cleaned:
    """Remove linkready's record-level files from the results ``folder`` and its
    ``review/`` folder; with ``dry_run``, only list them."""
    done = Cleaned(folder, dry_run=dry_run)
    for where, names in ((folder, RECORD_LEVEL),
                         (folder / REVIEW_DIR, REVIEW_RECORD_LEVEL)):
        chosen = _plan(where, names, done)
        if not chosen:
            continue
        if dry_run:
            _remove(where, chosen, done)
            continue
        with folder_lock(where):
            _remove(where, chosen, done)
            for tmp in remove_stale_temporaries(where):  # staged copies of a crashed run
                done.removed.append(tmp)
    review = folder / REVIEW_DIR
    if not dry_run and review.is_dir():
        with contextlib.suppress(OSError):
            marker = read_marker(review)
            if marker is not None and not owned_names(marker):
                left = {e.name for e in review.iterdir()}
                if left <= {".linkready-output.json", ".linkready.lock"}:
                    shutil.rmtree(review)
    return done
