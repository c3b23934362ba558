"""Records no pair linked ("orphans"), linked across the sources that were never paired
directly — so a person absent from the spine but present in two other sources is
still one person in the clusters.

With the default design (every source against the GP register), an out-of-area patient
seen by acute and community services has no GP record to join them. Their orphan
records are scored with the trained model of the pair that compares the most fields
(m and u carry over; the prior is refined on the orphan pairs themselves) and linked at
the same threshold. The links feed clustering only; they are not a pair's match rate.
"""

from __future__ import annotations

import copy
from itertools import combinations
from typing import Any

import numpy as np

from linkready.link import estimates
from linkready.link.backends import Backend, DuckDBBackend
from linkready.link.estimates import log2_odds
from linkready.link.settings import MODEL_FIELDS, TrainingConfig
from linkready.link.training import new_linker, quiet_splink
from linkready.publish import Count
from linkready.sql import lit

STAGE = "clustering"


def orphan_sources(in_scope: list[str], direct: set[frozenset[str]]) -> list[str]:
    """Sources with at least one in-scope partner they were not linked to directly."""
    return [s for s in in_scope
            if any(frozenset((s, t)) not in direct for t in in_scope if t != s)]


def orphans_select_sql(source: str) -> str:
    """A source's records that no pair linked (``__lr_linked`` holds the linked ids)."""
    cols = ", ".join(("record_id", *MODEL_FIELDS))
    return (f"SELECT {cols} FROM ws.records "
            f"WHERE source = {lit(source)} AND record_id NOT IN "
            f"(SELECT record_id FROM __lr_linked WHERE source = {lit(source)}) "
            "ORDER BY record_id")


def stage_orphans_sql(table: str, source: str) -> str:
    """The orphans of ``source`` as an in-memory DuckDB table."""
    return f"CREATE OR REPLACE TABLE {table} AS {orphans_select_sql(source)}"


def _linked_ids(links: Any) -> Any:
    import pyarrow as pa

    kept = links.filter(links.column("linked"))
    return pa.table({
        "source": pa.concat_arrays([kept.column("source_l").combine_chunks(),
                                    kept.column("source_r").combine_chunks()]),
        "record_id": pa.concat_arrays([kept.column("record_id_l").combine_chunks(),
                                       kept.column("record_id_r").combine_chunks()]),
    })


def link_orphans(con: Any, pair_results: list[Any], links: Any, in_scope: list[str],
                 threshold: float, cfg: TrainingConfig, *,
                 backend: Backend | None = None) -> tuple[Any, dict[str, Any]]:
    """Links between orphan records of sources never paired directly, and a summary.
    Records come from the workspace connection ``con``; Splink runs on ``backend``
    (default: DuckDB on ``con``).

    Returns ``(None, {})`` when there is nothing to do (fewer than two such sources)."""
    import pyarrow as pa

    direct = {frozenset((r.left, r.right)) for r in pair_results}
    sources = orphan_sources(in_scope, direct)
    if len(sources) < 2 or not pair_results:
        return None, {}
    be: Backend = backend or DuckDBBackend(con, spill=False)
    con.register("__lr_linked", _linked_ids(links))
    db_api = be.db_api()
    inputs, sizes, staged = [], {}, []
    for i, s in enumerate(sources):
        table = be.stage(f"__lr_orphans_{i}", orphans_select_sql(s))
        staged.append(table)
        sizes[s] = int(be.to_arrow(f"SELECT count(*) AS n FROM {table}").column(0)[0].as_py())
        if sizes[s]:
            inputs.append(db_api.register(table, dataset_display_name=s))
    con.unregister("__lr_linked")
    todo = [(a, b) for a, b in combinations(sorted(s for s in sources if sizes[s]), 2)
            if frozenset((a, b)) not in direct]
    if len(inputs) < 2 or not todo:
        be.drop(*staged)
        return None, {}
    donor = max(pair_results, key=lambda r: len(r.summary["fields_compared"]))
    model = copy.deepcopy(donor.model)
    # A trained pair's model over tables staged with every model field: Splink's
    # settings validation (which only logs columns the inputs lack) would find nothing.
    linker = new_linker(inputs, model, validate_settings=False)
    with quiet_splink():
        pred = linker.inference.predict(threshold_match_weight=cfg.min_match_weight,
                                        warning_mode="never")
        table = pred.query_sql(
            "SELECT source_dataset_l AS source_l, record_id_l, source_dataset_r AS source_r, "
            "record_id_r, match_weight FROM {this} ORDER BY 1, 2, 3, 4").as_pyarrow_table()
        db_api.delete_tables_created_by_splink_from_db()
    be.drop(*staged)
    rows = table.to_pandas()
    wanted = {frozenset(p) for p in todo}
    keep_pair = np.fromiter((frozenset((a, b)) in wanted for a, b in
                             zip(rows["source_l"], rows["source_r"], strict=True)),
                            dtype=bool, count=len(rows))
    rows = rows[keep_pair]
    log2_bf = rows["match_weight"].to_numpy(dtype=float) - log2_odds(
        float(model["probability_two_random_records_match"]))
    total = sum(sizes[a] * sizes[b] for a, b in todo)
    prior = estimates.refine_prior(log2_bf, total, float(
        model["probability_two_random_records_match"]))
    p = estimates.probabilities(log2_bf, prior)
    keep = rows[p >= threshold].assign(match_probability=p[p >= threshold])
    out = pa.table({
        "source_l": pa.array(keep["source_l"].tolist(), pa.string()),
        "record_id_l": pa.array(keep["record_id_l"].tolist(), pa.string()),
        "source_r": pa.array(keep["source_r"].tolist(), pa.string()),
        "record_id_r": pa.array(keep["record_id_r"].tolist(), pa.string()),
        "match_probability": pa.array(keep["match_probability"].tolist(), pa.float64()),
        "deterministic_rule": pa.nulls(len(keep), pa.string()),
        "stage": pa.array([STAGE] * len(keep), pa.string()),
        "linked": pa.array([True] * len(keep), pa.bool_()),
    })
    summary = {
        "sources": sorted(s for s in sources if sizes[s]),
        "records": Count(sum(sizes.values())),
        "linked_pairs": Count(len(keep)),
        "model_from": f"{donor.left}:{donor.right}",
        "prior": prior,
    }
    return out, summary
