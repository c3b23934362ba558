"""Score the blocked pairs of one pair of sources, and count what blocking generates."""

from __future__ import annotations

import contextlib
import itertools
import re
import warnings
import weakref
from typing import Any

import numpy as np

from linkready.link.estimates import log2_odds
from linkready.link.training import model_prior, quiet_splink

#: Above this many records the comparison counts are estimated from a sample.
EXACT_COUNT_MAX_RECORDS = 1_000_000
COUNT_SAMPLE_PROPORTION = 0.1
#: Exact counts are taken from the union of every rule's pairs (one join per rule, then
#: each pair counted once, for the first rule that brings it) while the rules bring at
#: most this many pairs in all; above it, Splink counts (each rule's pairs filtered by
#: every earlier rule's condition: no pairs held, many more conditions evaluated).
UNION_MAX_PAIRS = 20_000_000
#: Rule numbers packed into each pair's integer key (more rules: Splink counts).
RULE_CODES = 64


def _union_marginals(inputs: list[Any], rules: list[str]) -> list[int] | None:
    """Pairs each rule adds to the earlier ones, exactly, from the union of the rules'
    pairs (the numbers Splink's exact count gives); None if the inputs are not DuckDB
    tables or the rules bring more than :data:`UNION_MAX_PAIRS` pairs."""
    db_api = inputs[0].db_api
    if db_api.sql_dialect.sql_dialect_str != "duckdb" or len(inputs) != 2 or \
            len(rules) >= RULE_CODES:
        return None
    con = db_api.duckdb_con
    left, right = inputs[0].physical_name, inputs[1].physical_name
    width = int(con.sql(f"SELECT coalesce(max(rowid), 0) + 1 FROM {right}").fetchall()[0][0])
    # Each pair as one integer: (left row × width + right row) × RULE_CODES + rule.
    keys = " UNION ALL ".join(
        f"SELECT (l.rowid * {width} + r.rowid) * {RULE_CODES} + {k} AS key "
        f"FROM {left} AS l JOIN {right} AS r ON ({rule})" for k, rule in enumerate(rules))
    got = con.sql(f"SELECT key FROM ({keys}) LIMIT {UNION_MAX_PAIRS + 1}").to_arrow_table()
    if got.num_rows > UNION_MAX_PAIRS:
        return None
    key = np.sort(np.asarray(got.column("key").to_numpy(), dtype=np.int64))
    pair = key // RULE_CODES
    first = np.ones(len(key), dtype=bool)  # a pair's first key holds its earliest rule
    first[1:] = pair[1:] != pair[:-1]
    return [int(n) for n in np.bincount(key[first] % RULE_CODES, minlength=len(rules))]


def comparison_counts(inputs: list[Any], rules: list[str], records: int) -> dict[str, Any]:
    """Pairs each blocking rule adds, cumulative, and whether the counts are estimates.

    Exact for inputs up to :data:`EXACT_COUNT_MAX_RECORDS` records, estimated from a
    deterministic sample of each side above that.
    """
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    proportion = 1.0 if records <= EXACT_COUNT_MAX_RECORDS else COUNT_SAMPLE_PROPORTION
    marginals = _union_marginals(inputs, rules) if proportion == 1.0 and rules else None
    if marginals is not None:
        con = inputs[0].db_api.duckdb_con
        n_left, n_right = (int(con.sql(f"SELECT count(*) FROM {t.physical_name}")
                               .fetchall()[0][0]) for t in inputs)
        cumulative = np.cumsum(marginals).tolist()
        return {"rules": [{"rule": rule, "marginal": m, "cumulative": int(c)}
                          for rule, m, c in zip(rules, marginals, cumulative, strict=True)],
                "total_possible": n_left * n_right, "is_estimate": False,
                "record_sample_proportion": proportion, "unstable_estimates": []}
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


def counts_on_demand(inputs: list[Any], records: int) -> bool:
    """Whether :class:`Cumulative` can count rules as needed: exact counts (at most
    :data:`EXACT_COUNT_MAX_RECORDS` records) on two DuckDB tables."""
    return (inputs[0].db_api.sql_dialect.sql_dialect_str == "duckdb" and len(inputs) == 2
            and records <= EXACT_COUNT_MAX_RECORDS)


#: The innermost function call in SQL, and a column of one side of a pair in a rule.
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)")
_SIDE = re.compile(r"\b([lr])\.([A-Za-z_][A-Za-z0-9_]*)")


