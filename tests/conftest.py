"""Shared fixtures: small generated worlds, built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import load_scenario

# pytest-xdist workers run with a bare ``__main__`` (no ``__spec__``, no ``__file__``).
# pyspark.sql.connect, imported by Great Expectations, takes that for a doctest run and
# calls sys.exit(0). Give the worker's ``__main__`` a file name so validation runs there.
_main = sys.modules.get("__main__")
if _main is not None and getattr(_main, "__spec__", None) is None \
        and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default scenario at 3,000 people, written as CSV (read-only for tests)."""
    out = tmp_path_factory.mktemp("worlds") / "default_3k"
    generate_to_dir(load_scenario("default", population=3000), out, fmt="csv")
    return out
