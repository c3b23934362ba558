"""Set membership of record ids, without pandas' ``isin`` on string columns.

pandas 3's ``isin`` on a ``str`` column (Arrow-backed) takes about 25 µs per value
(0.3 s for 12,000 record ids against 12,000), where a Python set lookup per value takes
well under 1 µs: the same booleans.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def is_member(values: Any, among: Iterable[Any]) -> np.ndarray:
    """Whether each of ``values`` (a pandas Series or Index, an Arrow array or anything
    array-like) is one of ``among``, as a boolean array in the order of ``values``: as
    ``pandas.Series.isin`` answers for hashable values such as record ids."""
    keep = among if isinstance(among, (set, frozenset)) else set(among)
    if hasattr(values, "to_pylist"):  # pyarrow
        items: Any = values.to_pylist()
    elif hasattr(values, "to_numpy"):  # pandas
        items = values.to_numpy(dtype=object)
    else:
        items = np.asarray(values, dtype=object)
    return np.fromiter((v in keep for v in items), dtype=bool, count=len(items))