def one_side_columns(rules: list[str]) -> tuple[list[str], dict[str, str]]:
    """``rules`` (``l.x``, ``r.x``) with every function call over one side's columns
    (``year(l.dob)``, ``substr(r.given_name, 1, 1)``, nested calls too) read from a
    column computed once per record, so that testing a pair against many rules
    compares values rather than calling functions. Returns the rules and
    ``{per-record SQL over the record's own columns: column}``."""
    per_record: dict[str, str] = {}
    exprs: dict[str, str] = {}

    def call(match: re.Match[str]) -> str:
        sides = {m.group(1) for m in _SIDE.finditer(match.group(2))}
        if len(sides) != 1:
            return match.group(0)
        side = sides.pop()
        sql = _SIDE.sub(lambda m: exprs.get(m.group(2), m.group(2)), match.group(0))
        name = per_record.setdefault(sql, f"__lr_c{len(per_record)}")
        exprs[name] = sql
        return f"{side}.{name}"

    out = []
    for rule in rules:
        while True:
            new = _CALL.sub(call, rule)
            if new == rule:
                break
            rule = new
        out.append(rule)
    used = {m.group(2) for rule in out for m in _SIDE.finditer(rule)}
    return out, {e: n for e, n in per_record.items() if n in used}


#: Numbers the temporary tables of :class:`Cumulative` (one per instance).
_CUMULATIVE_TABLES = itertools.count()


class Cumulative:
    """Cumulative comparisons of ``rules`` (each pair counted once, for the first rule
    that brings it: the numbers :func:`comparison_counts` gives), each counted only
    when asked for: a rule's new pairs are its join's pairs that no earlier rule brings.
    ``known``: the cumulative counts of the first rules, already counted. With ``cap``,
    counting stops once the cumulative count exceeds it: a count above ``cap`` says only
    that (the count of a rule far past a budget is never needed in full).

    The pairs counted so far are kept (as row-number pairs, in a temporary table of the
    connection, dropped once every rule is counted or the cap is passed, or when the
    object is collected): a rule's new pairs are its join's pairs missing from them
    (an anti-join), rather than its pairs tested against every earlier rule's
    condition (FEBRL 4's looser rules: up to 17 conditions on each of ~200k pairs)."""

    def __init__(self, inputs: list[Any], rules: list[str], known: list[int],
                 cap: float | None = None) -> None:
        self._con = inputs[0].db_api.duckdb_con
        self._left, self._right = inputs[0].physical_name, inputs[1].physical_name
        self._rules = rules
        self._cumulative = list(known)
        self._cap = cap
        self._seen: str | None = None
        self._finalizer: Any = None
        self._tested = False  # the first rule counted was counted by its conditions

    def _join(self, k: int) -> str:
        return (f"SELECT l.rowid AS a, r.rowid AS b FROM {self._left} AS l "
                f"JOIN {self._right} AS r ON ({self._rules[k]})")

    def _drop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
            self._finalizer = None

    def get(self, i: int, default: int = 0) -> int:
        """Cumulative comparisons up to rule ``i`` (``default`` past the last rule)."""
        if not 0 <= i < len(self._rules):
            return default
        while len(self._cumulative) <= i:
            k = len(self._cumulative)
            before = self._cumulative[-1] if k else 0
            if self._cap is not None and before > self._cap:
                self._cumulative.append(before)  # already past the cap
                continue
            limit = "" if self._cap is None else f" LIMIT {int(self._cap) - before + 1}"
            if self._seen is None and k and self._cap is not None and not self._tested:
                # The first rule counted: its pairs that no earlier rule brings, found by
                # testing the earlier rules' conditions, under the cap's LIMIT, rather
                # than by building every earlier rule's pairs first (ics acute: 2.2
                # against 5.8 CPU s, for a rule past the budget). A later rule builds them.
                unseen = " AND ".join(f"({r}) IS NOT TRUE" for r in self._rules[:k])
                new = int(self._con.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {self._left} AS l JOIN "
                    f"{self._right} AS r ON ({self._rules[k]}) WHERE {unseen}{limit})"
                ).fetchall()[0][0])
                self._cumulative.append(before + new)
                self._tested = True
                continue
            if self._seen is None:
                self._seen = f"__lr_cumulative_{next(_CUMULATIVE_TABLES)}"
                known = " UNION ALL ".join(self._join(j) for j in range(k)) or \
                    "SELECT NULL::BIGINT AS a, NULL::BIGINT AS b WHERE false"
                self._con.execute(f"CREATE OR REPLACE TEMP TABLE {self._seen} AS "
                                  f"SELECT DISTINCT a, b FROM ({known})")
                self._finalizer = weakref.finalize(self, _drop_quietly, self._con,
                                                   self._seen)
            # A join brings each pair once: its pairs missing from the seen ones are new.
            new = int(self._con.execute(
                f"INSERT INTO {self._seen} SELECT j.a, j.b FROM ({self._join(k)}) AS j "
                f"ANTI JOIN {self._seen} AS s ON j.a = s.a AND j.b = s.b{limit}"
            ).fetchall()[0][0])
            self._cumulative.append(before + new)
            if len(self._cumulative) == len(self._rules) or (
                    self._cap is not None and self._cumulative[-1] > self._cap):
                self._drop()  # nothing more will be counted
        return self._cumulative[i]


