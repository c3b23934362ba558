"""Score only the pairs that can reach the kept match weight (DuckDB).

The label-free stages score samples under loose blocking rules (the diagnostic sample,
the decoys): millions of candidate pairs against a large source, of which a few in a
thousand reach the kept match weight (``TrainingConfig.min_match_weight``). Splink
builds every candidate's text keys, joins the term frequencies and computes each
comparison's levels, the similarity functions again at every level.

Here the candidates are found on row numbers and their comparison levels computed in
one pass, with the similarities (and the address levels' word shares) and one-side
values computed once (as in :mod:`linkready.link.u_sampling`). Each pair gets an upper
bound on its match weight: the exact weight of its levels plus, on a level with a
term-frequency adjustment, the largest adjustment any value could get. Only the pairs
whose bound reaches the kept weight are handed to Splink
(``register_blocked_pairs_for_predict``), which scores them as before; a pair left out
could not have been kept, so the scored pairs are the same.
"""

from __future__ import annotations

import math
import re
from typing import Any

from linkready.link.predict import one_side_columns
from linkready.link.settings import rule_terms, word_share_sql
from linkready.link.u_sampling import rewrite_levels

BOUNDED_TABLE = "__lr_bounded_pairs"
#: Slack on the bound (the weights are summed in another order than Splink's).
SLACK = 1e-6


class _Unbounded(Exception):
    """A level has no weight (m or u missing): no bound, score every candidate."""


def _level_bounds(comparison: Any, records: int) -> dict[int, float]:
    """Per comparison-vector value, the largest match weight a pair at that level can
    get: the level's weight plus its largest term-frequency adjustment (a value's
    frequency is at least 1 / ``records``)."""
    levels = comparison.comparison_levels
    out: dict[int, float] = {}
    for level in levels:
        value = level.comparison_vector_value
        if level.is_null_level:
            out[value] = 0.0
            continue
        if level._match_weight is None:
            raise _Unbounded(comparison.output_column_name)
        weight = float(level._match_weight)
        adj = 0.0
        if level._has_tf_adjustments and level._tf_adjustment_weight != 0 and \
                not level._is_else_level:
            log2_u = math.log2(level._u_probability_corresponding_to_exact_match(levels))
            w = float(level._tf_adjustment_weight)
            # tf in [max(1 / records, minimum u), 1]: the adjustment is linear in -log2 tf.
            low = max(1.0 / max(records, 1), float(level._tf_minimum_u_value or 0.0))
            adj = max(0.0, w * (log2_u - math.log2(low)), w * log2_u)
        out[value] = weight + adj
    return out


#: A per-pair similarity column of :func:`linkready.link.u_sampling.rewrite_levels`.
_SIM = re.compile(r"\b__lr_sim_[0-9]+\b")

_PLACEHOLDER = "\x00"
#: The word share of a column's two sides (:func:`linkready.link.settings.word_share_sql`,
#: the address levels), as the comparison levels spell it.
_WORD_SHARE = re.compile(
    re.escape(word_share_sql(f"{_PLACEHOLDER}_l", f"{_PLACEHOLDER}_r")).replace(
        re.escape(_PLACEHOLDER), r"(?P<col>[A-Za-z_][A-Za-z0-9_]*)", 1).replace(
        re.escape(_PLACEHOLDER), "(?P=col)"))


def _word_shares(rewritten: list[str], sims: dict[str, str]) -> list[str]:
    """``rewritten`` with each word share read from a per-pair column, named and added to
    ``sims`` as a similarity is: a level that tests it computes the same value, and the
    levels of a comparison (most words shared, half the words, a third) read it once
    rather than build the word lists at each."""
    names = {sql: name for name, sql in sims.items()}

    def column(match: re.Match[str]) -> str:
        sql = match.group(0)
        if sql not in names:
            names[sql] = f"__lr_sim_{len(sims)}"
            sims[names[sql]] = sql
        return names[sql]

    return [_WORD_SHARE.sub(column, c) for c in rewritten]


def _conjuncts(sql: str) -> list[str] | None:
    """The parts of ``sql`` joined by a top-level ``AND``; None where the top level holds
    an ``OR``, a ``BETWEEN`` or a ``CASE`` (whose ``AND`` may not join conditions)."""
    parts, depth, quoted, start = [], 0, False, 0
    top = []  # the top-level text, to look for OR / BETWEEN / CASE
    i = 0
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and sql[i:i + 5].upper() == " AND ":
            parts.append(sql[start:i].strip())
            start = i + 5
            top.append(" ")
            i += 5
            continue
        top.append(ch if depth == 0 and not quoted and ch != ")" else " ")
        i += 1
    if depth != 0 or quoted or re.search(r"\b(?:OR|BETWEEN|CASE)\b", "".join(top), re.I):
        return None
    parts.append(sql[start:].strip())
    return parts


def _case(whens: list[str], rest: float | None) -> str:
    """A comparison's bound: the CASE of ``whens``, else ``rest`` (0 if None)."""
    other = repr(rest if rest is not None else 0.0)
    return f"(CASE {' '.join(whens)} ELSE {other} END)" if whens else other


