"""is_member answers as pandas' isin does, for pandas, Arrow and plain inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from linkready.link.members import is_member


def test_is_member_matches_pandas_isin() -> None:
    ids = [f"r{i}" for i in range(50)]
    among = {f"r{i}" for i in range(0, 80, 3)}
    want = pd.Series(ids, dtype="str").isin(among).to_numpy()
    assert want.any() and not want.all()
    for values in (pd.Series(ids, dtype="str"), pd.Index(ids), pa.array(ids),
                   np.asarray(ids, dtype=object), ids):
        got = is_member(values, among)
        assert got.dtype == bool
        np.testing.assert_array_equal(got, want)
    # Any iterable of ids; an empty input gives an empty answer.
    np.testing.assert_array_equal(is_member(ids, sorted(among)), want)
    assert is_member([], among).shape == (0,)
