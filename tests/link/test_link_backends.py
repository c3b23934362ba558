"""The DuckDB backend's rewrite of Splink's EM step gives the same counts."""

from __future__ import annotations

import duckdb

from linkready.link.backends import materialise_em_predict

# The shape of Splink 5's EM query (expectation_maximisation.py): the pairs' match
# probabilities in a CTE, summed per level of each comparison in a UNION ALL.
EM_SQL = """CREATE TABLE __splink__m_u_counts_0123abcd AS
WITH
__splink__df_match_weight_parts as (
    select gamma_a, CASE WHEN gamma_a = -1 THEN 0.0 WHEN gamma_a = 1 THEN 3.7
        ELSE -2.1 END as mw_a,
    gamma_b, CASE WHEN gamma_b = -1 THEN 0.0 WHEN gamma_b = 1 THEN 1.3
        ELSE -0.4 END as mw_b
    from cv
),
__splink__df_predict as (
    select -1.5 + mw_a + mw_b as match_weight,
    POWER(cast(2 as float8), -1.5 + mw_a + mw_b) /
        (1.0 + POWER(cast(2 as float8), -1.5 + mw_a + mw_b)) as match_probability,
    gamma_a, gamma_b
    from __splink__df_match_weight_parts
)
select gamma_a as comparison_vector_value, sum(match_probability * 1) as m_count,
       sum((1-match_probability) * 1) as u_count, 'a' as output_column_name
from __splink__df_predict group by gamma_a
UNION ALL
select gamma_b as comparison_vector_value, sum(match_probability * 1) as m_count,
       sum((1-match_probability) * 1) as u_count, 'b' as output_column_name
from __splink__df_predict group by gamma_b
UNION ALL
select 0 as comparison_vector_value, sum(match_probability * 1) / sum(1) as m_count,
       sum((1-match_probability) * 1) / sum(1) as u_count, '_lambda' as output_column_name
from __splink__df_predict"""


def test_em_probabilities_computed_once_same_counts() -> None:
    fast = materialise_em_predict(EM_SQL)
    assert fast.count("MATERIALIZED") == 1 and fast != EM_SQL
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("CREATE TABLE cv AS SELECT (i % 3) - 1 AS gamma_a, (i % 5 = 0)::INT AS "
                "gamma_b FROM range(5000) t(i)")
    got = {}
    for name, sql in (("splink", EM_SQL), ("fast", fast)):
        con.execute(sql.replace("__splink__m_u_counts_0123abcd", f"counts_{name}"))
        got[name] = con.execute(f"SELECT * FROM counts_{name} ORDER BY 4, 1").fetchall()
    assert got["fast"] == got["splink"]  # the same floats, not just close
    assert len(got["splink"]) == 3 + 2 + 1


def test_other_sql_is_left_alone() -> None:
    for sql in ("CREATE TABLE __splink__df_predict_1 AS WITH __splink__df_predict as "
                "(select 1) select * from __splink__df_predict",
                "SELECT * FROM __splink__m_u_counts_1", EM_SQL.replace("CREATE", "-- ")):
        assert materialise_em_predict(sql) == sql
