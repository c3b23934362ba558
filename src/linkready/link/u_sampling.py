"""u by random sampling in two scans, with exactly the estimates Splink's own makes.

Splink 5's ``estimate_u_using_random_sampling`` samples records (seeded), then for *each*
comparison runs a probe chunk (1/100 of the sampled pairs) and, unless every level was
seen at least ``min_count_per_level`` times, up to ``num_chunks`` further chunks, each a
fresh cartesian join of the sample: about 70 queries for a model of seven comparisons.

Here the same sampled pairs are joined once for the probe and once for the rest, every
comparison's level counted in the same pass, per hash bucket of the right record (the
bucket Splink's chunking uses); Splink's stopping rule is then replayed on the counts.
The u values are the same numbers Splink would have set (same sample, same chunks, same
stopping point, same division), so the model and every output are unchanged.

This uses Splink internals (the sampling, chunking and comparison SQL generators); it is
used for DuckDB only, other engines keep Splink's own method.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

#: Probe chunks per normal chunk, as in Splink 5 (the probe is chunk 1 of ``10 × n``).
PROBE_MULTIPLIER = 10


#: Similarity functions computed once per pair: a comparison's levels test the same
#: similarity against several thresholds, and nearly every sampled pair is a non-match
#: that reaches every level.
SIMILARITY_CALL = re.compile(
    r"\b(?:jaro_winkler_similarity|jaro_similarity|jaro_winkler|jaccard)\([^()]*\)",
    re.IGNORECASE)
#: A regular-expression extract of one side's column (Splink's postcode levels): it
#: depends on one record, so it is computed per sampled record rather than per pair.
ONE_SIDE_EXTRACT = re.compile(
    r"""\bregexp_extract\(\s*"?([A-Za-z_][A-Za-z0-9_]*)_([lr])"?\s*,\s*"""
    r"""('(?:[^']|'')*')\s*,\s*(\d+)\s*\)""", re.IGNORECASE)
#: ``damerau_levenshtein(a, b) <= 1`` (the NHS number's one-edit level).
ONE_EDIT = re.compile(
    r"\bdamerau_levenshtein\(\s*([A-Za-z0-9_\"]+)\s*,\s*([A-Za-z0-9_\"]+)\s*\)\s*<=\s*1\b",
    re.IGNORECASE)


def _inline_guard(match: re.Match[str]) -> str:
    a, b = match.group(1), match.group(2)
    half = f"(length({a}) // 2)"
    return (f"(CASE WHEN length({a}) = length({b}) AND length({a}) >= 3 "
            f"AND strlen({a}) = length({a}) AND strlen({b}) = length({b}) "
            f"AND substr({a}, 1, {half}) <> substr({b}, 1, {half}) "
            f"AND substr({a}, {half} + 2) <> substr({b}, {half} + 2) "
            f"THEN false ELSE {match.group(0)} END)")


def guard_one_edit(sql: str) -> str:
    """``sql`` with every ``damerau_levenshtein(a, b) <= 1`` guarded as in
    :func:`rewrite_levels`, computed inline (for any SQL Splink runs on DuckDB)."""
    return ONE_EDIT.sub(_inline_guard, sql) if "damerau_levenshtein" in sql.lower() else sql


def rewrite_levels(columns: list[str]) -> tuple[list[str], dict[str, str],
                                                dict[str, str]]:
    """``columns`` (comparison-vector SQL) rewritten to cost less per pair, with the
    same value for every pair:

    - ``damerau_levenshtein(x_l, x_r) <= 1`` skips the (slow) edit distance where it
      cannot be ≤ 1: strings of one length n ≥ 3 that differ both within their first
      n // 2 characters and after character n // 2 + 1 differ in two positions at least
      two apart, which neither one substitution nor one adjacent transposition (the only
      single edits that keep the length) can do. Only for ASCII text (one byte a
      character), so that characters and the edit distance's units agree;
    - similarity calls are read from a column computed once per pair;
    - one-side values (regular-expression extracts, the lengths and halves above) are
      read from columns computed once per record.

    Returns the columns, ``{per-pair SQL: column}`` and ``{per-record SQL over the
    record's own columns: column}`` (``<column>_l`` / ``<column>_r`` in the pairs)."""
    per_pair: dict[str, str] = {}
    per_record: dict[str, str] = {}

    def on_record(sql: str) -> str:
        return per_record.setdefault(sql, f"__lr_rec_{len(per_record)}")

    def pair(match: re.Match[str]) -> str:
        return per_pair.setdefault(match.group(0), f"__lr_sim_{len(per_pair)}")

    def record(match: re.Match[str]) -> str:
        col, side, pattern, group = match.groups()
        sql = f'regexp_extract("{col}", {pattern}, {group})'
        return f"{on_record(sql)}_{side}"

    def one_edit(match: re.Match[str]) -> str:
        a, b = (m.strip('"') for m in match.groups())
        if not (a.endswith("_l") and b.endswith("_r") and a[:-2] == b[:-2]):
            return match.group(0)
        col = f'"{a[:-2]}"'
        n = on_record(f"length({col})")
        ascii_ = on_record(f"strlen({col}) = length({col})")
        head = on_record(f"substr({col}, 1, length({col}) // 2)")
        tail = on_record(f"substr({col}, length({col}) // 2 + 2)")
        return (f"(CASE WHEN {n}_l = {n}_r AND {n}_l >= 3 AND {ascii_}_l AND {ascii_}_r "
                f"AND {head}_l <> {head}_r AND {tail}_l <> {tail}_r THEN false "
                f"ELSE {match.group(0)} END)")

    out = []
    for c in columns:
        c = ONE_EDIT.sub(one_edit, c)
        c = SIMILARITY_CALL.sub(pair, c)
        out.append(ONE_SIDE_EXTRACT.sub(record, c))
    return out, per_pair, per_record


