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
from linkready.link.settings import diagnostic_rules
from linkready.link.training import quiet_splink
from linkready.link.workspace import source_select_sql

#: Left records sampled for the diagnostic blocking (all of them in smaller sources).
DIAGNOSTIC_SAMPLE = 2000
DIAG_TABLE = "__lr_diag"
#: Up to this many pairs, the sample is scored against every right record (no blocking
#: at all); above it, against the loose diagnostic rules.
ALL_PAIRS_MAX = 3_000_000


@dataclass(frozen=True)
class Diagnostic:
    """The sampled left records and the scored diagnostic pairs outside production."""

    sample_ids: Any  # numpy array of record ids
    pairs: Any  # pyarrow.Table: record_id_l, record_id_r, log2_bf, gamma_*
    rules: list[str]
    #: Diagnostic pairs scored (in and out of production), for cost reporting.
    scored: int


def sample_sql(source: str, size: int, seed: int) -> str:
    """A seeded sample of ``size`` records of ``source`` (the same for the same seed)."""
    return (f"SELECT * FROM ({source_select_sql(source)}) "
            f"ORDER BY md5(record_id || '-{int(seed)}'), record_id LIMIT {int(size)}")


def run(backend: Any, source: str, right_table: str, model: dict[str, Any],
        fields: set[str], production: Any, *, seed: int, min_match_weight: float,
        left_records: int, right_records: int,
        size: int = DIAGNOSTIC_SAMPLE) -> Diagnostic:
    """Score the sample's diagnostic pairs; keep those not in ``production`` (the
    production scored pairs, Arrow, with record_id_l and record_id_r)."""
    import duckdb
    import pyarrow as pa
    from splink import Linker

    rules = (["1 = 1"] if min(size, left_records) * right_records
             <= ALL_PAIRS_MAX else diagnostic_rules(fields))
    backend.stage(DIAG_TABLE, sample_sql(source, size, seed))
    try:
        ids = backend.to_arrow(f"SELECT record_id FROM {DIAG_TABLE} ORDER BY record_id")
        sample_ids = np.asarray(ids.column("record_id").to_numpy(zero_copy_only=False))
        settings = {**model, "blocking_rules_to_generate_predictions": [
            {"blocking_rule": r, "sql_dialect": backend.dialect} for r in rules]}
        db_api = backend.db_api()
        inputs = [db_api.register(DIAG_TABLE, dataset_display_name="left"),
                  db_api.register(right_table, dataset_display_name="right")]
        with quiet_splink():
            linker = Linker(inputs, settings)
        scored = predict.predict_pairs(linker, min_match_weight)
        db_api.delete_tables_created_by_splink_from_db()
    finally:
        backend.drop(DIAG_TABLE)
    con = duckdb.connect()
    con.register("d", scored)
    con.register("p", production.select(["record_id_l", "record_id_r"]))
    outside = con.sql("SELECT d.* FROM d ANTI JOIN p USING (record_id_l, record_id_r) "
                      "ORDER BY record_id_l, record_id_r").to_arrow_table()
    con.close()
    return Diagnostic(sample_ids, pa.table(outside), rules, scored.num_rows)
