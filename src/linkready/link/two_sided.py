"""Splink's link-only blocking self-join of the two inputs' concatenation, run as a join
of one input against the other.

Splink 5 blocks an EM training session (and its probe count, and the prior's rule
counts) over ``__splink__df_concat``, both inputs stacked, joined to itself::

    from __splink__df_concat as l inner join __splink__df_concat as r on (<rule>)
    where l."source_dataset" || '-__-' || l."record_id"
          < r."source_dataset" || '-__-' || r."record_id"
      and l."source_dataset" != r."source_dataset"

The join builds every pair the rule finds *within* each input too (GP register
records sharing a name with other GP register records: ~780k records joined to
themselves), only for the WHERE clause to drop them: on the ``ics`` world's
children's social care pair, 6.4 s of CPU to keep 180k of the pairs. With two
inputs named ``A`` < ``B`` (neither a prefix of the other), the WHERE clause keeps
exactly the pairs with ``l`` from ``A`` and ``r`` from ``B`` (``A-__-x`` <
``B-__-y`` for every ``x`` and ``y``; the reverse never holds). :func:`split_self_join`
restricts ``l`` to ``A`` and ``r`` to ``B`` before the join, and keeps the WHERE clause:
the same rows (in another order, which no consumer depends on: EM sums them, counts
count them), without the within-input pairs.

Pure: reads and writes SQL text; anything it does not recognise is left as it is.
"""

from __future__ import annotations

import re

#: The concatenation's branches: ``select '<name>' as <column>, …`` (Splink's
#: ``vertically_concatenate_sql``).
_BRANCH = re.compile(r"select\s+'((?:[^']|'')*)'\s+as\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?\s*,",
                     re.IGNORECASE)
#: The concatenation's definition as a CTE.
_CONCAT_CTE = re.compile(r"\b(__splink__df_concat)\s+as\s*\(", re.IGNORECASE)
#: A self-join of a table with the link-only WHERE clause (the rule between them).
_SELF_JOIN = re.compile(
    r"\bfrom\s+(?P<t>__splink__df_concat)\s+as\s+l\s+inner\s+join\s+(?P=t)\s+as\s+r\s+"
    r"on\s+(?P<rule>.*?)\s*where\s+"
    r"l\.\"?(?P<sd>[A-Za-z_][A-Za-z0-9_]*)\"?\s*\|\|\s*'-__-'\s*\|\|\s*"
    r"l\.\"?(?P<uid>[A-Za-z_][A-Za-z0-9_]*)\"?\s*<\s*"
    r"r\.\"?(?P=sd)\"?\s*\|\|\s*'-__-'\s*\|\|\s*r\.\"?(?P=uid)\"?\s+and\s+"
    r"l\.\"?(?P=sd)\"?\s*!=\s*r\.\"?(?P=sd)\"?",
    re.IGNORECASE | re.DOTALL)
#: What a blocking rule between ``on`` and ``where`` may not hold (another query).
_OTHER_QUERY = re.compile(r"\b(select|from|join|union)\b", re.IGNORECASE)


def _cte_body(sql: str, start: int) -> str | None:
    """The text inside the brackets that open at ``start`` (string literals skipped)."""
    depth, i = 0, start
    while i < len(sql):
        ch = sql[i]
        if ch == "'":
            end = sql.find("'", i + 1)
            while end != -1 and sql.startswith("''", end):
                end = sql.find("'", end + 2)
            if end == -1:
                return None
            i = end
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return sql[start + 1:i]
        i += 1
    return None


def _source_names(sql: str) -> tuple[str, str, str] | None:
    """(source column, first name, second name in string order) of the two-input
    concatenation defined in ``sql``; None unless it is exactly two literal branches
    on one column, their names different and neither a prefix of the other."""
    cte = _CONCAT_CTE.search(sql)
    if cte is None:
        return None
    body = _cte_body(sql, cte.end() - 1)
    if body is None or len(re.findall(r"\bunion\s+all\b", body, re.IGNORECASE)) != 1:
        return None
    branches = _BRANCH.findall(body)
    if len(branches) != 2 or branches[0][1] != branches[1][1]:
        return None
    a, b = sorted(name.replace("''", "'") for name, _ in branches)
    if a == b or b.startswith(a):
        return None
    return branches[0][1], a, b


def split_self_join(sql: str) -> str:
    """``sql`` with each link-only self-join of ``__splink__df_concat`` (see the module
    docstring) joining the first input's records to the second's only; the same rows."""
    if "__splink__df_concat as l" not in sql.lower():
        return sql
    names = _source_names(sql)
    if names is None:
        return sql
    column, first, second = names

    def side(table: str, name: str, alias: str) -> str:
        quoted = name.replace("'", "''")
        return f'(SELECT * FROM {table} WHERE "{column}" = \'{quoted}\') as {alias}'

    def one(m: re.Match[str]) -> str:
        if m.group("sd") != column or _OTHER_QUERY.search(m.group("rule")):
            return m.group(0)
        t = m.group("t")
        rest = m.group(0)[m.start("rule") - m.start():]
        return f"from {side(t, first, 'l')} inner join {side(t, second, 'r')} on {rest}"

    return _SELF_JOIN.sub(one, sql)
