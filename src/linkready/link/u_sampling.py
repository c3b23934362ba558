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
from collections.abc import Iterable, Iterator
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
#: A part of one side's date (the DOB's transposition and two-of-three levels).
ONE_SIDE_DATE_PART = re.compile(
    r"""\b(year|month|day)\(\s*"?([A-Za-z_][A-Za-z0-9_]*)_([lr])"?\s*\)""", re.IGNORECASE)
#: ``NULLIF(x, '')`` of a per-record column (the postcode's extracts).
_NULLIF_RECORD = re.compile(r"\bNULLIF\(\s*(__lr_rec_\d+)_([lr])\s*,\s*''\s*\)",
                            re.IGNORECASE)
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


def prepare_sql(sql: str) -> str:
    """``sql`` as the DuckDB backend runs it: :func:`linkready.link.two_sided.split_self_join`
    (the same rows), then :func:`guard_one_edit`, :func:`hoist_similarities`,
    :func:`short_cut_similarity_levels` and :func:`nest_conjunctions` (each gives the
    same values for every row, at less cost)."""
    from linkready.link.two_sided import split_self_join

    return nest_conjunctions(short_cut_similarity_levels(
        hoist_similarities(guard_one_edit(split_self_join(sql)))))


#: What :func:`short_cut_similarity_levels` reads: string literals and quoted names
#: (skipped), comments (it gives up), parentheses and the keywords that shape a CASE.
_LEVEL_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--|/\*|[()]|"
    r"\b(CASE|WHEN|THEN|ELSE|END|AND|OR|BETWEEN)\b", re.IGNORECASE)
#: A similarity computed once per row (a hoisted call's lambda parameter, or u
#: sampling's per-pair column) at least a threshold: ``__lr_s0 >= 0.7``.
_SIMILARITY_AT_LEAST = re.compile(
    r"(__lr_s\d+|__lr_sim_\d+)\s*>=\s*(\d+(?:\.\d+)?|\.\d+)")


def _strip_parens(sql: str) -> str:
    """``sql`` without parentheses that enclose all of it."""
    sql = sql.strip()
    while sql.startswith("(") and sql.endswith(")"):
        depth = 0
        for i, ch in enumerate(sql):  # a quote holding a bracket: left as it is
            if ch in "'\"":
                return sql
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(sql) - 1:
                return sql  # the first bracket closes before the end
        sql = sql[1:-1].strip()
    return sql


class _Commented(Exception):
    """The SQL holds a comment: the rewriters leave it as it is."""


def _top_level(tokens: Iterable[re.Match[str]]) -> Iterator[tuple[str, re.Match[str]]]:
    """Each token (upper-cased word, match) of ``tokens`` (:data:`_LEVEL_TOKEN` matches)
    outside brackets and nested ``CASE`` expressions; raises :class:`_Commented` at a
    comment."""
    depth = cases = 0
    for m in tokens:
        w = (m.group(1) or m.group(0)).upper()
        if w in ("--", "/*"):
            raise _Commented
        if w == "(":
            depth += 1
        elif w == ")":
            depth -= 1
        elif w == "CASE":
            cases += 1
        elif w == "END":
            cases -= 1
        elif depth == 0 and cases == 0:
            yield w, m


def _similarity_floor(cond: str) -> dict[str, tuple[float, str]]:
    """For a level's condition, each once-computed similarity that one of its top-level
    conjuncts requires to be at least a threshold: ``{similarity: (threshold, text)}``
    (the lowest, if several). Empty when the condition is not a plain conjunction."""
    cond = _strip_parens(cond)
    parts, last = [], 0
    try:
        for w, m in _top_level(_LEVEL_TOKEN.finditer(cond)):
            if w in ("OR", "BETWEEN", "WHEN", "THEN", "ELSE"):
                return {}
            if w == "AND":
                parts.append(cond[last:m.start()])
                last = m.end()
    except _Commented:
        return {}
    parts.append(cond[last:])
    out: dict[str, tuple[float, str]] = {}
    for part in parts:
        hit = _SIMILARITY_AT_LEAST.fullmatch(_strip_parens(part))
        if hit and (hit.group(1) not in out or float(hit.group(2)) < out[hit.group(1)][0]):
            out[hit.group(1)] = (float(hit.group(2)), hit.group(2))
    return out


