"""The one place ``review`` writes files: each through a temporary sibling and a rename,
and only into a directory it owns or over files it wrote itself.

A directory is ``review``'s when it is new, empty, or holds only files listed in its
marker file (:data:`MARKER`), written here. Anything else is refused (exit 2), so
``--out`` can never overwrite a user's files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from linkready.errors import OutputError

MARKER = ".linkready-review.json"


def _owned(out: Path) -> set[str]:
    try:
        return set(json.loads((out / MARKER).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def check_out(out: Path, names: set[str], *, shared: bool = False) -> None:
    """Raise OutputError unless ``out`` is new, empty or holds only files ``review``
    wrote. ``shared``: ``out`` is another command's directory (the link outputs); then
    only ``names``, the files about to be written, must be absent or ``review``'s."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: is a file, not a directory; choose another --out")
    if not out.is_dir():
        return
    owned = _owned(out) | {MARKER}
    present = [out / n for n in names] if shared else list(out.iterdir())
    foreign = sorted(p.name for p in present if p.exists() and p.name not in owned
                     and not p.name.startswith(".lr-tmp-"))
    if foreign:
        raise OutputError(f"{out}: holds files review did not write ({', '.join(foreign[:3])}"
                          f"{' …' if len(foreign) > 3 else ''}); choose a new or empty --out")


def write_review_files(out: Path, files: dict[str, str | bytes], *,
                       shared: bool = False) -> list[Path]:
    """Write every file of ``files`` (name → content) into ``out`` atomically, after
    :func:`check_out`, and record them in the marker. Returns the paths written."""
    check_out(out, set(files), shared=shared)
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.glob(".lr-tmp-*"):  # left by an interrupted run
            stale.unlink(missing_ok=True)
        marker = {"files": sorted(_owned(out) | set(files))}
        for name, content in {**files, MARKER: json.dumps(marker, indent=2)}.items():
            path = out / name
            tmp = out / f".lr-tmp-{os.getpid()}-{name}"
            if isinstance(content, bytes):
                tmp.write_bytes(content)
            else:
                tmp.write_text(content, encoding="utf-8", newline="")
            os.replace(tmp, path)
            written.append(path)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the review files ({exc.strerror}); check "
                          "--out and its permissions") from None
    return written[:-1]
