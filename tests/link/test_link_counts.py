"""Exact blocking counts from the union of the rules' pairs equal Splink's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkready.link import predict, training
from linkready.link.backends import DuckDBBackend
from linkready.link.pair import compared_fields
from linkready.link.settings import blocking_rules, loosening_rules
from linkready.link.workspace import connect, ensure_workspace, source_stats, stage_source
from linkready.progress import no_progress
from linkready.project import load_project


def test_union_counts_equal_splinks(world_project: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(world_project)
    con = connect(ensure_workspace(project, None, no_progress))
    try:
        stats = source_stats(con)
        left, right = project.link_pairs[0]
        be = DuckDBBackend(con, spill=False)
        lt = stage_source(be, "__t_left", left, False)
        rt = stage_source(be, "__t_right", right, False)
        fields = compared_fields(stats[left], stats[right])
        _, inputs = training.build_linker(be, lt, rt, fields)
        rules = blocking_rules(fields) + loosening_rules(fields)
        records = stats[left].records + stats[right].records
        assert predict._union_marginals(inputs, rules) is not None  # the fast path runs
        ours = predict.comparison_counts(inputs, rules, records)
        # in another order, so that a rule's marginal depends on which came before
        ours_rev = predict.comparison_counts(inputs, rules[::-1], records)
        monkeypatch.setattr(predict, "UNION_MAX_PAIRS", 0)  # Splink's count
        assert predict._union_marginals(inputs, rules) is None
        assert ours == predict.comparison_counts(inputs, rules, records)
        assert ours_rev == predict.comparison_counts(inputs, rules[::-1], records)
        assert ours["rules"][-1]["cumulative"] > ours["rules"][0]["cumulative"] > 0
        be.drop("__t_left", "__t_right")
    finally:
        con.close()
