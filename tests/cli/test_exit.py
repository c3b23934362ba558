"""How the ``linkready`` process ends: the heap is frozen for the interpreter's shutdown
(no full garbage collections over Splink's and pandas's objects) only once the command
is done, in an exit handler, with the standard streams still flushed afterwards; while
it runs, the cyclic collector runs less often (the command only, not on import)."""

from __future__ import annotations

import subprocess
import sys

from linkready.cli.app import GC_THRESHOLDS

_PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
sys.argv = ["linkready", *sys.argv[1:]]
from linkready.cli.app import main
try:
    main()
finally:
    print("frozen while running:", gc.get_freeze_count() > 0)
    print("thresholds:", gc.get_threshold())
"""


def test_the_heap_is_frozen_at_exit_not_before_and_output_still_flushed() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-3:] == ["frozen while running: False", f"thresholds: {GC_THRESHOLDS}",
                          "frozen at exit: True"]


def test_importing_the_command_line_leaves_the_collector_alone() -> None:
    code = "import gc; t = gc.get_threshold(); import linkready.cli.app; " \
           "assert gc.get_threshold() == t, gc.get_threshold()"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
