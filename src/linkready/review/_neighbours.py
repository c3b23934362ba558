"""Nearest neighbours of left records that have no candidate pair: the pair's saved
Splink model re-run over loose blocking rules, for the sampled records only.

Without this stratum, missed matches that blocking never compared (or that scored
under 0.01) would never be shown to a reviewer and recall would be overstated.
"""

from __future__ import annotations

import copy
from typing import Any

import pyarrow as pa

from linkready.link.backends import DuckDBBackend
from linkready.link.training import new_linker, quiet_splink
from linkready.link.workspace import source_select_sql, stage_source

#: Loose rules per field: a right record sharing any one of these is a neighbour.
LOOSE_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("nhs_number",), "l.nhs_number = r.nhs_number"),
    (("dob",), "l.dob = r.dob"),
    (("family_name",), "l.family_name = r.family_name"),
    (("postcode",), "l.postcode = r.postcode"),
    (("given_name", "dob"), "l.given_name = r.given_name AND year(l.dob) = year(r.dob)"),
    (("family_name", "dob"),
     "substr(l.family_name, 1, 2) = substr(r.family_name, 1, 2) AND year(l.dob) = year(r.dob)"),
    # Names with a typo and a DOB missing or wrong: the commonest misses left over.
    (("given_name", "family_name"),
     "l.given_name = r.given_name AND substr(l.family_name, 1, 1) = substr(r.family_name, 1, 1)"),
    (("given_name", "family_name"),
     "substr(l.family_name, 1, 3) = substr(r.family_name, 1, 3) "
     "AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)"),
)
LOOSE_RULE_TEXT = ("a right record sharing the NHS number, the DOB, the family name or the "
                   "postcode; or the given name and birth year; or the first two letters of "
                   "the family name and birth year; or the given name and the family name's "
                   "initial; or the first three letters of the family name and the given "
                   "name's initial")


def model_fields(model: dict[str, Any]) -> set[str]:
    """The fields a saved model compares."""
    return {c.get("output_column_name", "") for c in model.get("comparisons", [])}


def loose_rules(fields: set[str]) -> list[dict[str, str]]:
    """Splink blocking rules (as saved-model dicts) for the fields the model compares."""
    return [{"blocking_rule": sql, "sql_dialect": "duckdb"}
            for need, sql in LOOSE_RULES if set(need) <= fields]


def nearest(con: Any, model: dict[str, Any], left: str, right: str,
            left_ids: list[str]) -> pa.Table:
    """For each of ``left_ids``: its highest-scoring right record among the loose
    neighbours, and that pair's match probability under the saved model (``record_id_r``
    and ``p`` are null where no right record shares anything).

    ``con`` is the workspace connection (:func:`linkready.link.workspace.connect`)."""

    ids = sorted(set(left_ids))
    empty = pa.table({"record_id_l": pa.array(ids, pa.string()),
                      "record_id_r": pa.nulls(len(ids), pa.string()),
                      "p": pa.nulls(len(ids), pa.float64())})
    rules = loose_rules(model_fields(model))
    if not ids or not rules:
        return empty
    be = DuckDBBackend(con, spill=False)
    con.register("__lr_rv_ids", pa.table({"id": pa.array(ids, pa.string())}))
    lt = be.stage("__lr_rv_left", f"SELECT * FROM ({source_select_sql(left)}) s "
                                  "WHERE s.record_id IN (SELECT id FROM __lr_rv_ids)")
    rt = stage_source(be, "__lr_rv_right", right)
    con.unregister("__lr_rv_ids")
    settings = copy.deepcopy(model)
    settings["blocking_rules_to_generate_predictions"] = rules
    db_api = be.db_api()
    inputs = [db_api.register(lt, dataset_display_name="left"),
              db_api.register(rt, dataset_display_name="right")]
    linker = new_linker(inputs, settings)
    try:
        with quiet_splink():
            pred = linker.inference.predict(warning_mode="never")
            best = pred.query_sql(
                "SELECT l AS record_id_l, r AS record_id_r, p FROM (SELECT "
                "CASE WHEN source_dataset_l = 'left' THEN record_id_l ELSE record_id_r END AS l,"
                " CASE WHEN source_dataset_l = 'left' THEN record_id_r ELSE record_id_l END AS r,"
                " match_probability AS p FROM {this}) "
                "QUALIFY row_number() OVER (PARTITION BY l ORDER BY p DESC, r) = 1 "
                "ORDER BY 1").as_pyarrow_table()
    finally:
        db_api.delete_tables_created_by_splink_from_db()
        be.drop(lt, rt)
    found = {r["record_id_l"]: (r["record_id_r"], r["p"]) for r in best.to_pylist()}
    return pa.table({
        "record_id_l": pa.array(ids, pa.string()),
        "record_id_r": pa.array([found.get(i, (None, None))[0] for i in ids], pa.string()),
        "p": pa.array([found.get(i, (None, None))[1] for i in ids], pa.float64()),
    })