def _drop_quietly(con: Any, table: str) -> None:
    # A closed connection has taken its temporary tables with it.
    with contextlib.suppress(Exception):
        con.execute(f"DROP TABLE IF EXISTS {table}")


#: A column name used as it is in SQL.
_PLAIN = re.compile(r"\"?[A-Za-z_][A-Za-z0-9_]*\"?")
#: The blocked pairs :func:`union_blocked_pairs` hands to Splink.
UNION_PAIRS_TABLE = "__lr_union_blocked_pairs"


def union_blocked_pairs(linker: Any) -> Any:
    """Splink's blocked pairs for ``linker``'s next unchunked prediction, computed as the
    union of every blocking rule's join (each pair kept once, under the first rule that
    brings it: ``match_key``), and left in the linker's table cache where Splink looks
    for them before it computes its own. Splink's own query joins each rule's pairs
    and drops those any earlier rule brings, testing every earlier rule's condition on
    every pair (FEBRL 4's looser rules: 17 conditions, one-side functions and regular
    expressions among them, on each of ~100k pairs); the union only groups the pairs.
    The table is the same (the same pairs, keys and match keys), so the prediction
    and every output are too; its rows may come in another order, which Splink's
    scoring and :func:`predict_pairs` (ordered by record ids) do not depend on.

    Returns a function that drops the table, or None (Splink computes its own) unless
    the linker is a two-table link-only model on DuckDB, with plain blocking rules and
    no blocked pairs already cached or registered."""
    from splink.internals.blocking import BlockingRule
    from splink.internals.chunking import _blocked_pairs_cache_key

    settings = linker._settings_obj
    rules = settings._blocking_rules_to_generate_predictions
    tables = linker._input_tables_dict
    cache = linker._intermediate_table_cache
    key = _blocked_pairs_cache_key()
    if (linker._sql_dialect_str != "duckdb" or settings._link_type != "link_only"
            or len(tables) != 2 or not rules or key in cache
            or any(type(r) is not BlockingRule for r in rules)
            or linker.inference._registered_blocked_pairs_cache_keys()):
        return None
    info = settings.column_info_settings
    uid, source = info.unique_id_input_column, info.source_dataset_input_column
    rid = uid.name
    if source is None or len(info.unique_id_input_columns) != 2 or \
            not _PLAIN.fullmatch(rid):
        return None
    (left_name, left), (right_name, right) = tables.items()
    parts = " UNION ALL ".join(
        f"SELECT {k} AS k, l.{rid} AS id_l, r.{rid} AS id_r FROM {left.physical_name} "
        f"AS l JOIN {right.physical_name} AS r ON ({r.blocking_rule_sql})"
        for k, r in enumerate(rules))

    def literal(name: str) -> str:
        return "'" + name.replace("'", "''") + "'"

    db_api = linker._db_api
    db_api._execute_sql_against_backend(
        f"CREATE OR REPLACE TABLE {UNION_PAIRS_TABLE} AS SELECT "
        f"CAST(min(k) AS VARCHAR) AS match_key, "
        f"{literal(left_name + '-__-')} || id_l AS join_key_l, "
        f"{literal(right_name + '-__-')} || id_r AS join_key_r "
        f"FROM ({parts}) GROUP BY id_l, id_r")
    cache[key] = db_api.table_to_splink_dataframe("__splink__blocked_id_pairs",
                                                  UNION_PAIRS_TABLE)

    def drop() -> None:
        if key in cache:
            del cache[key]
        db_api._execute_sql_against_backend(f"DROP TABLE IF EXISTS {UNION_PAIRS_TABLE}")

    return drop


