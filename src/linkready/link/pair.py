"""Link one pair of sources: deterministic stage, then the probabilistic stage, then the
label-free estimates. Returns record-level links and an aggregate summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linkready.errors import InputError
from linkready.link import deterministic, estimates, memory, predict, training
from linkready.link.backends import Backend, DuckDBBackend
from linkready.link.settings import TrainingConfig, blocking_rules
from linkready.link.workspace import SourceStats, stage_source
from linkready.privacy import safe_rate, suppress

#: Scored pairs below this probability are left out of links.parquet (they still count
#: in the expected match rate).
KEEP_MIN_PROBABILITY = 0.01
STAGE_DETERMINISTIC = "deterministic"
STAGE_PROBABILISTIC = "probabilistic"


@dataclass
class PairResult:
    """What linking one pair produced."""

    left: str
    right: str
    links: Any  # pyarrow.Table, see LINK_COLUMNS in docs/schemas/linkage.md
    summary: dict[str, Any]
    model: dict[str, Any] = field(default_factory=dict)
    #: Wall seconds per step (not written to linkage.json, which must be reproducible).
    timings: dict[str, float] = field(default_factory=dict)
    #: The expected match rate with exact figures (internal: tests, benchmarks; the
    #: published form, in ``summary``, may show it as ``*``).
    expected: estimates.ExpectedRate | None = None


def compared_fields(left: SourceStats, right: SourceStats) -> set[str]:
    """Model fields with values on both sides."""
    return left.usable & right.usable


def _links_table(left: str, right: str, det: Any, scored: Any, p: np.ndarray,
                 threshold: float) -> Any:
    """Merge deterministic and scored pairs into the links.parquet rows for a pair."""
    import duckdb
    import pyarrow as pa

    from linkready.sql import lit

    # 12 decimals: the last bits of DuckDB's threaded sums are not reproducible.
    scored_kept = scored.append_column("match_probability", pa.array(np.round(p, 12)))
    con = duckdb.connect()
    con.register("det", det)
    con.register("scored", scored_kept)
    sql = f"""
        SELECT {lit(left)} AS source_l, coalesce(d.record_id_l, s.record_id_l) AS record_id_l,
               {lit(right)} AS source_r, coalesce(d.record_id_r, s.record_id_r) AS record_id_r,
               s.match_probability,
               CASE WHEN d.record_id_l IS NULL THEN NULL
                    WHEN d.nhs_dob THEN 'nhs_dob' ELSE 'nhs' END AS deterministic_rule,
               CASE WHEN d.record_id_l IS NOT NULL THEN '{STAGE_DETERMINISTIC}'
                    ELSE '{STAGE_PROBABILISTIC}' END AS stage,
               (d.record_id_l IS NOT NULL OR coalesce(s.match_probability >= {threshold},
                                                      false)) AS linked
        FROM det d FULL OUTER JOIN scored s
          ON d.record_id_l = s.record_id_l AND d.record_id_r = s.record_id_r
        WHERE d.record_id_l IS NOT NULL OR s.match_probability >= {KEEP_MIN_PROBABILITY}
        ORDER BY record_id_l, record_id_r
    """
    out = con.sql(sql).to_arrow_table()
    con.close()
    return out


class _Clock:
    """Wall time between successive laps."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now


def _rate(n: int, d: int) -> float | str | None:
    """A published share of left records: ``*`` when it rests on a count of 1–7
    (see :func:`linkready.privacy.safe_rate`)."""
    return safe_rate(n, d)


