"""What the reuse keys are made of (``validate`` → ``validation.json``, ``link`` →
``linkage.json``, ``evaluate`` → ``evaluation.json``): each records a SHA-256 of its
inputs as ``inputs_sha256``, built from these pieces."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

#: The field of a document holding the SHA-256 of the inputs it was computed from.
KEY_FIELD = "inputs_sha256"


def package_version(package: str) -> str:
    """The installed version of ``package`` ("?" where it is not installed)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


@cache
def code_digest() -> str:
    """SHA-256 over linkready's own source files: a changed line of linkready (an editable
    install between two runs) counts as another version even when ``__version__`` is
    the same."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def parts_key(parts: dict[str, Any]) -> str:
    """SHA-256 of ``parts`` as canonical JSON (keys sorted; other types as ``str``)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
