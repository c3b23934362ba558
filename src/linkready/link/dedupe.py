"""Duplicates within one source: a pair ``[S, S]`` in ``project.yaml`` deduplicates S.

"How many duplicate clients do we hold?" is a readiness question: a source that holds
one person under two records inflates its counts and splits the person's history. The
stages mirror :mod:`linkready.link.pair`, on one table:

* **deterministic**: two records of S with the same valid NHS number (conflicts, where
  DOB, sex and names all disagree, are left to the probabilistic stage);
* **probabilistic**: a Splink ``dedupe_only`` model over S (no record is compared with
  itself; each unordered pair of records is scored once), trained as a pair's model is;
* **clustering**: connected components over the pairs linked by either stage; a
  component of two or more records is one probable person held more than once.

The published figures (:func:`dedupe_summary`) are aggregates under the disclosure
rules of :mod:`linkready.privacy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linkready.link import deterministic, estimates, training
from linkready.link.backends import Backend, DuckDBBackend
from linkready.link.pair import DEFAULT_BUDGET_MIN, DEFAULT_BUDGET_PER_RECORD
from linkready.link.predict import COUNT_SAMPLE_PROPORTION, EXACT_COUNT_MAX_RECORDS
from linkready.link.settings import (
    TrainingConfig,
    blocking_rules,
    comparisons,
    loosening_rules,
)
from linkready.link.workspace import SourceStats, stage_source
from linkready.publish import Count, Rate

#: The staged table of the source being deduplicated.
TABLE = "__lr_dedupe"
#: The ``stage`` of a dedupe link in links.parquet.
STAGE = "dedupe"
METHOD = (
    "Records of one source paired with each other (never with themselves): linked when "
    "their NHS numbers are equal and valid (unless DOB, sex and names all disagree), or "
    "when a Splink dedupe_only model over the source gives p ≥ the threshold. Linked "
    "records are clustered (connected components); a cluster of two or more records is "
    "one probable person held more than once. duplicate_records = records − people: the "
    "records a deduplicated source would not need.")
EXPECTED_METHOD = (
    "For each record, q = the largest match probability among its pairs with other "
    "records of the source; Σq ÷ records is the expected share of records that have a "
    "duplicate (both records of a duplicate pair count). The 95% interval is Normal on the "
    "Poisson-binomial variance Σq(1 − q): chance given the model, not error in the model.")


@dataclass
class DedupeResult:
    """What deduplicating one source produced (exact; :func:`dedupe_summary` publishes)."""

    source: str
    records: int
    threshold: float
    #: Record pairs (record_id_l < record_id_r) linked, with the stage that linked them.
    links: Any  # pyarrow.Table: record_id_l, record_id_r, match_probability, stage
    #: Cluster label (0..people-1) of each record, in record-id order.
    labels: np.ndarray
    deterministic_records: int
    expected: estimates.ExpectedRate
    fields: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: The blocking rules that generated the candidate pairs, and the budget they kept to.
    rules: list[str] = field(default_factory=list)
    budget: float = 0.0

    @property
    def people(self) -> int:
        """Probable distinct people among the records."""
        return len(np.unique(self.labels)) if self.records else 0

    @property
    def group_sizes(self) -> np.ndarray:
        """Records per probable person, for people held more than once."""
        _, counts = np.unique(self.labels, return_counts=True)
        return counts[counts > 1]

    @property
    def duplicate_people(self) -> int:
        """Probable people held under two or more records."""
        return len(self.group_sizes)

    @property
    def records_in_groups(self) -> int:
        """Records that belong to a probable person held more than once."""
        return int(self.group_sizes.sum())

    @property
    def duplicate_records(self) -> int:
        """Records beyond the first of each probable person (records − people)."""
        return self.records - self.people


def dedupe_pairs_sql(table: str) -> str:
    """Pairs of distinct records of ``table`` with the same valid NHS number (each
    unordered pair once: ``record_id_l < record_id_r``), flagged when they conflict."""
    return (
        "SELECT l.record_id AS record_id_l, r.record_id AS record_id_r, "
        "coalesce(l.dob = r.dob, false) AS nhs_dob, "
        f"coalesce({deterministic.conflict_sql()}, false) AS conflict "
        f"FROM {table} l JOIN {table} r ON l.nhs_number = r.nhs_number "
        "AND l.record_id < r.record_id "
        "WHERE l.nhs_number_valid AND r.nhs_number_valid"
    )


def choose_rules(data: Any, fields: set[str], records: int, budget: float) -> list[str]:
    """The production blocking rules, then the looser rules (strictest first) while all
    the rules together generate at most ``budget`` comparisons: duplicates within a
    source are often further apart than a pair's records, and one table is cheap to
    block more loosely."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    rules, loose = blocking_rules(fields), loosening_rules(fields)
    if not loose:
        return rules
    with training.quiet_splink():
        counts = count_comparisons_from_blocking_rules(
            data, blocking_rules=rules + loose, link_type="dedupe_only",
            unique_id_column_name="record_id",
            record_sample_proportion=1.0 if records <= EXACT_COUNT_MAX_RECORDS
            else COUNT_SAMPLE_PROPORTION)
    within = [i for i, c in enumerate(counts) if c["cumulative_comparison_count"] <= budget]
    last = max([len(rules) - 1, *within])
    return rules + loose[:last + 1 - len(rules)]


