"""How the ``linkready`` process ends: the heap is frozen for the interpreter's shutdown
(no full garbage collections over Splink's and pandas's objects) only once the command
is done, in an exit handler, with the standard streams still flushed afterwards."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
sys.argv = ["linkready", *sys.argv[1:]]
from linkready.cli.app import main
try:
    main()
finally:
    print("frozen while running:", gc.get_freeze_count() > 0)
"""


def test_the_heap_is_frozen_at_exit_not_before_and_output_still_flushed() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, "--version"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-2:] == ["frozen while running: False", "frozen at exit: True"]
