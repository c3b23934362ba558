"""Child entry point for :func:`benchmarks._machine.run_isolated`: call one function and
print its JSON result on the last line."""

from __future__ import annotations

import importlib
import json
import sys

if __name__ == "__main__":
    module, func, *args = sys.argv[1:]
    result = getattr(importlib.import_module(module), func)(*args)
    print(json.dumps(result))