def _settings(fields: set[str], dialect: str, chosen: list[str]) -> Any:
    from splink import SettingsCreator

    rules: list[Any] = list(chosen)  # SQL strings are valid rules
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=training.FALLBACK_PRIOR,
        unique_id_column_name="record_id",
        comparisons=comparisons(fields, dialect),
        blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _scored(linker: Any, min_match_weight: float) -> Any:
    """The scored pairs (record_id_l < record_id_r) with their log2 Bayes factor."""
    import pyarrow as pa

    prior_w = estimates.log2_odds(training.model_prior(linker))
    with training.quiet_splink():
        pred = linker.inference.predict(threshold_match_weight=min_match_weight,
                                        warning_mode="never")
        table = pred.query_sql(
            "SELECT least(record_id_l, record_id_r) AS record_id_l, "
            "greatest(record_id_l, record_id_r) AS record_id_r, match_weight "
            "FROM {this} ORDER BY 1, 2").as_pyarrow_table()
        pred.drop_table_from_database_and_remove_from_cache()
    w = np.asarray(table.column("match_weight").to_numpy(zero_copy_only=False), dtype=float)
    return pa.table({"record_id_l": table.column("record_id_l"),
                     "record_id_r": table.column("record_id_r"),
                     "log2_bf": pa.array(w - prior_w)})


def cluster_labels(ids: list[str], left: list[str], right: list[str]) -> np.ndarray:
    """Cluster label of each record in ``ids`` given linked pairs ``left``–``right``."""
    from linkready.link.clustering import connected_components

    index = {k: i for i, k in enumerate(ids)}
    src = np.fromiter((index[k] for k in left), dtype=np.int64, count=len(left))
    dst = np.fromiter((index[k] for k in right), dtype=np.int64, count=len(right))
    labels = connected_components(len(ids), src, dst)
    _, dense = np.unique(labels, return_inverse=True)
    return np.asarray(dense, dtype=np.int64).ravel()


def unresolved_warning(best: np.ndarray, threshold: float) -> list[str]:
    """A warning when the model leaves many records unresolved: ``best`` holds each
    record's largest match probability with another record (0 without a candidate).

    The pair's grey-zone signal (:func:`linkready.link.estimates.grey_zone`) read on one
    source: where Σ(1 − q) over the records with an intermediate best q exceeds
    :data:`~linkready.link.estimates.POINT_TOLERANCE` of the records, the counts at the
    threshold probably miss duplicates (heavily corrupted identifiers: Splink's
    fake_1000 on names and DOB, 8% of records; FEBRL 1-3 at most 1.2%, 2.6% on names
    and DOB alone)."""
    from linkready.privacy import is_small

    grey = estimates.grey_zone(best)
    if grey.share <= estimates.POINT_TOLERANCE:
        return []
    lo, hi = estimates.GREY
    share = ("" if is_small(grey.unresolved)
             else f" ({100 * grey.unresolved / grey.left_records:.0f}% of records)")
    return [f"the model leaves many records unresolved{share}: their best pair has "
            f"{lo} ≤ p < {hi}. If each has its duplicate, the share of records with a "
            f"duplicate is up to {100 * grey.share:.0f} points above what the model "
            f"expects, and the duplicates counted at p ≥ {threshold} are too few "
            "(typical of heavily corrupted identifiers); see how the counts move with "
            "--threshold"]


