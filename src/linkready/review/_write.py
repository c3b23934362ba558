"""The one place ``review`` writes files: through the shared output sets
(:mod:`linkready.outdir`), so review, like every command, writes only into folders
linkready owns, replaces only files it wrote, and publishes its files together.
"""

from __future__ import annotations

from pathlib import Path

from linkready.errors import OutputError
from linkready.outdir import OutputSet, check_claimable, owned_names, read_marker


def check_out(out: Path, names: set[str]) -> None:
    """Refuse, before any work, an ``out`` linkready may not write or where one of
    ``names`` exists and was not written by linkready."""
    folder = check_claimable(out)
    marker = read_marker(folder) if folder.is_dir() else None
    ours = owned_names(marker) if marker else set()
    foreign = sorted(n for n in names if (folder / n).exists() and n not in ours)
    if foreign:
        raise OutputError(f"{folder / foreign[0]}: exists and was not written by linkready; "
                          "move it or choose another --out")


def write_review_files(out: Path, files: dict[str, str | bytes], *,
                       command: str = "review") -> list[Path]:
    """Write every file of ``files`` (name → content) into ``out`` as one output set of
    ``command``. Returns the paths written."""
    with OutputSet(out, command) as staged:
        for name, content in files.items():
            path = staged.path(name)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
    return staged.written
