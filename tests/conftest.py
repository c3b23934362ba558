"""Shared fixtures: small generated worlds, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import load_scenario


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario at 3,000 people, written as CSV (read-only for tests)."""
    out = tmp_path_factory.mktemp("worlds") / "default_3k"
    generate_to_dir(load_scenario("default", population=3000), out, fmt="csv")
    return out
