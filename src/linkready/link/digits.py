"""Digits of the published model and figures: the same inputs give byte-identical files.

Splink's EM sums in DuckDB, whose multi-threaded sums can differ in the last bits between
runs. The trained parameters are rounded to :data:`MODEL_DIGITS` significant digits as
soon as training ends, and prediction runs on exactly those (``link/pair.py``), so the
match probabilities, links and every figure drawn from them carry no such drift either.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MODEL_DIGITS", "tidy"]


def tidy(data: Any, digits: int = 12) -> Any:
    """JSON-ready copy with floats to ``digits`` significant digits and Splink's random
    ``linker_uid`` dropped, so the same inputs give byte-identical files (DuckDB's
    multi-threaded sums can differ in the last bit between runs)."""
    if isinstance(data, float):
        return float(f"{data:.{digits}g}")
    if isinstance(data, dict):
        return {k: tidy(v, digits) for k, v in data.items() if k != "linker_uid"}
    if isinstance(data, list):
        return [tidy(v, digits) for v in data]
    return data


#: Significant digits of the trained parameters in model.json and models/. Splink's EM
#: sums in DuckDB, whose multi-threaded sums can differ in the last bits between runs:
#: at 12 digits one m of FEBRL 4's model printed differently in 1 of 5 identical runs
#: (0.00684406591668 / ...667); 10 digits make such a straddled rounding ~100x rarer and
#: keep more precision than any figure derived from the model needs.
MODEL_DIGITS = 10
