"""Scoring only the candidates whose match-weight bound reaches the kept weight gives
the same scored pairs as scoring every candidate."""

from __future__ import annotations

from pathlib import Path

import pytest
from link_world import staged_first_pair

from linkready.link import diagnostic, predict, prefilter, training
from linkready.link.settings import TrainingConfig, blocking_rules, diagnostic_rules, on_pairs


@pytest.mark.parametrize("min_weight", [-20.0, 0.0])
def test_same_pairs_as_scoring_every_candidate(world_project: Path, min_weight: float
                                               ) -> None:
    from splink import Linker

    with staged_first_pair(world_project) as sp:
        be, rt, fields = sp.backend, sp.right_table, sp.fields
        linker, _ = training.build_linker(be, sp.left_table, rt, fields)
        training.train(linker, fields, TrainingConfig(u_max_pairs=2e4, em_max_pairs=2e4))
        model = training.model_dict(linker)
        be.stage("__t_sample", diagnostic.sample_sql(sp.left, 300, 1))
        rules = diagnostic_rules(fields)
        flags = {f"f{i}": on_pairs(r) for i, r in enumerate(blocking_rules(fields))}
        out = []
        for bounded in (False, True):
            db_api = be.db_api()
            inputs = [db_api.register("__t_sample", dataset_display_name="left"),
                      db_api.register(rt, dataset_display_name="right")]
            with training.quiet_splink():
                lk = Linker(inputs, {**model, "retain_matching_columns": True,
                                     "blocking_rules_to_generate_predictions": rules})
            if bounded:
                assert prefilter.register(lk, db_api, "__t_sample", rt, rules, min_weight)
                kept = be.to_arrow(f"SELECT count(*) AS n FROM {prefilter.BOUNDED_TABLE}"
                                   ).column("n")[0].as_py()
                candidates = be.to_arrow(
                    "SELECT count(*) AS n FROM (" + " UNION ".join(
                        f"SELECT l.record_id, r.record_id FROM __t_sample AS l "
                        f"JOIN {rt} AS r ON ({r})" for r in rules) + ")").column("n")[0].as_py()
                assert kept < candidates  # the bound leaves candidates out
            out.append(predict.predict_pairs(lk, min_weight, flags=flags))
            prefilter.drop(db_api)
            db_api.delete_tables_created_by_splink_from_db()
        be.drop("__t_sample")
    assert out[0].num_rows > 0
    assert out[1].equals(out[0])


def test_subsumed_rules_are_dropped() -> None:
    rules = ["l.dob = r.dob", "l.given_name = r.given_name AND l.dob = r.dob",
             "(l.x = 'a AND b') AND l.dob = r.dob", "l.postcode = r.postcode",
             "l.a = r.a OR l.b = r.b AND l.dob = r.dob", "l.dob = r.dob",
             "l.postcode = r.postcode AND l.sex = r.sex",
             "l.family_name IS NULL AND l.given_name = r.family_name"]
    # Rules brought in full by another go; an OR at the top keeps a rule whole; of two
    # identical rules the first stays.
    assert prefilter.without_subsumed(rules) == [
        "l.dob = r.dob", "l.postcode = r.postcode",
        "l.a = r.a OR l.b = r.b AND l.dob = r.dob",
        "l.family_name IS NULL AND l.given_name = r.family_name"]


def test_similarity_columns_are_computed_where_their_level_is_reached() -> None:
    from types import SimpleNamespace as NS

    def comp(n: int) -> NS:  # n levels, then the else level
        return NS(comparison_levels=[NS(_is_else_level=False)] * n + [NS(_is_else_level=True)])

    rewritten = ["a_l IS NULL", "a_l = a_r", "__lr_sim_0 >= 0.9", "__lr_sim_0 >= 0.7",
                 "b_l = b_r", "__lr_sim_1 >= 0.8",
                 "__lr_sim_1 >= 0.5"]  # the third comparison shares __lr_sim_1
    sims = {"__lr_sim_0": "jaro_winkler_similarity(a_l, a_r)",
            "__lr_sim_1": "jaro_winkler_similarity(c_l, c_r)"}
    lazy = prefilter._lazy_similarities([comp(4), comp(2), comp(1)], rewritten, sims)
    # Only a comparison's own similarity, computed unless an earlier level holds.
    assert lazy == {"__lr_sim_0": "(CASE WHEN a_l IS NULL THEN NULL WHEN a_l = a_r THEN "
                                  "NULL ELSE (jaro_winkler_similarity(a_l, a_r)) END)"}
