"""Blocking recall without truth: score a seeded sample of left records against every
right record that a deliberately loose blocking brings together, with the trained model,
and keep the pairs the production rules never compared.

The model is the one trained for the pair (its JSON, with the diagnostic rules in place
of the production rules); nothing is retrained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linkready.link import predict
from linkready.link.settings import diagnostic_rules, on_pairs
from linkready.link.training import quiet_splink
from linkready.link.workspace import source_select_sql

#: Left records sampled for the diagnostic blocking (all of them in smaller sources).
DIAGNOSTIC_SAMPLE = 2000
DIAG_TABLE = "__lr_diag"
#: Up to this many pairs, the sample is scored against every right record (no blocking
#: at all); above it, against the loose diagnostic rules.
ALL_PAIRS_MAX = 500_000


@dataclass(frozen=True)
class Diagnostic:
    """The sampled left records and the scored diagnostic pairs outside production."""

    sample_ids: Any  # numpy array of record ids
    pairs: Any  # pyarrow.Table: record_id_l, record_id_r, log2_bf, gamma_*
    rules: list[str]
    #: Diagnostic pairs scored (in and out of production), for cost reporting.
    scored: int


def sample_sql(source: str, size: int, seed: int, postcode_text: bool = False) -> str:
    """A seeded sample of ``size`` records of ``source`` (the same for the same seed)."""
    return (f"SELECT * FROM ({source_select_sql(source, postcode_text)}) "
            f"ORDER BY md5(record_id || '-{int(seed)}'), record_id LIMIT {int(size)}")


def run(backend: Any, source: str, right_table: str, model: dict[str, Any],
        fields: set[str], rules: list[str], *, seed: int, min_match_weight: float,
        left_records: int, right_records: int, size: int = DIAGNOSTIC_SAMPLE,
        postcode_text: bool = False) -> Diagnostic:
    """Score the sample's diagnostic pairs, each flagged (``rule_<i>``) with whether
    blocking rule ``rules[i]`` brings it together."""
    from splink import Linker

    diag_rules = (["1 = 1"] if min(size, left_records) * right_records <= ALL_PAIRS_MAX
                  else diagnostic_rules(fields))
    backend.stage(DIAG_TABLE, sample_sql(source, size, seed, postcode_text))
    try:
        ids = backend.to_arrow(f"SELECT record_id FROM {DIAG_TABLE} ORDER BY record_id")
        sample_ids = np.asarray(ids.column("record_id").to_numpy(zero_copy_only=False))
        settings = {**model, "retain_matching_columns": True,
                    "blocking_rules_to_generate_predictions": [
                        {"blocking_rule": r, "sql_dialect": backend.dialect}
                        for r in diag_rules]}
        db_api = backend.db_api()
        inputs = [db_api.register(DIAG_TABLE, dataset_display_name="left"),
                  db_api.register(right_table, dataset_display_name="right")]
        with quiet_splink():
            linker = Linker(inputs, settings)
        scored = predict.predict_pairs(linker, min_match_weight, flags={
            flag(i): on_pairs(r) for i, r in enumerate(rules)})
        db_api.delete_tables_created_by_splink_from_db()
    finally:
        backend.drop(DIAG_TABLE)
    return Diagnostic(sample_ids, scored, diag_rules, scored.num_rows)


def flag(i: int) -> str:
    """The column flagging pairs that blocking rule ``i`` brings together."""
    return f"rule_{i}"


def flags(diag: Diagnostic, indices: list[int]) -> np.ndarray:
    """Pairs brought together by any of the rules ``indices`` (boolean per pair)."""
    out = np.zeros(diag.pairs.num_rows, dtype=bool)
    for i in indices:
        out |= np.asarray(diag.pairs.column(flag(i)).to_numpy(zero_copy_only=False),
                          dtype=bool)
    return out


def outside(diag: Diagnostic, indices: list[int]) -> Any:
    """The diagnostic pairs none of the rules ``indices`` brings together (Arrow)."""
    import pyarrow as pa

    return diag.pairs.filter(pa.array(~flags(diag, indices)))


def choose(diag: Diagnostic, q: np.ndarray, base: list[int], candidates: list[int],
           cumulative: dict[int, int], budget: float, min_gain: float) -> list[int]:
    """Candidate rules to add, in order: each must raise the sample's expected matches
    found (Σ over sampled left records of the best q among compared pairs) by at least
    ``min_gain`` records, with the comparisons up to it (``cumulative``, counted with
    every earlier candidate) within ``budget``."""
    import pandas as pd

    left = np.asarray(diag.pairs.column("record_id_l").to_numpy(zero_copy_only=False))
    codes, _ = pd.factorize(left)
    n = int(codes.max()) + 1 if len(codes) else 0
    best = np.zeros(n)
    covered = flags(diag, base)
    np.maximum.at(best, codes[covered], q[covered])
    chosen: list[int] = []
    for i in candidates:
        if cumulative.get(i, 0) > budget:
            break
        hit = flags(diag, [i])
        new = best.copy()
        np.maximum.at(new, codes[hit], q[hit])
        if float((new - best).sum()) >= min_gain:
            chosen.append(i)
            best = new
    return chosen