def _on_sides(sql: str) -> str:
    """``sql`` over a pair's columns (``<column>_l`` / ``<column>_r``, quoted or not)
    read from the sides ``l`` and ``r`` of a join."""
    sql = re.sub(r'"([A-Za-z_][A-Za-z0-9_]*)_([lr])"', r'\2."\1"', sql)
    return re.sub(r"(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)_([lr])\b", r"\2.\1", sql)


def without_subsumed(rules: list[str]) -> list[str]:
    """``rules`` less each rule whose pairs another rule brings too: one whose terms
    (joined by ``AND``) include every term of another rule (of an identical rule, the
    later is dropped). The union of the rules' pairs is the same."""
    terms = [frozenset(rule_terms(r)) for r in rules]
    return [r for i, r in enumerate(rules)
            if not any(j != i and terms[j] <= terms[i] and (terms[j] < terms[i] or j < i)
                       for j in range(len(rules)))]


def bounded_pairs_sql(linker: Any, left_table: str, right_table: str, rules: list[str],
                      min_match_weight: float, records: int) -> str:
    """Splink's blocked-pairs table (``match_key``, ``join_key_l``, ``join_key_r``) for
    the pairs of ``left_table`` × ``right_table`` that a blocking rule brings together
    and whose match-weight bound reaches ``min_match_weight``. ``records``: rows of both
    inputs (bounds the term frequencies).

    Each rule's candidates are first bounded cheaply: a comparison's levels are tested
    in order, as Splink does, up to the first level that needs a similarity function
    (Jaro-Winkler, Jaccard), and a pair that reaches it is bounded by the largest weight
    of that level and every later one. The distinct candidates that bound keeps are then
    bounded by the weights of their own levels, every level tested as Splink tests it
    (similarities included, computed only for pairs that reach their level): of the
    pairs a loose rule brings, most pass the cheap bound but few the exact one, and
    testing their levels here costs less than Splink scoring them.
    """
    settings = linker._settings_obj
    conditions: list[str] = []
    for comp in settings.comparisons:
        conditions += [lv.sql_condition for lv in comp.comparison_levels
                       if not lv._is_else_level]
    rewritten, per_pair, per_record = rewrite_levels(conditions)
    sims = {name: sql for sql, name in per_pair.items()}
    rewritten = _word_shares(rewritten, sims)

    def inline(sql: str) -> str:
        return _SIM.sub(lambda m: f"({sims[m.group(0)]})", sql)

    lazy = _lazy_similarities(settings.comparisons, rewritten, sims)
    cases, exact_cases = [], []
    k = 0
    for comp in settings.comparisons:
        bounds = _level_bounds(comp, records)
        whens: list[str] = []
        exact: list[str] = []  # every level, similarities included
        levels = comp.comparison_levels
        rest = exact_rest = None
        for i, level in enumerate(levels):
            if level._is_else_level:
                exact_rest = bounds[level.comparison_vector_value]
                if rest is None:
                    rest = exact_rest
                break
            cond = rewritten[k]
            k += 1
            if "__lr_sim_" in cond and rest is None:
                rest = max(bounds[lv.comparison_vector_value] for lv in levels[i:])
            then = f"THEN {bounds[level.comparison_vector_value]!r}"
            if rest is None:
                whens.append(f"WHEN {cond} {then}")
            # A similarity of one comparison is read from its column (computed once per
            # candidate); one shared by comparisons is computed in place.
            exact.append("WHEN " + _SIM.sub(
                lambda m: m.group(0) if m.group(0) in lazy else f"({sims[m.group(0)]})",
                cond) + f" {then}")
        cases.append(_case(whens, rest))
        exact_cases.append(_case(exact, exact_rest))
    lazy_names = list(lazy)
    lazy_sql = [inline(lazy[n]) for n in lazy_names]
    prior = settings._probability_two_random_records_match
    prior_w = math.log2(prior / (1 - prior))
    # Calls over one side (year(l.dob) …) are computed once per record as well.
    rewritten_sql, extra = one_side_columns(
        [*rules, _on_sides(" + ".join(cases) or "0.0"),
         _on_sides(" + ".join(exact_cases) or "0.0"), *map(_on_sides, lazy_sql)])
    n_rules = len(rules)
    joins = rewritten_sql[:n_rules]
    bound, exact_bound = rewritten_sql[n_rules:n_rules + 2]
    sim_cols = "".join(f", {e} AS {n}"
                       for e, n in zip(rewritten_sql[n_rules + 2:], lazy_names, strict=True))
    # A rule whose pairs another rule brings adds nothing to the union below.
    joins = without_subsumed(joins)
    per_rec = "".join(f", {e} AS {n}" for e, n in per_record.items())
    more = "".join(f", {e} AS {n}" for e, n in extra.items())
    floor = f"{float(min_match_weight) - SLACK!r}"
    # The cheap bound on every rule's candidates; the similarities then once for each
    # distinct candidate it keeps (and, within a comparison, only where the pair reaches
    # the level), in a materialised table so that the levels of a comparison (Jaro-Winkler
    # ≥ 0.92, ≥ 0.85, …) read one value rather than call the function at each.
    ids = " UNION ".join(
        f"SELECT l.record_id AS record_id_l, r.record_id AS record_id_r "
        f"FROM __lr_pl AS l JOIN __lr_pr AS r ON ({rule}) "
        f"WHERE {prior_w!r} + {bound} >= {floor}" for rule in joins)
    return f"""
        WITH __lr_pl AS (SELECT *{more} FROM (SELECT *{per_rec} FROM {left_table})),
        __lr_pr AS (SELECT *{more} FROM (SELECT *{per_rec} FROM {right_table})),
        __lr_cand AS ({ids}),
        __lr_sims AS MATERIALIZED (
            SELECT c.record_id_l, c.record_id_r{sim_cols}
            FROM __lr_cand AS c JOIN __lr_pl AS l ON l.record_id = c.record_id_l
            JOIN __lr_pr AS r ON r.record_id = c.record_id_r)
        SELECT DISTINCT '0' AS match_key, 'left-__-' || l.record_id AS join_key_l,
               'right-__-' || r.record_id AS join_key_r
        FROM __lr_sims AS c JOIN __lr_pl AS l ON l.record_id = c.record_id_l
        JOIN __lr_pr AS r ON r.record_id = c.record_id_r
        WHERE {prior_w!r} + {exact_bound} >= {floor}
    """