def link_pair(con: Any, left: SourceStats, right: SourceStats, threshold: float,
              cfg: TrainingConfig, *, backend: Backend | None = None,
              on_warning: Callable[[str], object] | None = None) -> PairResult:
    """Run both stages for ``left`` against ``right``: records from the workspace
    connection ``con``, SQL and Splink on ``backend`` (default: DuckDB on ``con``).
    ``on_warning`` hears the memory guard's warning before prediction runs."""
    import pyarrow.compute as pc

    be: Backend = backend or DuckDBBackend(con, spill=False)
    clock = _Clock()
    lt = stage_source(be, "__lr_left", left.name)
    rt = stage_source(be, "__lr_right", right.name)
    n_left, n_right = left.records, right.records
    warnings: list[str] = []

    det_all = be.to_arrow(deterministic.deterministic_pairs_sql(lt, rt))
    det_counts = deterministic.linked_left_counts(det_all)
    det = deterministic.kept_pairs(det_all)  # conflicts go to the probabilistic stage
    clock.lap("deterministic")

    fields = compared_fields(left, right)
    for f in sorted(set(left.usable ^ right.usable)):
        side = left.name if f in left.usable else right.name
        warnings.append(f"`{f}` is held only by {side}; it is not compared")
    rules = blocking_rules(fields)
    if not rules:
        raise InputError(
            f"pair {left.name}:{right.name}: the sources share too few identifiers to "
            f"link ({', '.join(sorted(fields)) or 'none'}); map the NHS number, or names "
            "and DOB, in project.yaml")
    linker, inputs = training.build_linker(be, lt, rt, fields)
    counts = predict.comparison_counts(inputs, rules, n_left + n_right)
    if counts["unstable_estimates"]:
        warnings.append(f"blocking counts for {len(counts['unstable_estimates'])} rule(s) "
                        "are estimated from under 1,000 sampled pairs and may be unstable")
    # Memory guard: the blocked comparisons decide whether prediction fits (chunked if
    # need be) before it runs, rather than after the machine runs out.
    plan = memory.plan_prediction(counts["rules"][-1]["cumulative"] if counts["rules"] else 0,
                                  n_left + n_right, is_estimate=counts["is_estimate"],
                                  backend=be.name)
    if plan.warning:
        warnings.append(plan.warning)
        if on_warning is not None:
            on_warning(plan.warning)
    clock.lap("blocking_counts")
    warnings += training.train(linker, fields, cfg, u_chunks=be.u_chunks)
    model = training.model_dict(linker)
    untrained = training.untrained_levels(model)
    if untrained:
        warnings.append(f"{len(untrained)} comparison level(s) never observed in training "
                        "(see probabilistic.untrained_levels); Splink's default m/u is used "
                        "for them")
    seed_prior = training.model_prior(linker)
    clock.lap("training")

    scored = predict.predict_pairs(linker, cfg.min_match_weight, plan.predict_kwargs())
    clock.lap("prediction")
    log2_bf = scored.column("log2_bf").to_numpy()
    prior = estimates.refine_prior(log2_bf, n_left * n_right, seed_prior)
    p = estimates.probabilities(log2_bf, prior)
    model["probability_two_random_records_match"] = prior
    left_ids = scored.column("record_id_l").to_numpy(zero_copy_only=False)
    expected = estimates.expected_match_rate(left_ids, p, n_left)
    n_prob, _ = estimates.rate_at_threshold(left_ids, p, threshold, n_left)

    links = _links_table(left.name, right.name, det, scored, p, threshold)
    linked_left = pc.unique(pc.filter(links.column("record_id_l"), links.column("linked")))
    # Free Splink's intermediate tables (term frequencies, samples) before the next pair.
    inputs[0].db_api.delete_tables_created_by_splink_from_db()
    be.drop("__lr_left", "__lr_right")
    clock.lap("estimates_and_links")

    summary = {
        "left": left.name,
        "right": right.name,
        "left_records": suppress(n_left),
        "right_records": suppress(n_right),
        "fields_compared": sorted(fields),
        "deterministic": {
            "rule": "exact NHS number, valid on both sides"
                    + ("; not when DOB, sex and names all disagree (conflicts, left to the "
                       "probabilistic stage)" if deterministic.CONFLICTS_TO_PROBABILISTIC
                       else ""),
            "linked_records": suppress(det_counts["nhs"]),
            "match_rate": _rate(det_counts["nhs"], n_left),
            "nhs_dob": {
                "rule": "exact valid NHS number and exact DOB",
                "linked_records": suppress(det_counts["nhs_dob"]),
                "match_rate": _rate(det_counts["nhs_dob"], n_left),
            },
            "conflicts": {
                "rule": "NHS numbers agree but DOB, sex and names all disagree",
                "pairs": suppress(det_counts["conflict_pairs"]),
                "left_records": suppress(det_counts["conflict_records"]),
                "left_to_probabilistic": deterministic.CONFLICTS_TO_PROBABILISTIC,
            },
        },
        "probabilistic": {
            "threshold": threshold,
            "linked_records": suppress(n_prob),
            "match_rate": _rate(n_prob, n_left),
            "expected_match_rate": expected.as_dict(),
            "prior": {"seeded": seed_prior, "refined": prior,
                      "seed_recall_assumed": cfg.prior_recall,
                      # λ × possible pairs / left records: matching *pairs* per left
                      # record (duplicates in right count twice); not a match rate.
                      "matching_pairs_per_left_record": prior * n_right},
            "blocking": {
                **counts,
                "rules": [{**r, "marginal": suppress(r["marginal"]),
                           "cumulative": suppress(r["cumulative"])} for r in counts["rules"]],
                "total_possible": suppress(counts["total_possible"]),
                "scored_pairs": suppress(len(log2_bf)),
            },
            "untrained_levels": untrained,
            "training": {"seed": cfg.seed, "u_max_pairs": cfg.u_max_pairs,
                         "em_max_pairs": cfg.em_max_pairs},
        },
        "combined": {
            "rule": "deterministic, or probabilistic at the threshold",
            "linked_records": suppress(len(linked_left)),
            "match_rate": _rate(len(linked_left), n_left),
        },
        "warnings": warnings,
    }
    return PairResult(left.name, right.name, links, summary, model, clock.laps, expected)
