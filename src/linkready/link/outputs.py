"""What ``link`` writes and how many progress steps it reports, without importing the
linkage itself (Splink, pandas): a plan is sized and its output names checked before
any of that is loaded, so the workspace can be ingested while it loads."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linkready.project import Project

#: The top-level names :func:`linkready.link.run.write_outputs` writes.
OUTPUT_NAMES = ("links.parquet", "clusters.parquet", "models", "model.json", "linkage.json")

#: The record-level link outputs (one row per link or per record).
RECORD_LEVEL_NAMES = ("links.parquet", "clusters.parquet")

#: The linkage's exact figures per pair (never published; see :mod:`linkready.reuse`).
EXACT_FILE = "linkage-exact.json"


def step_count(project: Project, pairs: list[tuple[str, str]] | None = None) -> int:
    """Progress steps ``link_project`` reports: one per pair plus workspace and clusters."""
    return len(dict.fromkeys(pairs or project.link_pairs)) + 2