def short_cut_similarity_levels(sql: str) -> str:
    """``sql`` with each searched ``CASE`` whose last levels all require one similarity
    (computed once per row, :func:`hoist_similarities`) to reach a threshold given a
    first way out: ``WHEN s < t THEN <the ELSE value>`` before them, ``t`` the lowest of
    their thresholds. Where ``s < t`` holds, every one of those levels is false and the
    ``CASE`` took its ``ELSE`` anyway; elsewhere (``s`` null too) the levels run as
    before: the same value for every row. Nearly every pair compared in u sampling is
    such a row (FEBRL 4's address: the four levels after ``jaro_winkler >= 0.95``
    tested on each of 2M pairs, and the token overlap behind three of them)."""
    if "__lr_s" not in sql:
        return sql
    out, last = [], 0
    for start, end in _case_spans(sql):
        guarded = _short_cut(sql[start:end])
        if guarded is not None:
            out += [sql[last:start], guarded]
            last = end
    return "".join(out) + sql[last:] if out else sql


def _short_cut(case: str) -> str | None:
    """:func:`short_cut_similarity_levels` for one outermost ``CASE … END`` (None: left
    as it is)."""
    toks = list(_LEVEL_TOKEN.finditer(case))
    if len(toks) < 2 or not _NEXT_IS_WHEN.match(case, toks[0].end()):
        return None  # a simple CASE x WHEN …
    whens: list[tuple[int, int]] = []  # (start of WHEN, end of its condition)
    else_at = None
    try:
        for w, m in _top_level(toks[1:-1]):
            if w == "WHEN":
                whens.append((m.start(), -1))
            elif w == "THEN" and whens and whens[-1][1] == -1:
                whens[-1] = (whens[-1][0], m.start())
            elif w == "ELSE":
                else_at = m.end()
    except _Commented:
        return None
    if else_at is None or not whens or any(e == -1 for _, e in whens):
        return None
    otherwise = case[else_at:toks[-1].start()].strip()
    floors = [_similarity_floor(case[s + len("WHEN"):e]) for s, e in whens]
    # The first level from which every later one needs the same similarity.
    common: dict[str, tuple[float, str]] = {}
    first = len(whens)
    for k in range(len(whens) - 1, -1, -1):
        shared = {s: min(common[s], floors[k][s]) if common else floors[k][s]
                  for s in floors[k] if not common or s in common}
        if not shared:
            break
        common, first = shared, k
    if first == len(whens) or not common:
        return None
    sim = min(common)
    at = whens[first][0]
    return f"{case[:at]}WHEN {sim} < {common[sim][1]} THEN {otherwise} {case[at:]}"


_CASE_OR_END = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\b(CASE|END)\b", re.IGNORECASE)


#: What :func:`nest_conjunctions` reads: string literals and quoted names (skipped),
#: comments (it gives up), parentheses and the keywords that shape a condition.
_COND_TOKEN = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--|/\*|[()]|"
    r"\b(CASE|WHEN|THEN|END|AND|OR|BETWEEN)\b", re.IGNORECASE)
_NEXT_IS_WHEN = re.compile(r"\s*WHEN\b", re.IGNORECASE)
#: A function call (not a keyword before a bracket): what makes a later part costly.
_CALL = re.compile(r"\b(?!(?:NOT|AND|OR|IN|IS|CASE|WHEN|THEN|ELSE|EXISTS)\b)"
                   r"[A-Za-z_][A-Za-z0-9_]*\s*\(", re.IGNORECASE)