def dedupe_source(con: Any, source: SourceStats, threshold: float, cfg: TrainingConfig, *,
                  backend: Backend | None = None) -> DedupeResult:
    """Find the probable duplicates within ``source`` (records in the workspace
    connection ``con``; SQL and Splink on ``backend``, default DuckDB on ``con``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from linkready.errors import InputError

    be: Backend = backend or DuckDBBackend(con, spill=False)
    fields = set(source.usable)
    if not blocking_rules(fields):
        raise InputError(f"pair {source.name}:{source.name}: the source holds too few "
                         f"identifiers to find duplicates ({', '.join(sorted(fields))}); "
                         "map the NHS number, or names and DOB, in project.yaml")
    table = stage_source(be, TABLE, source.name)
    ids = [str(v) for v in be.to_arrow(f"SELECT record_id FROM {table} ORDER BY record_id")
           .column("record_id").to_pylist()]
    det_all = be.to_arrow(dedupe_pairs_sql(table))
    det = deterministic.kept_pairs(det_all)
    det_ids = pc.unique(pa.concat_arrays([det.column("record_id_l").combine_chunks(),
                                          det.column("record_id_r").combine_chunks()]))

    db_api = be.db_api()
    data = db_api.register(table, dataset_display_name=source.name)
    n = source.records
    budget = cfg.comparisons_budget or max(DEFAULT_BUDGET_MIN, DEFAULT_BUDGET_PER_RECORD * n)
    rules = choose_rules(data, fields, n, budget)
    linker = training.new_linker(data, _settings(fields, be.dialect, rules))
    warnings = training.train(linker, fields, cfg, u_chunks=be.u_chunks)
    seed_prior = training.model_prior(linker)
    scored = _scored(linker, cfg.min_match_weight)
    data.db_api.delete_tables_created_by_splink_from_db()
    be.drop(table)

    log2_bf = scored.column("log2_bf").to_numpy()
    prior = estimates.refine_prior(log2_bf, n * (n - 1) // 2, seed_prior)
    p = np.round(estimates.probabilities(log2_bf, prior), 12)
    # Each record's probability of having a duplicate: the best of its pairs, whichever
    # side of the pair it is on.
    both = np.concatenate([scored.column("record_id_l").to_numpy(zero_copy_only=False),
                           scored.column("record_id_r").to_numpy(zero_copy_only=False)])
    expected = estimates.expected_match_rate(both, np.concatenate([p, p]), n)
    best = estimates.per_left_probability(both, np.concatenate([p, p])).to_numpy()
    grey = unresolved_warning(np.concatenate([best, np.zeros(n - len(best))]), threshold)

    prob = scored.append_column("match_probability", pa.array(p)).filter(
        pa.array(p >= threshold))
    keys = {(a, b) for a, b in zip(det.column("record_id_l").to_pylist(),
                                   det.column("record_id_r").to_pylist(), strict=True)}
    rows_l = [*det.column("record_id_l").to_pylist()]
    rows_r = [*det.column("record_id_r").to_pylist()]
    stage = ["deterministic"] * len(rows_l)
    probs: list[float | None] = [None] * len(rows_l)
    for a, b, q in zip(prob.column("record_id_l").to_pylist(),
                       prob.column("record_id_r").to_pylist(),
                       prob.column("match_probability").to_pylist(), strict=True):
        if (a, b) not in keys:
            rows_l.append(a)
            rows_r.append(b)
            stage.append("probabilistic")
            probs.append(q)
    links = pa.table({"record_id_l": pa.array(rows_l, pa.string()),
                      "record_id_r": pa.array(rows_r, pa.string()),
                      "match_probability": pa.array(probs, pa.float64()),
                      "stage": pa.array(stage, pa.string())})
    labels = cluster_labels(ids, [str(x) for x in rows_l], [str(x) for x in rows_r])
    return DedupeResult(source.name, n, threshold, links, labels, len(det_ids), expected,
                        sorted(fields), warnings + grey, rules, float(budget))


def dedupe_summary(result: DedupeResult) -> dict[str, Any]:
    """The dedupe section of one source as an exact tree (aggregates; published under
    disclosure control by :func:`linkready.publish.linkage_document`)."""
    n = result.records
    expected = result.expected.as_dict()
    return {
        "source": result.source,
        "records": Count(n),
        "threshold": result.threshold,
        "fields_compared": result.fields,
        "blocking": {"rules": result.rules, "comparisons_budget": result.budget},
        "method": METHOD,
        "deterministic": {
            "rule": "same valid NHS number on two records (not when DOB, sex and names "
                    "all disagree)",
            "records_with_a_duplicate": Count(result.deterministic_records),
        },
        "probable_people": Count(result.people),
        "duplicate_people": Count(result.duplicate_people),
        "records_in_duplicate_groups": Count(result.records_in_groups),
        "duplicate_records": Count(result.duplicate_records),
        "duplicate_record_share": Rate(result.duplicate_records, n),
        "largest_group": Count(int(result.group_sizes.max()) if result.duplicate_people
                               else 0),
        "expected_share_with_duplicate": {
            "estimate": expected["estimate"], "lower": expected["lower"],
            "upper": expected["upper"], "method": EXPECTED_METHOD},
        "warnings": result.warnings,
    }


def split_pairs(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """The pairs of two sources, and the sources paired with themselves (to deduplicate)."""
    return ([p for p in pairs if p[0] != p[1]],
            list(dict.fromkeys(p[0] for p in pairs if p[0] == p[1])))


def dedupe_all(con: Any, stats: dict[str, SourceStats], sources: list[str],
               threshold: float, cfg: TrainingConfig, backend: Backend | None,
               progress: Any = None) -> list[DedupeResult]:
    """:func:`dedupe_source` for each of ``sources``, telling ``progress`` after each."""
    out = []
    for name in sources:
        out.append(dedupe_source(con, stats[name], threshold, cfg, backend=backend))
        if progress is not None:
            progress(f"{name} duplicates")
    return out


def section(results: list[DedupeResult]) -> dict[str, Any]:
    """linkage.json's ``dedupe`` key (absent when no source was deduplicated)."""
    return {"dedupe": [dedupe_summary(r) for r in results]} if results else {}


