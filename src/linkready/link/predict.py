"""Score the blocked pairs of one pair of sources, and count what blocking generates."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from linkready.link.estimates import log2_odds
from linkready.link.training import model_prior, quiet_splink

#: Above this many records the comparison counts are estimated from a sample.
EXACT_COUNT_MAX_RECORDS = 1_000_000
COUNT_SAMPLE_PROPORTION = 0.1


def comparison_counts(inputs: list[Any], rules: list[str], records: int) -> dict[str, Any]:
    """Pairs each blocking rule adds, cumulative, and whether the counts are estimates.

    Exact for inputs up to :data:`EXACT_COUNT_MAX_RECORDS` records, estimated from a
    deterministic sample of each side above that.
    """
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    proportion = 1.0 if records <= EXACT_COUNT_MAX_RECORDS else COUNT_SAMPLE_PROPORTION
    with quiet_splink(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recs = count_comparisons_from_blocking_rules(
            inputs, blocking_rules=rules, link_type="link_only",
            unique_id_column_name="record_id", record_sample_proportion=proportion)
    # Splink warns when a sampled estimate rests on few pairs; keep that, in one line.
    unstable = [str(w.message).split("'")[1] for w in caught
                if "sampled pairwise comparisons" in str(w.message) and "'" in str(w.message)]
    rows = [{"rule": rule, "marginal": int(r["marginal_comparison_count"]),
             "cumulative": int(r["cumulative_comparison_count"])}
            for rule, r in zip(rules, recs, strict=True)]
    total_possible = int(recs[-1]["total_possible_comparison_count"]) if recs else 0
    return {"rules": rows, "total_possible": total_possible,
            "is_estimate": bool(recs and recs[-1]["is_estimate"]),
            "record_sample_proportion": proportion,
            "unstable_estimates": unstable}


def predict_pairs(linker: Any, min_match_weight: float,
                  chunks: dict[str, int] | None = None) -> Any:
    """Scored pairs as an Arrow table: record_id_l, record_id_r, log2_bf.

    ``log2_bf`` is the match weight without the prior, so probabilities can be
    recomputed under a refined prior. ``chunks`` (``num_chunks_left``,
    ``num_chunks_right``) splits Splink's prediction to bound its memory; the pairs
    scored are the same."""
    import pyarrow as pa

    prior_w = log2_odds(model_prior(linker))
    with quiet_splink():
        pred = linker.inference.predict(threshold_match_weight=min_match_weight,
                                        warning_mode="never", **(chunks or {}))
        # Splink orders each pair by its composite id, so `left` ("left" < "right")
        # lands in _l; the CASE keeps the orientation right if that ever changes.
        table = pred.query_sql(
            "SELECT CASE WHEN source_dataset_l = 'left' THEN record_id_l ELSE record_id_r "
            "END AS record_id_l, CASE WHEN source_dataset_l = 'left' THEN record_id_r "
            "ELSE record_id_l END AS record_id_r, match_weight FROM {this} "
            "ORDER BY 1, 2").as_pyarrow_table()
        pred.drop_table_from_database_and_remove_from_cache()
    weights = table.column("match_weight").to_numpy(zero_copy_only=False)
    log2_bf = np.asarray(weights, dtype=float) - prior_w
    return pa.table({"record_id_l": table.column("record_id_l"),
                     "record_id_r": table.column("record_id_r"),
                     "log2_bf": pa.array(log2_bf)})