def nest_conjunctions(sql: str) -> str:
    """``sql`` with each ``WHEN a AND b AND c THEN`` of a searched ``CASE`` written
    ``WHEN (CASE WHEN a THEN (CASE WHEN b THEN (c) ELSE false END) ELSE false END) THEN``.

    A ``WHEN`` takes its branch only where the condition is true, and both forms are
    true exactly where ``a``, ``b`` and ``c`` all are (a null or false part makes the
    first null or false, the second false): every row takes the same branch. DuckDB
    evaluates a conjunction in a ``WHEN`` over every row the ``CASE`` reaches, so a
    costly part runs even where a cheap one before it is false (the address's token
    overlap after its Jaro-Winkler test: 1.4 s of CPU over FEBRL 4's 2M u-sampling
    pairs); a ``CASE`` computes a branch only for the rows that take it. Conditions with
    a top-level ``OR`` or ``BETWEEN``, those whose later parts call no function (plain
    comparisons cost less than the nesting), the operands of a simple ``CASE x WHEN v``,
    and SQL with comments are left as they are."""
    if "case" not in sql.lower() or " and " not in sql.lower():
        return sql
    return _nest(sql)


def _nest(sql: str) -> str:
    toks = [(m.group(1).upper() if m.group(1) else m.group(0), m.start(), m.end())
            for m in _COND_TOKEN.finditer(sql)]
    if any(t in ("--", "/*") for t, _, _ in toks):
        return sql
    out, pos, i = [], 0, 0
    searched: list[bool] = []  # the open CASEs: searched (CASE WHEN) or simple
    while i < len(toks):
        word, _, end = toks[i]
        if word == "CASE":
            searched.append(bool(_NEXT_IS_WHEN.match(sql, end)))
        elif word == "END" and searched:
            searched.pop()
        elif word == "WHEN" and searched:
            depth = cases = 0
            ands: list[int] = []
            plain = True
            for j in range(i + 1, len(toks)):
                w = toks[j][0]
                if w == "(":
                    depth += 1
                elif w == ")":
                    depth -= 1
                elif w == "CASE":
                    cases += 1
                elif w == "END":
                    cases -= 1
                elif depth == 0 and cases == 0:
                    if w == "THEN":
                        break
                    if w == "AND":
                        ands.append(j)
                    elif w in ("OR", "BETWEEN"):
                        plain = False
                if depth < 0 or cases < 0:
                    return sql  # not SQL this reads
            else:
                return sql
            cond_end = toks[j][1]
            if ands and plain and searched[-1] and \
                    _CALL.search(sql, toks[ands[0]][2], cond_end):
                cuts = [end, *(x for a in ands for x in (toks[a][1], toks[a][2])), cond_end]
                parts = [_nest(sql[a:b].strip())
                         for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
                cond = parts[-1]
                for part in reversed(parts[:-1]):
                    cond = f"(CASE WHEN {part} THEN ({cond}) ELSE false END)"
                out += [sql[pos:end], f" {cond} "]
            else:
                out += [sql[pos:end], _nest(sql[end:cond_end])]
            pos, i = cond_end, j
            continue
        i += 1
    return "".join(out) + sql[pos:]


_PAIR_COLUMN = r'(?:"[^"]+_[lr]"|[A-Za-z_][A-Za-z0-9_]*_[lr])'
#: The arguments of a similarity call on a pair's columns: ``a_l, a_r`` (maybe quoted).
_PAIR_ARGS = re.compile(rf"{_PAIR_COLUMN}\s*,\s*{_PAIR_COLUMN}")


def _case_spans(sql: str) -> list[tuple[int, int]]:
    """(start, end) of every outermost ``CASE … END`` of ``sql`` (string literals and
    quoted names skipped)."""
    spans, depth, start = [], 0, 0
    for m in _CASE_OR_END.finditer(sql):
        word = (m.group(1) or "").upper()
        if word == "CASE":
            if depth == 0:
                start = m.start()
            depth += 1
        elif word == "END" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    return spans


def hoist_similarities(sql: str) -> str:
    """``sql`` with each similarity call that a ``CASE`` tests more than once (a
    comparison's Jaro-Winkler levels) computed once per row: the ``CASE`` becomes
    ``list_transform([call], lambda __lr_s0: CASE … __lr_s0 … END)[1]``. DuckDB
    evaluates every ``WHEN`` that names the call again (FEBRL 4's address comparison,
    with five, cost four times as much); the values are the same."""
    if "_similarity(" not in sql.lower() and "jaccard(" not in sql.lower():
        return sql
    out, last = [], 0
    for start, end in _case_spans(sql):
        case = sql[start:end]
        calls: dict[str, int] = {}
        for m in SIMILARITY_CALL.finditer(case):
            # Only calls on a pair's own columns (``x_l``, ``x_r``) move out of the CASE:
            # anything else may name a lambda's parameter.
            if _PAIR_ARGS.fullmatch(m.group(0)[m.group(0).index("(") + 1:-1].strip()):
                calls[m.group(0)] = calls.get(m.group(0), 0) + 1
        hoisted = [c for c, n in calls.items() if n > 1]
        if not hoisted:
            continue
        body = case
        for i, call in enumerate(hoisted):
            body = body.replace(call, f"__lr_s{i}")
        for i, call in reversed(list(enumerate(hoisted))):
            body = f"list_transform([{call}], lambda __lr_s{i}: {body})[1]"
        out += [sql[last:start], body]
        last = end
    return "".join(out) + sql[last:] if out else sql


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
    - one-side values (regular-expression extracts and their ``NULLIF(…, '')``, a
      date's year, month and day, the lengths and halves above) are read from columns
      computed once per record.

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

    def date_part(match: re.Match[str]) -> str:
        part, col, side = match.groups()
        return f'{on_record(f"{part.lower()}({chr(34)}{col}{chr(34)})")}_{side}'

    def nullif(match: re.Match[str]) -> str:
        name, side = match.groups()
        sql = next(e for e, n in per_record.items() if n == name)
        return f"{on_record(f'NULLIF({sql}, {chr(39) * 2})')}_{side}"

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
        c = ONE_SIDE_DATE_PART.sub(date_part, ONE_SIDE_EXTRACT.sub(record, c))
        out.append(_NULLIF_RECORD.sub(nullif, c))
    return out, per_pair, per_record


#: Most u-sampling queries run at once (see :func:`query_threads`).
MAX_PARALLEL_QUERIES = 4


def query_threads(db_api: Any) -> int:
    """How many u-sampling queries to run at once on ``db_api``'s DuckDB connection: its
    ``threads`` setting (one when pairs link concurrently, each on one thread), at most
    :data:`MAX_PARALLEL_QUERIES`. DuckDB runs the sampled pairs' cross join in one
    thread whatever the setting (the probe side is one small vector), so one query
    would use one core; queries over disjoint buckets run side by side."""
    con = getattr(db_api, "duckdb_con", None)
    if con is None:
        return 1
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    return max(1, min(MAX_PARALLEL_QUERIES, threads))


def split_buckets(buckets: tuple[int, ...], parts: int) -> list[tuple[int, ...]]:
    """``buckets`` dealt round-robin into at most ``parts`` non-empty groups."""
    return [g for g in (buckets[i::parts] for i in range(max(1, parts))) if g]


def executed_rows(con: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and rows of ``sql`` (as :func:`prepare_sql` writes it), run once
    through ``con``'s ``execute`` (a DuckDB connection or cursor): a relation (``sql``)
    would plan the query twice, once to describe its columns."""
    cur = con.execute(prepare_sql(sql))
    return [d[0] for d in cur.description], cur.fetchall()


def run_queries(db_api: Any, sqls: list[str]) -> list[dict[str, Any]]:
    """The rows (as dicts) of every query of ``sqls``, in order: one query on
    ``db_api`` itself; several at once, each in its own thread on its own cursor of the
    DuckDB connection (written as the backend writes them, :func:`prepare_sql`). If
    one fails or the wait is interrupted (Ctrl-C), the others are interrupted and the
    error raised once all have stopped."""
    if len(sqls) == 1:
        rows_of = getattr(db_api, "rows", None)  # one plan (linkready's DuckDB backend)
        if rows_of is not None:
            names, rows = rows_of(sqls[0])
            return [dict(zip(names, r, strict=True)) for r in rows]
        rel = db_api._execute_sql_against_backend(sqls[0])
        names = rel.columns
        return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    from concurrent.futures import ThreadPoolExecutor

    con = db_api.duckdb_con
    cursors = [con.cursor() for _ in sqls]

    def one(cur: Any, sql: str) -> list[dict[str, Any]]:
        names, rows = executed_rows(cur, sql)
        return [dict(zip(names, r, strict=True)) for r in rows]

    pool = ThreadPoolExecutor(max_workers=len(sqls), thread_name_prefix="linkready-u")
    try:
        futures = [pool.submit(one, cur, sql) for cur, sql in zip(cursors, sqls, strict=True)]
        try:
            return [row for f in futures for row in f.result()]
        except BaseException:
            for cur in cursors:
                cur.interrupt()
            raise
    finally:
        pool.shutdown(wait=True)
        for cur in cursors:
            cur.close()


def _every_pair_kept(db_api: Any, sample: str, source: str) -> bool:
    """Whether Splink's pair condition (``l`` uid < ``r`` uid, sources different) holds
    for every pair of the ``sample``'s first source (the smaller name, Splink's left)
    and its second: the composite uid is ``<source>-__-<id>``, so when the smaller
    source name is not a prefix of the larger one the names decide every comparison of
    two uids, under DuckDB's binary string order (no default collation). Splink's
    query tests the condition on each pair (a merge join: about a quarter of the u
    sample's CPU time on FEBRL 4)."""
    con = getattr(db_api, "duckdb_con", None)
    if con is None or con.execute(
            "SELECT current_setting('default_collation')").fetchall()[0][0]:
        return False
    names = [r[0] for r in con.execute(
        f"SELECT DISTINCT {source} FROM {sample}").fetchall()]
    if len(names) != 2 or not all(isinstance(n, str) for n in names):
        return False
    low, high = sorted(names, key=lambda n: n.encode())
    return not high.startswith(low)


def _sampler(linker: Any, max_pairs: float, seed: int | None, buckets: int) -> Any:
    """The seeded record sample Splink's u sampling takes (``max_pairs`` pairs), split
    into ``buckets`` hash buckets of the right record as Splink chunks it. Returns
    ``(comparisons without term-frequency adjustment, bucket_counts(names, which),
    drop())``, ``which`` the buckets to read (None: all)."""
    from splink.internals.estimate_u import _proportion_sample_size_link_only
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

    # Splink's pair condition and chunk bucket, with the composite id and its hash
    # computed once per sampled record rather than once per pair (same values).
    uid = _composite_unique_id_from_nodes_sql(uid_cols)
    bucket = f"(ABS({db_api.sql_dialect.hash_function_expression(uid)}) % {buckets})"
    where = (f"where l.__lr_uid < r.__lr_uid "
             f"and l.{source_col.name} != r.{source_col.name}")
    if _every_pair_kept(db_api, df_sample.physical_name, source_col.name):
        where = ""  # a plain cross join: the same pairs, without testing each
    parts = query_threads(db_api)

    def bucket_counts(names: list[str], which: tuple[int, ...] | None
                      ) -> dict[int, list[dict[str, Any]]]:
        """Per right-record bucket, the level counts of the comparisons called ``names``:
        ``{bucket: records}`` with Splink's ``output_column_name``,
        ``comparison_vector_value`` and ``u_count``. The buckets are split between
        ``parts`` queries run at once (each query's cross join runs in one thread)."""
        chosen = [c for c in comparisons if c.output_column_name in names]
        cv_cols, per_pair, per_record = rewrite_levels(
            Settings.columns_to_select_for_comparison_vector_values(
                unique_id_input_columns=uid_cols, comparisons=chosen,
                retain_matching_columns=False, additional_columns_to_retain=[]))
        blocking_cols = [c for u in uid_cols for c in u.l_r_names_as_l_r]
        for comp in chosen:
            blocking_cols += comp._columns_to_select_for_blocking()
        blocking_cols += [f"{s}.{n} as {n}_{s}" for n in per_record.values() for s in "lr"]
        gammas = [c._gamma_column_name for c in chosen]

        def sql_for(which: tuple[int, ...] | None) -> str:
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
                    + (f" where {bucket} in ({', '.join(map(str, which))})"
                       if which is not None and side == "right" else ""),
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
            pipe.enqueue_sql(
                f"select {', '.join([*cv_cols, '__lr_bucket'])} from __lr_u_pairs",
                "__splink__df_comparison_vectors")
            # One scan of the pairs for every comparison (a union of per-comparison
            # GROUP BYs would materialise the pairs to read them once per comparison).
            sets = ", ".join(f"(__lr_bucket, {g})" for g in gammas)
            pipe.enqueue_sql(
                f"select __lr_bucket, {', '.join(gammas)}, cast(count(*) as double) "
                f"as u_count from __splink__df_comparison_vectors "
                f"group by grouping sets ({sets})", "__splink__u_bucket_counts")
            # Not materialised: DuckDB materialises the grouping sets' input itself, the
            # comparison vectors (a few small integers per pair), each similarity
            # computed once per pair in the projection below it. Materialising the wide
            # pairs (every compared column of both sides) copied ~30 columns per pair:
            # about a sixth more CPU on the default world, ~5% on FEBRL 4 (same counts).
            return pipe.generate_cte_pipeline_sql()

        groups = split_buckets(tuple(range(buckets)) if which is None else which, parts)
        rows = run_queries(db_api, [sql_for(which if len(groups) == 1 else g)
                                    for g in groups])
        by_bucket: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            # A comparison-vector value is never null (-1 is "null"): the one set in a
            # row names the comparison whose level it counts.
            (comp, value), = ((c, r[g]) for c, g in zip(chosen, gammas, strict=True)
                              if r[g] is not None)
            by_bucket.setdefault(int(r["__lr_bucket"]), []).append(
                {"output_column_name": comp.output_column_name,
                 "comparison_vector_value": value, "u_count": r["u_count"]})
        return dict(sorted(by_bucket.items()))

    return comparisons, bucket_counts, df_sample.drop_table_from_database_and_remove_from_cache



def estimate_u(linker: Any, max_pairs: float, seed: int | None,
               min_count_per_level: int | None = 100, num_chunks: int = 10) -> None:
    """Set u on ``linker`` (a two-table link-only Splink linker) as
    ``linker.training.estimate_u_using_random_sampling`` would with these arguments."""
    from splink.internals.estimate_u import _MUCountsAccumulator

    if num_chunks < 1:
        raise ValueError("num_chunks must be >= 1")
    use_probe = num_chunks > 1
    comparisons, bucket_counts, drop = _sampler(
        linker, max_pairs, seed, num_chunks * PROBE_MULTIPLIER if use_probe else 1)

    def of(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        return [r for r in records if r["output_column_name"] == name]

    def met(acc: Any) -> bool:
        return min_count_per_level is not None and \
            acc.all_levels_meet_min_u_count(min_count_per_level)

    names = [c.output_column_name for c in comparisons]
    done: dict[str, Any] = {}
    # The first chunk's buckets (the probe's bucket 0 among them) are counted for every
    # comparison in one query; the other chunks' only for the comparisons still short
    # of the minimum after it (one that stops at the first chunk, as the postcode
    # often does, is not counted over the other nine tenths of the pairs).
    first = tuple(b for b in range(num_chunks * PROBE_MULTIPLIER) if b % num_chunks == 0) \
        if use_probe else None
    counts = bucket_counts(names, first)
    if use_probe:
        probe = counts.get(0, [])
        for comp in comparisons:
            acc = _MUCountsAccumulator(comp)
            acc.update_from_chunk_counts(of(probe, comp.output_column_name))
            if met(acc):
                done[comp.output_column_name] = acc
    accs = {c.output_column_name: _MUCountsAccumulator(c) for c in comparisons
            if c.output_column_name not in done}
    chunk = 0  # Splink's chunk ``chunk + 1`` of num_chunks
    while accs:
        for name, acc in list(accs.items()):
            for b, records in counts.items():
                if b % num_chunks == chunk:
                    acc.update_from_chunk_counts(of(records, name))
            if met(acc) or chunk == num_chunks - 1:
                done[name] = accs.pop(name)
        chunk += 1
        if chunk == 1 and accs:
            counts = bucket_counts(list(accs), tuple(
                b for b in range(num_chunks * PROBE_MULTIPLIER) if b % num_chunks))
    drop()

    u: dict[str, dict[int, float | None]] = {}
    for comp in comparisons:
        records = [r for r in done[comp.output_column_name].to_record_list()
                   if r["comparison_vector_value"] != -1]
        total = sum(r["u_count"] for r in records)
        u[comp.output_column_name] = {
            int(r["comparison_vector_value"]): (r["u_count"] / total if r["u_count"] else None)
            for r in records}
    _set_u(linker, u, "estimate u by random sampling")


def _set_u(linker: Any, u: dict[str, dict[int, float | None]], label: str) -> None:
    """Set ``u[comparison][comparison-vector value]`` on ``linker`` (None: the level was
    not observed), as Splink's own estimate does."""
    from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT
    from splink.internals.m_u_records_to_parameters import (
        append_u_probability_to_comparison_level_trained_probabilities,
        m_u_records_to_lookup_dict,
    )

    settings = linker._settings_obj
    for original in settings.comparisons:
        name = original.output_column_name
        params = [{"comparison_vector_value": value, "output_column_name": name,
                   "m_probability": None,
                   "u_probability": LEVEL_NOT_OBSERVED_TEXT if p is None else p}
                  for value, p in u[name].items()]
        lookup = m_u_records_to_lookup_dict(params)
        for level in original._comparison_levels_excluding_null:
            append_u_probability_to_comparison_level_trained_probabilities(
                level, lookup, name, label)
    linker._populate_m_u_from_trained_values()
    settings._columns_without_estimated_parameters_message()



#: Levels counted exactly by listing the pairs a join finds (not by the join's size
#: alone) only while the join finds at most this share of the u sample's pairs (each
#: listed pair costs what a sampled one does); beyond, they are sampled.
EXACT_MAX_LISTED_SHARE = 0.05
#: Sample chunks (right-record hash buckets) for :func:`estimate_u_exact`, and the stages
#: they are read in (a tenth, then two more tenths, then the rest): a comparison reads
#: the next stage only while it needs more counts and could get them.
EXACT_SAMPLE_CHUNKS = 10
EXACT_SAMPLE_STAGES = ((0,), (1, 2), (3, 4, 5, 6, 7, 8, 9))


def estimate_u_exact(linker: Any, max_pairs: float, seed: int | None,
                     min_count_per_level: int = 100,
                     max_listed_share: float = EXACT_MAX_LISTED_SHARE) -> dict[str, Any]:
    """Set u on ``linker`` (a two-table link-only Splink linker on DuckDB): exactly,
    over every left × right pair, for the levels :func:`linkready.link.u_exact.plan`
    finds countable (listing at most ``max_listed_share`` × ``max_pairs`` pairs for a
    level); by seeded random sampling (Splink's sample of ``max_pairs`` pairs)
    for the others, as shares of the pairs the exact levels leave.

    The sample is read in stages (:data:`EXACT_SAMPLE_STAGES`): a comparison reads the
    next stage only while one of its sampled levels (other than "else") has fewer than
    ``min_count_per_level`` pairs and, at the rate seen so far, would reach that many
    by the end of the sample (a level too rare to be counted that precisely by the whole
    sample is not worth reading it for; one seen nowhere stays unobserved, as in
    Splink's method). A comparison with no sampled level but "else" reads none.

    Returns what was done, per comparison: ``exact_levels``
    (the labels of the levels counted exactly), ``sampled_pairs`` (sampled non-null pairs read) and
    ``non_null_pairs`` (every pair, exact)."""
    from linkready.link import u_exact

    settings = linker._settings_obj
    if settings._link_type != "link_only" or len(linker._input_tables_dict) != 2:
        raise ValueError("estimate_u_exact handles a two-table link_only model only")
    con = linker._db_api.duckdb_con
    left, right = (df.physical_name for df in linker._input_tables_dict.values())

    def scalar(sql: str) -> int:
        return int(con.execute(sql).fetchall()[0][0])

    comparisons = [deepcopy(c) for c in settings.comparisons]
    for comp in comparisons:
        for level in comp.comparison_levels:
            level._tf_adjustment_column = None
    exact: dict[str, dict[int, int]] = {}
    non_null: dict[str, int] = {}
    for comp in comparisons:
        name = comp.output_column_name
        exact[name] = {}
        p = u_exact.plan(comp)
        if p is None:
            continue
        non_null[name] = (
            scalar(f"SELECT count(*) FROM {left} AS l WHERE NOT coalesce({p.null_left}, false)")
            * scalar(f"SELECT count(*) FROM {right} AS r "
                     f"WHERE NOT coalesce({p.null_right}, false)"))
        cols = ", ".join(comp._columns_to_select_for_blocking())
        case = comp._case_statement.rsplit(" as ", 1)[0]
        for level in p.exact:
            sizes = [scalar(u_exact.join_size_sql(left, right, j)) for j in level.joins]
            if level.join_size_is_count:
                exact[name][level.value] = sizes[0]
                continue
            if sum(sizes) > max_listed_share * max_pairs:
                continue  # sampled instead
            count = 0
            for i, join in enumerate(level.joins):
                # A pair found by an earlier branch's join is counted there.
                earlier = "".join(f" AND NOT coalesce({j}, false)" for j in level.joins[:i])
                count += scalar(f"SELECT count(*) FROM (SELECT {cols} FROM {left} AS l "
                                f"JOIN {right} AS r ON {join}{earlier}) "
                                f"WHERE ({case}) = {level.value}")
            exact[name][level.value] = count

    def sampled_levels(comp: Any) -> list[int]:
        return [int(lv.comparison_vector_value) for lv in comp._comparison_levels_excluding_null
                if int(lv.comparison_vector_value) not in exact[comp.output_column_name]]

    def needs_sample(comp: Any) -> bool:
        else_only = all(lv._is_else_level for lv in comp._comparison_levels_excluding_null
                        if int(lv.comparison_vector_value) in sampled_levels(comp))
        return not (else_only and comp.output_column_name in non_null)

    counts: dict[str, dict[int, float]] = {c.output_column_name: {} for c in comparisons}
    sampling = [c for c in comparisons if needs_sample(c)]
    if sampling:
        _, bucket_counts, drop = _sampler(linker, max_pairs, seed, EXACT_SAMPLE_CHUNKS)

        def add(by_bucket: dict[int, list[dict[str, Any]]]) -> None:
            for records in by_bucket.values():
                for r in records:
                    got = counts[r["output_column_name"]]
                    v = int(r["comparison_vector_value"])
                    got[v] = got.get(v, 0.0) + r["u_count"]

        def wants_more(comp: Any, read: int) -> bool:
            got = counts[comp.output_column_name]
            scale = EXACT_SAMPLE_CHUNKS / read  # the whole sample over what was read
            return any(min_count_per_level > got.get(v, 0.0) and
                       got.get(v, 0.0) * scale >= min_count_per_level
                       for v in sampled_levels(comp) if not
                       comp._get_comparison_level_by_comparison_vector_value(v)._is_else_level)

        try:
            reading, read = sampling, 0
            for stage in EXACT_SAMPLE_STAGES:
                if not reading:
                    break
                add(bucket_counts([c.output_column_name for c in reading], stage))
                read += len(stage)
                reading = [c for c in reading if wants_more(c, read)]
        finally:
            drop()

    u: dict[str, dict[int, float | None]] = {}
    report: dict[str, Any] = {}
    for comp in comparisons:
        name = comp.output_column_name
        levels = [int(lv.comparison_vector_value)
                  for lv in comp._comparison_levels_excluding_null]
        sampled = [v for v in levels if v not in exact[name]]
        seen = {v: counts[name].get(v, 0.0) for v in sampled}
        total = non_null.get(name, 0)
        if total:
            left_share = 1.0 - sum(exact[name].values()) / total
            u[name] = {v: (exact[name][v] / total or None) for v in exact[name]}
        else:  # no exact count (or no non-null pair): the sample alone, as Splink's
            left_share = 1.0
            u[name] = {}
        in_sample = sum(seen.values())
        for v in sampled:
            if not in_sample and sampled == [v] and name in non_null:
                u[name][v] = left_share or None  # "else" alone: what the rest leave
            else:
                u[name][v] = (left_share * seen[v] / in_sample) if seen[v] else None
        report[name] = {"exact_levels": [
                            lv.label_for_charts for lv in comp._comparison_levels_excluding_null
                            if int(lv.comparison_vector_value) in exact[name]],
                        "sampled_pairs": int(sum(n for v, n in counts[name].items()
                                                 if v != -1)),
                        "non_null_pairs": total}
    _set_u(linker, u, "estimate u: exact counts and random sampling")
    return report