def predict_pairs(linker: Any, min_match_weight: float,
                  chunks: dict[str, int] | None = None,
                  flags: dict[str, str] | None = None) -> Any:
    """Scored pairs as an Arrow table: record_id_l, record_id_r, log2_bf, then each
    comparison's match weight (``mw_<comparison>``, without term-frequency adjustment)
    where the model retains it: the weight names the level (see :func:`level_codes`).

    ``log2_bf`` is the match weight without the prior, so probabilities can be
    recomputed under a refined prior. ``chunks`` (``num_chunks_left``,
    ``num_chunks_right``) splits Splink's prediction to bound its memory; the pairs
    scored are the same. ``flags`` adds boolean columns, each a SQL condition over the
    scored pair's ``<field>_l`` / ``<field>_r`` columns (the model must retain them).
    """
    import pyarrow as pa

    prior_w = log2_odds(model_prior(linker))
    with quiet_splink():
        own = None if chunks else union_blocked_pairs(linker)
        try:
            pred = linker.inference.predict(threshold_match_weight=min_match_weight,
                                            warning_mode="never", **(chunks or {}))
        finally:
            if own is not None:
                own()
        cols = pred.query_sql("SELECT * FROM {this} LIMIT 0").as_pyarrow_table().column_names
        gammas = [c for c in cols if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
        extra = "".join(f", {c}" for c in gammas) + "".join(
            f", coalesce(({sql}), false) AS {name}" for name, sql in (flags or {}).items())
        # Splink orders each pair by its composite id, so `left` ("left" < "right")
        # lands in _l; the CASE keeps the orientation right if that ever changes.
        table = pred.query_sql(
            "SELECT CASE WHEN source_dataset_l = 'left' THEN record_id_l ELSE record_id_r "
            "END AS record_id_l, CASE WHEN source_dataset_l = 'left' THEN record_id_r "
            f"ELSE record_id_l END AS record_id_r, match_weight{extra} FROM {{this}} "
            "ORDER BY 1, 2").as_pyarrow_table()
        pred.drop_table_from_database_and_remove_from_cache()
    weights = table.column("match_weight").to_numpy(zero_copy_only=False)
    log2_bf = np.asarray(weights, dtype=float) - prior_w
    return pa.table({"record_id_l": table.column("record_id_l"),
                     "record_id_r": table.column("record_id_r"),
                     "log2_bf": pa.array(log2_bf),
                     **{c: table.column(c) for c in gammas},
                     **{c: table.column(c) for c in (flags or {})}})


def level_codes(*tables: Any) -> tuple[list[np.ndarray], list[tuple[str, np.ndarray]]]:
    """The comparison vectors of scored pairs of several tables (same model), as int8
    matrices (pairs × comparisons, columns in name order): each comparison's distinct
    match weights numbered alike across the tables, -1 for a weight of exactly 0 (the
    null level; Splink 5 keeps weights, not level codes, in its predictions). Also, per
    column, the comparison's name and the match weight of each code."""
    names = sorted(c for c in tables[0].column_names if c.startswith("mw_"))
    sizes = [t.num_rows for t in tables]
    if not names:
        return [np.zeros((n, 0), dtype=np.int8) for n in sizes], []
    out = np.zeros((sum(sizes), len(names)), dtype=np.int8)
    info = []
    for j, c in enumerate(names):
        w = np.concatenate([np.asarray(t.column(c).to_numpy(zero_copy_only=False),
                                       dtype=float) for t in tables])
        w = np.round(np.nan_to_num(w), 9)
        values, code = np.unique(w, return_inverse=True)
        code = code.ravel()
        null = w == 0.0
        if null.any():  # renumber so that the null level is -1 and the others 0..k−1
            zero = int(np.flatnonzero(values == 0.0)[0])
            code = code - (code > zero).astype(code.dtype)
            code[null] = -1
            values = np.delete(values, zero)
        out[:, j] = code
        info.append((c.removeprefix("mw_"), values))
    return np.split(out, np.cumsum(sizes)[:-1]), info
