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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The test files that read a README block run after the others (tests/readme_run.py)."""
    from tests.readme_run import readers_last

    readers_last(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the README blocks the collected tests read, in the background (in a worker,
    or in a run without xdist; not in xdist's controller, which collects nothing, nor
    for --collect-only)."""
    config = session.config
    if config.option.collectonly or (getattr(config.option, "numprocesses", None)
                                     and not hasattr(config, "workerinput")):
        return
    from tests.readme_run import start_needed

    start_needed(session.items, config._tmp_path_factory)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Wait for the README blocks this process started (stop them if interrupted)."""
    from tests.readme_run import finish

    finish(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED)