def _lazy_similarities(comparisons: Any, rewritten: list[str], sims: dict[str, str]
                       ) -> dict[str, str]:
    """``{similarity column: SQL}`` for each similarity (``__lr_sim_<k>``) that one
    comparison alone uses: the similarity where a pair reaches the first level that
    tests it (no earlier level of the comparison holds) and meets every condition that
    each level testing it joins to it with ``AND`` (the address's Jaro-Winkler ≥ 0.7
    before its word shares), else NULL, so that it is computed where the comparison's
    CASE would read it and once. ``rewritten``: the comparisons' non-else level
    conditions in order, as :func:`rewrite_levels` gives them."""
    owner: dict[str, int] = {}
    shared: set[str] = set()
    first: dict[str, list[str]] = {}  # similarity: the earlier levels' conditions
    uses: dict[str, list[str]] = {}  # similarity: the conditions that test it
    k = 0
    for c, comp in enumerate(comparisons):
        earlier: list[str] = []
        for level in comp.comparison_levels:
            if level._is_else_level:
                break
            cond = rewritten[k]
            k += 1
            for name in dict.fromkeys(_SIM.findall(cond)):
                if owner.setdefault(name, c) != c:
                    shared.add(name)
                first.setdefault(name, list(earlier))
                uses.setdefault(name, []).append(cond)
            earlier.append(cond)
    out = {}
    for name, before in first.items():
        if name in shared:
            continue
        whens = [f"WHEN {b} THEN NULL" for b in before]
        # Where a condition every level joins to the similarity does not hold, no level
        # reads it (NULL: the level's AND is not true either way).
        whens += [f"WHEN ({g}) IS NOT TRUE THEN NULL" for g in _guards(name, uses[name])]
        out[name] = f"(CASE {' '.join(whens)} ELSE ({sims[name]}) END)" if whens else \
            f"({sims[name]})"
    return out


def _guards(name: str, conditions: list[str]) -> list[str]:
    """The conjuncts without ``name`` that every one of ``conditions`` (each testing
    ``name``) has at its top level, in order of the first; none where a condition is
    not a plain conjunction."""
    split: list[list[str]] = []
    for cond in conditions:
        parts = _conjuncts(cond)
        if parts is None:
            return []
        split.append(parts)
    common = [p for p in split[0] if name not in _SIM.findall(p)]
    return [p for p in dict.fromkeys(common) if all(p in parts for parts in split[1:])]


def register(linker: Any, db_api: Any, left_table: str, right_table: str,
             rules: list[str], min_match_weight: float) -> bool:
    """Register the bounded pairs (:func:`bounded_pairs_sql`) for ``linker``'s next
    prediction; False (nothing registered) unless the linker runs on DuckDB over the
    two tables as its ``left`` and ``right`` inputs."""
    if db_api.sql_dialect.sql_dialect_str != "duckdb" or \
            list(linker._input_tables_dict) != ["left", "right"]:
        return False
    con = db_api.duckdb_con
    records = sum(int(con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0])
                  for t in (left_table, right_table))
    try:
        sql = bounded_pairs_sql(linker, left_table, right_table, rules, min_match_weight,
                                records)
    except _Unbounded:
        return False
    con.execute(f"CREATE OR REPLACE TABLE {BOUNDED_TABLE} AS {sql}")
    linker.table_management.register_blocked_pairs_for_predict(
        db_api.register(BOUNDED_TABLE))
    return True


def drop(db_api: Any) -> None:
    """Drop the bounded-pairs table (after prediction)."""
    if db_api.sql_dialect.sql_dialect_str == "duckdb":
        db_api.duckdb_con.execute(f"DROP TABLE IF EXISTS {BOUNDED_TABLE}")