def estimate_u(linker: Any, max_pairs: float, seed: int | None,
               min_count_per_level: int | None = 100, num_chunks: int = 10) -> None:
    """Set u on ``linker`` (a two-table link-only Splink linker) as
    ``linker.training.estimate_u_using_random_sampling`` would with these arguments."""
    from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT
    from splink.internals.estimate_u import (
        _MUCountsAccumulator,
        _proportion_sample_size_link_only,
    )
    from splink.internals.m_u_records_to_parameters import (
        append_u_probability_to_comparison_level_trained_probabilities,
        m_u_records_to_lookup_dict,
    )
    from splink.internals.misc import dedupe_preserving_order
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.settings import Settings
    from splink.internals.unique_id_concat import _composite_unique_id_from_nodes_sql
    from splink.internals.vertically_concatenate import (
        enqueue_df_concat,
        split_df_concat_with_tf_into_two_tables_sqls,
    )

    settings = linker._settings_obj
    if settings._link_type != "link_only" or len(linker._input_tables_dict) != 2:
        raise ValueError("estimate_u handles a two-table link_only model only")
    if num_chunks < 1:
        raise ValueError("num_chunks must be >= 1")
    db_api = linker._db_api
    info = settings.column_info_settings
    source_col = info.source_dataset_input_column

    pipeline = enqueue_df_concat(linker, CTEPipeline())
    pipeline.enqueue_sql(f"select count({source_col.name}) as count from __splink__df_concat "
                         f"group by {source_col.name}", "__splink__df_concat_count")
    counts_df = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    frame_counts = [r["count"] for r in counts_df.as_record_list()]
    counts_df.drop_table_from_database_and_remove_from_cache()
    proportion, _ = _proportion_sample_size_link_only(frame_counts, max_pairs)
    proportion = min(proportion, 1.0)

    uid_cols = info.unique_id_input_columns
    pipeline = enqueue_df_concat(linker, CTEPipeline())
    pipeline.enqueue_sql(
        "select * from __splink__df_concat where 1=1 "
        + linker._proportion_sample_sql(proportion, uid_cols, seed=seed),
        "__splink__df_concat_sample")
    df_sample = db_api.sql_pipeline_to_splink_dataframe(pipeline)

    # Comparisons without term-frequency adjustment, as Splink's u sampling uses them.
    comparisons = [deepcopy(c) for c in settings.comparisons]
    for comp in comparisons:
        for level in comp.comparison_levels:
            level._tf_adjustment_column = None

    use_probe = num_chunks > 1
    buckets = num_chunks * PROBE_MULTIPLIER if use_probe else 1
    # Splink's pair condition and chunk bucket, with the composite id and its hash
    # computed once per sampled record rather than once per pair (same values).
    uid = _composite_unique_id_from_nodes_sql(uid_cols)
    bucket = f"(ABS({db_api.sql_dialect.hash_function_expression(uid)}) % {buckets})"
    where = (f"where l.__lr_uid < r.__lr_uid "
             f"and l.{source_col.name} != r.{source_col.name}")

    def bucket_counts(names: list[str], probe_only: bool) -> dict[int, list[dict[str, Any]]]:
        """Per right-record bucket, the level counts of the comparisons called ``names``:
        ``{bucket: records}`` with Splink's ``output_column_name``,
        ``comparison_vector_value`` and ``u_count``."""
        chosen = [c for c in comparisons if c.output_column_name in names]
        cv_cols, per_pair, per_record = rewrite_levels(
            Settings.columns_to_select_for_comparison_vector_values(
                unique_id_input_columns=uid_cols, comparisons=chosen,
                retain_matching_columns=False, additional_columns_to_retain=[]))
        blocking_cols = [c for u in uid_cols for c in u.l_r_names_as_l_r]
        for comp in chosen:
            blocking_cols += comp._columns_to_select_for_blocking()
        blocking_cols += [f"{s}.{n} as {n}_{s}" for n in per_record.values() for s in "lr"]
        pipe = CTEPipeline(input_dataframes=[df_sample])
        pipe.enqueue_list_of_sqls(split_df_concat_with_tf_into_two_tables_sqls(
            "__splink__df_concat", info.source_dataset_column_name, sample_switch=True))
        for side in ("left", "right"):
            own = {**per_record, uid: "__lr_uid"}
            if side == "right":
                own[bucket] = "__lr_bucket"
            pipe.enqueue_sql(
                "select " + ", ".join(["*", *(f"{e} as {n}" for e, n in own.items())])
                + f" from __splink__df_concat_sample_{side}"
                + (f" where {bucket} = 0" if probe_only and side == "right" else ""),
                f"__lr_u_sample_{side}")
        cols = ",\n".join(dedupe_preserving_order(
            [*blocking_cols, "'0' as match_key", "r.__lr_bucket as __lr_bucket"]))
        pipe.enqueue_sql(
            f"select {cols} from __lr_u_sample_left as l "
            f"inner join __lr_u_sample_right as r on (1=1) {where}",
            "__splink__blocked_id_pairs")
        pipe.enqueue_sql(
            "select " + ", ".join(["*", *(f"{e} as {n}" for e, n in per_pair.items())])
            + " from __splink__blocked_id_pairs", "__lr_u_pairs")
        pipe.enqueue_sql(f"select {', '.join([*cv_cols, '__lr_bucket'])} from __lr_u_pairs",
                         "__splink__df_comparison_vectors")
        # One scan of the pairs for every comparison (a union of per-comparison
        # GROUP BYs would materialise the pairs to read them once per comparison).
        gammas = [c._gamma_column_name for c in chosen]
        sets = ", ".join(f"(__lr_bucket, {g})" for g in gammas)
        pipe.enqueue_sql(
            f"select __lr_bucket, {', '.join(gammas)}, cast(count(*) as double) as u_count "
            f"from __splink__df_comparison_vectors group by grouping sets ({sets})",
            "__splink__u_bucket_counts")
        out = db_api.sql_pipeline_to_splink_dataframe(pipe)
        try:
            rows = out.as_record_list()
        finally:
            out.drop_table_from_database_and_remove_from_cache()
        by_bucket: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            # A comparison-vector value is never null (-1 is "null"): the one set in a
            # row names the comparison whose level it counts.
            (comp, value), = ((c, r[g]) for c, g in zip(chosen, gammas, strict=True)
                              if r[g] is not None)
            by_bucket.setdefault(int(r["__lr_bucket"]), []).append(
                {"output_column_name": comp.output_column_name,
                 "comparison_vector_value": value, "u_count": r["u_count"]})
        return by_bucket

    def of(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        return [r for r in records if r["output_column_name"] == name]

    names = [c.output_column_name for c in comparisons]
    done: dict[str, Any] = {}
    if use_probe:
        probe = bucket_counts(names, probe_only=True).get(0, [])
        for comp in comparisons:
            acc = _MUCountsAccumulator(comp)
            acc.update_from_chunk_counts(of(probe, comp.output_column_name))
            if min_count_per_level is not None and \
                    acc.all_levels_meet_min_u_count(min_count_per_level):
                done[comp.output_column_name] = acc
    rest = [n for n in names if n not in done]
    if rest:
        counts = bucket_counts(rest, probe_only=False)
        for comp in comparisons:
            if comp.output_column_name in done:
                continue
            acc = _MUCountsAccumulator(comp)
            for chunk in range(num_chunks):  # Splink's chunk ``chunk + 1`` of num_chunks
                for b, records in counts.items():
                    if b % num_chunks == chunk:
                        acc.update_from_chunk_counts(of(records, comp.output_column_name))
                if min_count_per_level is not None and \
                        acc.all_levels_meet_min_u_count(min_count_per_level):
                    break
            done[comp.output_column_name] = acc
    df_sample.drop_table_from_database_and_remove_from_cache()

    for comp, original in zip(comparisons, settings.comparisons, strict=True):
        records = done[comp.output_column_name].to_record_list()
        total = sum(r["u_count"] for r in records if r["comparison_vector_value"] != -1)
        params = [{"comparison_vector_value": r["comparison_vector_value"],
                   "output_column_name": r["output_column_name"], "m_probability": None,
                   "u_probability": (r["u_count"] / total if r["u_count"] else
                                     LEVEL_NOT_OBSERVED_TEXT)}
                  for r in records if r["comparison_vector_value"] != -1]
        lookup = m_u_records_to_lookup_dict(params)
        for level in original._comparison_levels_excluding_null:
            append_u_probability_to_comparison_level_trained_probabilities(
                level, lookup, original.output_column_name, "estimate u by random sampling")
    linker._populate_m_u_from_trained_values()
    settings._columns_without_estimated_parameters_message()
