"""u in two scans gives exactly the u Splink's own random sampling gives."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from link_world import staged_first_pair

from linkready.link import training
from linkready.link.settings import TrainingConfig
from linkready.link.u_sampling import estimate_u, guard_one_edit, rewrite_levels


def _model(linker: object) -> str:
    model = training.model_dict(linker)
    model.pop("linker_uid", None)
    return json.dumps(model, sort_keys=True)


@pytest.mark.parametrize(("max_pairs", "chunks"), [(5e4, 10), (2e4, 1)])
def test_same_u_as_splink(world_project: Path, max_pairs: float, chunks: int) -> None:
    with staged_first_pair(world_project) as sp:
        be, lt, rt, fields = sp.backend, sp.left_table, sp.right_table, sp.fields
        theirs, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            theirs.training.estimate_u_using_random_sampling(
                max_pairs=max_pairs, seed=7, num_chunks=chunks)
        ours, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            estimate_u(ours, max_pairs, 7, num_chunks=chunks)
        assert _model(ours) == _model(theirs)
        # and what training uses on DuckDB is this method
        used, _ = training.build_linker(be, lt, rt, fields)
        with training.quiet_splink():
            training.estimate_u(used, TrainingConfig(u_max_pairs=max_pairs, seed=7),
                                chunks)
        assert _model(used) == _model(theirs)


def test_rewritten_levels_give_the_same_values() -> None:
    """The one-edit guard, the shared similarity and the per-record extracts agree with
    the original SQL on every pair of a random set of strings."""
    rng = np.random.default_rng(3)
    digits = [str(x) for x in rng.integers(10**9, 10**10, 60)]
    at = rng.integers(0, 8, 20)
    near = [d[:i] + d[i + 1] + d[i] + d[i + 2:] for d, i in zip(digits[:20], at, strict=True)]
    subs = [d[:5] + "0" + d[6:] for d in digits[20:40]]
    values = digits + near + subs + ["12345678", "1234567", "ÀBCDEFGHIJ", "ABCDEFGHIJ", None]
    postcodes = ["NW1 2AB", "NW1 2AC", "NW12 9ZZ", "N1 1AA", "E1 4QQ", "bad", None]
    con = duckdb.connect()
    con.execute("CREATE TABLE l AS SELECT unnest($1) AS v, unnest($2) AS p",
                [values, (postcodes * 20)[:len(values)]])
    con.execute("CREATE TABLE r AS SELECT * FROM l")
    original = [
        "CASE WHEN v_l IS NULL OR v_r IS NULL THEN -1 WHEN v_l = v_r THEN 3 "
        "WHEN damerau_levenshtein(v_l, v_r) <= 1 THEN 2 "
        "WHEN jaro_winkler_similarity(v_l, v_r) >= 0.9 THEN 1 "
        "WHEN jaro_winkler_similarity(v_l, v_r) >= 0.7 THEN 0 ELSE -2 END AS g1",
        "CASE WHEN NULLIF(regexp_extract(\"p_l\", '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]', 0), "
        "'') = NULLIF(regexp_extract(\"p_r\", '^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? [0-9]', 0), '') "
        "THEN 1 ELSE 0 END AS g2",
    ]
    cols, per_pair, per_record = rewrite_levels(original)
    assert per_pair and per_record and "damerau_levenshtein(v_l, v_r) <= 1 END" in cols[0]
    rec = ", ".join(["*", *(f"{e} AS {n}" for e, n in per_record.items())])
    extra = "".join(f", {s}.{n} AS {n}_{s}" for n in per_record.values() for s in "lr")
    pairs = (f"SELECT l.v AS v_l, r.v AS v_r, l.p AS p_l, r.p AS p_r{extra} "
             f"FROM (SELECT {rec} FROM l) l, (SELECT {rec} FROM r) r")
    sims = ", ".join(["*", *(f"{e} AS {n}" for e, n in per_pair.items())])
    before = con.sql(f"SELECT {', '.join(original)} FROM ({pairs}) ORDER BY ALL").fetchall()
    after = con.sql(f"SELECT {', '.join(cols)} FROM (SELECT {sims} FROM ({pairs})) "
                    "ORDER BY ALL").fetchall()
    assert after == before
    inline = [guard_one_edit(c) for c in original]  # as the DuckDB backend runs any SQL
    assert inline[0] != original[0] and inline[1] == original[1]
    assert con.sql(f"SELECT {', '.join(inline)} FROM ({pairs}) ORDER BY ALL").fetchall() \
        == before
    assert len({g for g, _ in before}) == 6  # every level of the first comparison seen
