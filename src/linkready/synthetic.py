"""What counts as synthetic data: the one definition every publication rule uses.

A project is **synthetic** when the ``manifest.json`` that ``generate`` writes is beside its
project file and the SHA-256 recorded there for every file the project reads (each
extract, and ``truth:`` and ``population:`` when declared) matches the file on disk. Then
no real person is in the data, and metrics computed against its truth are published
exactly. Anything else — a hand-written project, a generated project whose extracts were
replaced or edited, a real gold-standard ``truth:`` — is real data and keeps disclosure
control (see ``docs/schemas/evaluation.md``).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from linkready.project import Project

MANIFEST_NAME = "manifest.json"
#: The manifest key holding ``{file name: SHA-256 hex}`` of every file ``generate`` wrote.
HASHES_KEY = "sha256"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    stat = path.stat()
    return _sha256(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=256)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    # Cached on (path, size, mtime): assess asks more than once about the same extracts.
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(directory: Path, names: list[str]) -> dict[str, str]:
    """``{name: SHA-256}`` of files in ``directory`` (for the manifest ``generate`` writes)."""
    return {name: sha256_file(directory / name) for name in sorted(names)}


def project_files(project: Project) -> list[Path]:
    """Every file the project reads: its extracts, and its truth and population files."""
    files = [project.source_path(name) for name in project.sources]
    truth = project.truth_path()
    if truth is not None:
        files.append(truth)
    if project.population:
        files.append((project.root / project.population).resolve())
    return files


def read_manifest(project: Project) -> dict[str, Any] | None:
    """The generator's manifest beside the project file, or None (absent or unreadable)."""
    path = project.root / MANIFEST_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def is_synthetic(project: Project) -> bool:
    """True when ``generate``'s manifest is beside the project and its recorded hashes
    match every file the project reads; False otherwise (real data: disclosure control)."""
    manifest = read_manifest(project)
    if manifest is None or manifest.get("tool") != "linkready":
        return False
    hashes = manifest.get(HASHES_KEY)
    if not isinstance(hashes, dict):
        return False  # a manifest from before hashes were recorded proves nothing
    recorded = {(project.root / str(name)).resolve(): digest
                for name, digest in hashes.items()}
    for path in project_files(project):
        if path not in recorded or not path.is_file():
            return False
        if sha256_file(path) != recorded[path]:
            return False
    return True