def warnings(results: list[DedupeResult]) -> list[str]:
    """The run-level warnings of the deduplicated sources."""
    return [f"{r.source} → {r.source}: {w}" for r in results for w in r.warnings]


def links_schema() -> Any:
    """The columns of links.parquet (docs/schemas/linkage.md)."""
    import pyarrow as pa

    return pa.schema([("source_l", pa.string()), ("record_id_l", pa.string()),
                      ("source_r", pa.string()), ("record_id_r", pa.string()),
                      ("match_probability", pa.float64()),
                      ("deterministic_rule", pa.string()), ("stage", pa.string()),
                      ("linked", pa.bool_())])


def links_table(results: list[DedupeResult]) -> Any:
    """Every deduplicated source's linked pairs as links.parquet rows, stage ``dedupe``
    (``source_l`` = ``source_r``; ``deterministic_rule`` ``nhs`` for the NHS-number
    stage)."""
    import pyarrow as pa

    parts = []
    for r in results:
        n = r.links.num_rows
        det = [s == "deterministic" for s in r.links.column("stage").to_pylist()]
        parts.append(pa.table({
            "source_l": pa.array([r.source] * n, pa.string()),
            "record_id_l": r.links.column("record_id_l"),
            "source_r": pa.array([r.source] * n, pa.string()),
            "record_id_r": r.links.column("record_id_r"),
            "match_probability": r.links.column("match_probability"),
            "deterministic_rule": pa.array(["nhs" if d else None for d in det], pa.string()),
            "stage": pa.array([STAGE] * n, pa.string()),
            "linked": pa.array([True] * n, pa.bool_())}, schema=links_schema()))
    return pa.concat_tables(parts) if parts else links_schema().empty_table()
