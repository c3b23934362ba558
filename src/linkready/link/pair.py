"""Link one pair of sources: deterministic stage, then the probabilistic stage, then the
label-free estimates (skipped with ``TrainingConfig(estimates=False)``, ``--no-estimates``:
:mod:`linkready.link.skipped`; the links are the same). Returns record-level links and an
aggregate summary with exact figures (:mod:`linkready.publish`; ``linkage.json``
publishes it under disclosure control, :func:`linkready.publish.linkage_document`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from linkready.errors import InputError
from linkready.link import (
    deterministic,
    diagnostic,
    estimates,
    field_recall,
    memory,
    missingness,
    predict,
    refit,
    skipped,
    splink_memo,
    subgroups,
    training,
)
from linkready.link.backends import Backend, DuckDBBackend
from linkready.link.digits import MODEL_DIGITS, tidy
from linkready.link.members import is_member
from linkready.link.settings import (
    TrainingConfig,
    blocking_rules,
    loosening_rules,
    training_sessions,
)
from linkready.link.thresholds import by_threshold, threshold_relations
from linkready.link.workspace import SourceStats, stage_source, unreadable_warnings
from linkready.publish import RELATIONS, Chain, Count, Rate, cell

#: Scored pairs below this probability are left out of links.parquet (they still count
#: in the expected match rate).
KEEP_MIN_PROBABILITY = 0.01
#: Default comparisons budget per pair: this many per record of both sources, and at
#: least DEFAULT_BUDGET_MIN (``comparisons_budget`` in project.yaml overrides it).
DEFAULT_BUDGET_PER_RECORD = 10
DEFAULT_BUDGET_MIN = 2_000_000
#: A looser rule is added only if it finds at least this share of the diagnostic
#: sample's records in expected matches (and at least half a record).
MIN_GAIN_SHARE = 0.0005
STAGE_DETERMINISTIC = "deterministic"
STAGE_PROBABILISTIC = "probabilistic"


@dataclass
class PairResult:
    """What linking one pair produced."""

    left: str
    right: str
    links: Any  # pyarrow.Table, see LINK_COLUMNS in docs/schemas/linkage.md
    #: The pair's block of linkage.json with exact figures (:mod:`linkready.publish`).
    summary: dict[str, Any]
    model: dict[str, Any] = field(default_factory=dict)
    #: Wall seconds per step, and CPU seconds per step as ``cpu:<step>`` (not written to
    #: linkage.json, which must be reproducible). With pairs linked concurrently the
    #: CPU is the pair's own (:data:`CPU_CLOCK`), but two pairs' wall times overlap.
    timings: dict[str, float] = field(default_factory=dict)


def compared_fields(left: SourceStats, right: SourceStats) -> set[str]:
    """Model fields with values on both sides."""
    return left.usable & right.usable


def _links_table(con: Any, left: str, right: str, det: Any, scored: Any, p: np.ndarray,
                 threshold: float) -> Any:
    """Merge deterministic and scored pairs into the links.parquet rows for a pair, on
    the DuckDB connection ``con`` (the pair's workspace connection: a connection of its
    own would cost more to open than the query takes on the default world)."""
    import pyarrow as pa

    from linkready.sql import lit

    # 12 decimals: the last bits of DuckDB's threaded sums are not reproducible.
    scored_kept = scored.append_column("match_probability", pa.array(np.round(p, 12)))
    con.register(_LINKS_DET, det)
    con.register(_LINKS_SCORED, scored_kept)
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
        FROM {_LINKS_DET} d FULL OUTER JOIN {_LINKS_SCORED} s
          ON d.record_id_l = s.record_id_l AND d.record_id_r = s.record_id_r
        WHERE d.record_id_l IS NOT NULL OR s.match_probability >= {KEEP_MIN_PROBABILITY}
        ORDER BY record_id_l, record_id_r
    """
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister(_LINKS_DET)
        con.unregister(_LINKS_SCORED)


#: Names :func:`_links_table` registers its inputs under, for the query's time.
_LINKS_DET, _LINKS_SCORED = "__lr_links_det", "__lr_links_scored"


#: Steps of :func:`link_pair` that are the label-free estimates' own work (the
#: diagnostic sample, which also chooses looser rules; the decoys; the bootstrap with
#: the completeness gap): link time "without the estimates" leaves these out. With
#: ``--no-estimates`` the decoys and bootstrap do not run, and the diagnostic sample
#: only where adaptive blocking is on (it chooses the rules).
LABEL_FREE_STEPS = ("diagnostic_blocking", "decoys", "bootstrap")
#: Prefix of the CPU-second entries in :attr:`PairResult.timings` (``cpu:<step>``:
#: user + system time during the step, of the whole process, every engine thread; or of
#: the pair's own one-thread engine when pairs run concurrently, see :data:`CPU_CLOCK`).
CPU = "cpu:"


#: The CPU clock of :class:`_Clock`: the whole process's (every engine thread), or, where
#: pairs run concurrently each on a one-thread DuckDB (:mod:`linkready.link.parallel`),
#: the pair's own thread's, which then does all of the pair's work (and the process's
#: from the point the last pair in flight is given the idle core,
#: :class:`linkready.link.parallel.PairClock`).
CPU_CLOCK: ContextVar[Callable[[], float]] = ContextVar("CPU_CLOCK",
                                                       default=time.process_time)


class _Clock:
    """Wall time (and CPU time, as ``cpu:<step>``, see :data:`CPU_CLOCK`) between
    successive laps."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._clock = CPU_CLOCK.get()
        self._last = time.perf_counter()
        self._cpu = self._clock()

    def lap(self, name: str) -> None:
        now, cpu = time.perf_counter(), self._clock()
        self.laps[name] = now - self._last
        self.laps[CPU + name] = cpu - self._cpu
        self._last, self._cpu = now, cpu


def _with_text_postcode(s: SourceStats) -> SourceStats:
    """``s`` with the postcode counted as held wherever its normalised string is."""
    return replace(s, filled={**s.filled, "postcode": s.postcode_text})


def _honest(scored: Any, p: np.ndarray, prior: float, diag: diagnostic.Diagnostic,
            production: list[int], n_left: int, n_right: int, threshold: float, cfg: TrainingConfig,
            model: dict[str, Any], fields: set[str],
            decoys: diagnostic.Decoys | None = None,
            gap: estimates.CompletenessGap | None = None,
            blanks: BlankPatterns | None = None) -> estimates.Honest:
    """The label-free figures with intervals, from the production and diagnostic pairs
    (and the decoys' model-free check, and the blank-field patterns)."""
    import pandas as pd

    missed = diagnostic.outside(diag, production, possible_only=blanks is not None)
    left_ids = np.asarray(scored.column("record_id_l").to_numpy(zero_copy_only=False))
    sample = np.sort(np.asarray(diag.sample_ids))
    codes, uniques = pd.factorize(np.concatenate([left_ids, sample]), sort=False)
    codes = np.asarray(codes, dtype=np.int64)
    left_pattern = blanks.by_code(uniques, n_left) if blanks is not None else None
    compared = compared_by = None
    if blanks is not None and diag.atoms:
        used = missingness.fields_of(blanks.rules)
        left_keys = [missingness.parse_key(k) for k in blanks.keys]
        diag_left = np.asarray(diag.pairs.column("record_id_l").to_numpy(
            zero_copy_only=False))
        at = np.clip(np.searchsorted(sample, diag_left), 0, max(len(sample) - 1, 0))
        in_sample = (sample[at] == diag_left) if len(sample) else np.zeros(0, bool)

        ready = field_recall.prepare(diag.pairs, diag.atoms, diag.rules, prior)

        def compared_by(weights: np.ndarray | None) -> np.ndarray:
            """Each left pattern's share of matches the production rules compare, read
            by the field model with the sampled records weighted (a replicate)."""
            pw = None if weights is None else np.where(in_sample, weights[at], 1.0)
            agree = ready.read(pw)
            full = {f: agree.get(f) or {None: field_recall.always_agree(f, diag.atoms)}
                    for f in used}
            return field_recall.pattern_compared(left_keys, blanks.right_counts,
                                                 blanks.rules, blanks.fields, full)

        compared = compared_by(None)
    d_left = np.asarray(missed.column("record_id_l").to_numpy(zero_copy_only=False))
    d_bf = missed.column("log2_bf").to_numpy()
    (gamma, diag_gamma), info = predict.level_codes(scored, missed)
    spec = refit.spec_from_model(model, info, [u for u, _ in training_sessions(fields)])
    check = None
    if decoys is not None:
        both = pd.DataFrame({
            "id": np.concatenate([left_ids, np.asarray(diag.pairs.column("record_id_l")
                                                       .to_numpy(zero_copy_only=False))]),
            "w": np.concatenate([scored.column("log2_bf").to_numpy(),
                                 diag.pairs.column("log2_bf").to_numpy()])})
        real_best = both.groupby("id")["w"].max().reindex(sample).fillna(-np.inf)
        check = estimates.decoy_check(
            real_best.to_numpy(dtype=float), decoys.best_log2_bf, n_left,
            estimates.log2_odds(threshold) - estimates.log2_odds(prior))
    return estimates.honest_estimates(
        left_codes=codes[:len(left_ids)], p=p, gamma=gamma,
        left_records=n_left, sample_codes=codes[len(left_ids):],
        diag_sample_pos=np.searchsorted(sample, d_left).astype(np.int64),
        diag_p=estimates.probabilities(d_bf, prior),
        diag_gamma=diag_gamma, threshold=threshold,
        replicates=cfg.bootstrap_replicates, seed=cfg.seed, spec=spec,
        total_pairs=float(n_left) * n_right, decoy=check, gap=gap,
        left_pattern=left_pattern, pattern_share=blanks.share if blanks is not None else None,
        pattern_compared=compared, compared_by=compared_by)


@dataclass(frozen=True)
class BlankPatterns:
    """Each left record's pattern of blank blocking fields (an index into ``share``),
    and per pattern the share of right records a production rule could meet."""

    record_ids: Any  # numpy array of left record ids
    pattern: Any  # numpy int array, one per record id
    share: Any  # numpy float array, one per pattern
    keys: list[str]
    #: Right records per pattern of blank fields, and the production rules.
    right_counts: dict[frozenset[str], int] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)
    #: The fields the patterns are over.
    fields: list[str] = field(default_factory=list)

    def by_code(self, uniques: Any, n: int) -> np.ndarray:
        """The pattern of each left code 0..n−1: codes of ``uniques`` (the records with
        candidates or sampled) first, then the other left records in any order (they
        have no candidate)."""
        import pandas as pd

        of = pd.Series(self.pattern, index=pd.Index(self.record_ids))
        known = of.reindex(pd.Index(np.asarray(uniques))).fillna(0).to_numpy(dtype=np.int64)
        rest = of[~is_member(of.index, np.asarray(uniques))].to_numpy(dtype=np.int64)
        out = np.concatenate([known, rest])[:n]
        if len(out) < n:
            out = np.concatenate([out, np.zeros(n - len(out), dtype=np.int64)])
        return out


def _blank_patterns(be: Backend, lt: str, rt: str, rules: list[str],
                    offered: list[str]) -> BlankPatterns:
    """The blank-field patterns of both sides over the fields the ``offered`` rules
    use, counted in the engine (few patterns), and each left pattern's share of right
    that the production ``rules`` could meet
    (:func:`linkready.link.missingness.possible_share`)."""
    cols = missingness.fields_of(offered)
    key = ("concat_ws(',', " + ", ".join(f"CASE WHEN {c} IS NULL THEN '{c}' END"
                                         for c in cols) + ")") if cols else "''"
    left = be.to_arrow(f"SELECT record_id, {key} AS k FROM {lt} ORDER BY record_id")
    right = be.to_arrow(f"SELECT {key} AS k, count(*) AS n FROM {rt} GROUP BY 1 ORDER BY 1")
    counts = {missingness.parse_key(k): int(n) for k, n in
              zip(right.column("k").to_pylist(), right.column("n").to_pylist(), strict=True)}
    lkeys = [k or "" for k in left.column("k").to_pylist()]
    keys = sorted(set(lkeys))
    index = {k: i for i, k in enumerate(keys)}
    share = missingness.possible_share([missingness.parse_key(k) for k in keys], counts, rules)
    return BlankPatterns(np.asarray(left.column("record_id").to_numpy(zero_copy_only=False)),
                         np.array([index[k] for k in lkeys], dtype=np.int64), share, keys,
                         counts, list(rules), cols)


#: Left records whose best candidate is below this probability lend decoys their blanks.
DONOR_MAX_PROBABILITY = 0.5


def _decoy_donors(be: Backend, lt: str, left_ids: Any, p: np.ndarray, seed: int,
                  size: int) -> np.ndarray | None:
    """Seeded left records without a probable match (best candidate below
    :data:`DONOR_MAX_PROBABILITY`), one per decoy: each decoy (a right record, see
    :func:`linkready.link.diagnostic.blanked_decoy_sql`) takes its blank fields from
    one; None when there are none (the decoys are then right records as they are)."""
    import pandas as pd

    ids = be.to_arrow(f"SELECT record_id FROM {lt} ORDER BY record_id").column(
        "record_id").to_pylist()
    best = pd.Series(np.asarray(p), index=np.asarray(left_ids)).groupby(level=0).max()
    probable = set(best.index[best.to_numpy() >= DONOR_MAX_PROBABILITY])
    eligible = np.array([i for i in ids if i not in probable], dtype=object)
    if len(eligible) == 0:
        return None
    n = min(size, len(ids))
    rng = np.random.default_rng(seed)
    return rng.choice(eligible, n, replace=len(eligible) < n)


def _completeness_gap(be: Backend, lt: str, rt: str, fields: set[str], scored: Any,
                      p: np.ndarray) -> estimates.CompletenessGap:
    """The larger of the two sides' completeness gaps (see
    :func:`linkready.link.estimates.completeness_gap`)."""
    import pandas as pd

    missing = ", ".join(f"CASE WHEN {f} IS NULL THEN '{f}' END" for f in sorted(fields))
    frame = pd.DataFrame({"l": scored.column("record_id_l").to_numpy(zero_copy_only=False),
                          "r": scored.column("record_id_r").to_numpy(zero_copy_only=False),
                          "p": p})
    gaps = []
    for table, col, side in ((lt, "l", "left"), (rt, "r", "right")):
        recs = be.to_arrow(f"SELECT record_id, concat_ws(',', {missing}) AS missing "
                           f"FROM {table} ORDER BY record_id").to_pandas()
        q = frame.groupby(col)["p"].max().reindex(recs["record_id"]).fillna(0.0)
        gaps.append(estimates.completeness_gap(recs["missing"].to_numpy(), q.to_numpy(),
                                               side))
    return max(gaps, key=lambda g: g.records)


def _u_record(how: dict[str, Any]) -> dict[str, Any]:
    """How u was estimated (:func:`linkready.link.training.estimate_u`), its pair counts
    as :class:`~linkready.publish.Count` (published under disclosure control)."""
    out: dict[str, Any] = {"method": how.get("method")}
    if "comparisons" in how:
        out["comparisons"] = {
            name: {"exact_levels": c["exact_levels"],
                   "sampled_pairs": Count(c["sampled_pairs"]),
                   "non_null_pairs": Count(c["non_null_pairs"])}
            for name, c in how["comparisons"].items()}
    return out


def link_pair(con: Any, left: SourceStats, right: SourceStats, threshold: float,
              cfg: TrainingConfig, *, backend: Backend | None = None,
              on_warning: Callable[[str], object] | None = None,
              reference: date | None = None) -> PairResult:
    """Run both stages for ``left`` against ``right``: records from the workspace
    connection ``con``, SQL and Splink on ``backend`` (default: DuckDB on ``con``).
    ``on_warning`` hears the memory guard's warning before prediction runs; ``reference``
    is the date ages are measured at for the subgroups (default: today)."""
    import pyarrow.compute as pc

    be: Backend = backend or DuckDBBackend(con, spill=False)
    splink_memo.install()  # Splink's column-name parsing, once per name
    clock = _Clock()
    n_left, n_right = left.records, right.records
    warnings: list[str] = []
    # A postcode that fails the UK format for most of a source's records (another
    # country's) is compared as a normalised string on both sides, never dropped.
    text_postcode = left.postcode_mostly_invalid() or right.postcode_mostly_invalid()
    for s in (left, right):
        if s.postcode_text and s.postcode_mostly_invalid():
            share = 1 - s.filled.get("postcode", 0) / s.postcode_text
            warnings.append(f"`postcode` of {s.name} fails the UK format in "
                            f"{100 * share:.0f}% of the records that hold one; it is "
                            "compared as a normalised string (upper case, letters and "
                            "digits), without district or sector levels")
    warnings += [w for s in (left, right) for w in unreadable_warnings(s)]
    if text_postcode:
        left = _with_text_postcode(left)
        right = _with_text_postcode(right)
    lt = stage_source(be, "__lr_left", left.name, text_postcode)
    rt = stage_source(be, "__lr_right", right.name, text_postcode)

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
    loose = loosening_rules(fields) if cfg.adaptive_blocking else []
    offered = rules + loose
    # The looser rules' comparisons are counted only as far as the choice below needs
    # them (it stops at the first over the budget), where counts are exact on DuckDB.
    lazy = predict.counts_on_demand(inputs, n_left + n_right)
    all_counts = predict.comparison_counts(inputs, rules if lazy else offered,
                                           n_left + n_right)
    clock.lap("blocking_counts")
    u_how: dict[str, Any] = {}
    warnings += training.train(linker, fields, cfg, u_chunks=be.u_chunks, record=u_how)
    # Predict on the parameters exactly as model.json publishes them (link/digits.py):
    # EM's last-bit drift would otherwise reach the match probabilities.
    trained = training.model_dict(linker)
    model = {**tidy(trained, MODEL_DIGITS), "linker_uid": trained.get("linker_uid")}
    linker = training.relink(linker, inputs, model, rules, be.dialect,
                             prior=model["probability_two_random_records_match"])
    untrained = training.untrained_levels(model)
    if untrained:
        warnings.append(f"{len(untrained)} comparison level(s) never observed in training "
                        "(see probabilistic.untrained_levels); Splink's default m/u is used "
                        "for them")
    seed_prior = training.model_prior(linker)
    clock.lap("training")

    # Blocking recall without truth: a seeded sample of left records scored under a
    # loose diagnostic blocking; looser rules join the production rules while they find
    # more of the sample's probable matches and the comparisons budget allows. Without
    # the estimates it runs only where it chooses rules (adaptive blocking).
    budget = cfg.comparisons_budget or max(DEFAULT_BUDGET_MIN,
                                           DEFAULT_BUDGET_PER_RECORD * (n_left + n_right))
    diag: diagnostic.Diagnostic | None = None
    chosen: list[int] = []
    if cfg.estimates or loose:
        diag = diagnostic.run(be, left.name, rt, model, fields, offered, seed=cfg.seed,
                              min_match_weight=cfg.min_match_weight, left_records=n_left,
                              right_records=n_right, size=cfg.diagnostic_sample,
                              postcode_text=text_postcode)
        cumulative: Any = (
            predict.Cumulative(inputs, offered,
                               [r["cumulative"] for r in all_counts["rules"]], cap=budget)
            if lazy else {i: r["cumulative"] for i, r in enumerate(all_counts["rules"])})
        chosen = diagnostic.choose(
            diag, estimates.probabilities(diag.pairs.column("log2_bf").to_numpy(),
                                          seed_prior),
            list(range(len(rules))), list(range(len(rules), len(offered))), cumulative,
            budget, min_gain=max(0.5, MIN_GAIN_SHARE * len(diag.sample_ids)))
    final = list(range(len(rules))) + chosen
    if chosen:
        rules = [offered[i] for i in final]
        counts = predict.comparison_counts(inputs, rules, n_left + n_right)
        linker = training.relink(linker, inputs, model, rules, be.dialect)
    else:
        counts = {**all_counts, "rules": all_counts["rules"][:len(rules)],
                  "unstable_estimates": [r for r in all_counts["unstable_estimates"]
                                         if r in rules]}
    counts["comparisons_budget"] = budget
    counts["loosened_by"] = [offered[i] for i in chosen]
    if counts["unstable_estimates"]:
        warnings.append(f"blocking counts for {len(counts['unstable_estimates'])} rule(s) "
                        "are estimated from under 1,000 sampled pairs and may be unstable")
    clock.lap("diagnostic_blocking")
    # Memory guard: the blocked comparisons decide whether prediction fits (chunked if
    # need be) before it runs, rather than after the machine runs out.
    plan = memory.plan_prediction(counts["rules"][-1]["cumulative"] if counts["rules"] else 0,
                                  n_left + n_right, is_estimate=counts["is_estimate"],
                                  backend=be.name)
    if plan.warning:
        warnings.append(plan.warning)
        if on_warning is not None:
            on_warning(plan.warning)

    scored = predict.predict_pairs(linker, cfg.min_match_weight, plan.predict_kwargs())
    clock.lap("prediction")
    log2_bf = scored.column("log2_bf").to_numpy()
    prior = estimates.refine_prior(log2_bf, n_left * n_right, seed_prior)
    p = estimates.probabilities(log2_bf, prior)
    model["probability_two_random_records_match"] = prior
    left_ids = scored.column("record_id_l").to_numpy(zero_copy_only=False)
    expected = estimates.expected_match_rate(left_ids, p, n_left)
    n_prob, _ = estimates.rate_at_threshold(left_ids, p, threshold, n_left)
    clock.lap("estimates")
    if cfg.estimates:
        assert diag is not None
        decoys = diagnostic.run_decoys(
            be, rt, model, diag.rules + [r for r in rules if r not in diag.rules],
            seed=cfg.seed, min_match_weight=cfg.min_match_weight, right_records=n_right,
            size=diag.size, donor_table=lt,
            donors=_decoy_donors(be, lt, left_ids, p, cfg.seed, diag.size))
        clock.lap("decoys")
        gap = _completeness_gap(be, lt, rt, fields, scored, p)
        blanks = _blank_patterns(be, lt, rt, [offered[i] for i in final], offered)
        honest = _honest(scored, p, prior, diag, final, n_left, n_right, threshold, cfg,
                         model, fields, decoys, gap, blanks)
        clock.lap("bootstrap")
        rate_block = {**expected.as_dict(), **honest.rate_dict(expected)}
        false_block = honest.false_dict()
        recall_block = honest.recall_dict(diag.rules, diag.scored)
    else:  # --no-estimates: what needs no more work (linkready.link.skipped)
        rate_block = skipped.rate_block(expected)
        false_block = skipped.false_block(n_prob)
        recall_block = skipped.recall_block(diag)

    links = _links_table(con, left.name, right.name, det,
                         scored.select(["record_id_l", "record_id_r"]), p, threshold)
    linked_left = pc.unique(pc.filter(links.column("record_id_l"), links.column("linked")))
    by_subgroup = subgroups.linked_by_subgroup(
        con, left.name, linked_left.to_pylist(), left_ids, p, reference or date.today())
    # Free Splink's intermediate tables (term frequencies, samples) before the next pair.
    inputs[0].db_api.delete_tables_created_by_splink_from_db()
    be.drop("__lr_left", "__lr_right")
    clock.lap("links")

    left_records, combined = Count(n_left), (Count(len(linked_left)),
                                             Rate(len(linked_left), n_left))
    cuts = by_threshold(left_ids, p, n_left)
    nhs = (Count(det_counts["nhs"]), Rate(det_counts["nhs"], n_left))
    nhs_dob = (Count(det_counts["nhs_dob"]), Rate(det_counts["nhs_dob"], n_left))
    summary = {
        "left": left.name,
        "right": right.name,
        "left_records": left_records,
        "right_records": Count(n_right),
        "fields_compared": sorted(fields),
        **({} if cfg.estimates else {"estimates": skipped.SKIPPED}),
        "deterministic": {
            "rule": "exact NHS number, valid on both sides"
                    + ("; not when DOB, sex and names all disagree (conflicts, left to the "
                       "probabilistic stage)" if deterministic.CONFLICTS_TO_PROBABILISTIC
                       else ""),
            "linked_records": nhs[0],
            "match_rate": nhs[1],
            "nhs_dob": {
                "rule": "exact valid NHS number and exact DOB",
                "linked_records": nhs_dob[0],
                "match_rate": nhs_dob[1],
            },
            "conflicts": {
                "rule": "NHS numbers agree but DOB, sex and names all disagree",
                "pairs": Count(det_counts["conflict_pairs"]),
                "left_records": Count(det_counts["conflict_records"]),
                "left_to_probabilistic": deterministic.CONFLICTS_TO_PROBABILISTIC,
            },
            # The records linked on NHS number and DOB are among those linked on NHS
            # number: a difference of 1–7 between the two would be a small count.
            RELATIONS: [Chain((cell(*nhs), cell(*nhs_dob)))],
        },
        "probabilistic": {
            "threshold": threshold,
            "linked_records": Count(n_prob),
            "match_rate": Rate(n_prob, n_left),
            "expected_match_rate": rate_block,
            "by_threshold": cuts,
            "false_links": false_block,
            "prior": {"seeded": seed_prior, "refined": prior,
                      "seed_recall_assumed": cfg.prior_recall,
                      # λ × possible pairs / left records: matching *pairs* per left
                      # record (duplicates in right count twice); not a match rate.
                      "matching_pairs_per_left_record": prior * n_right},
            "blocking": {
                **counts,
                "rules": [{**r, "marginal": Count(r["marginal"]),
                           "cumulative": Count(r["cumulative"])} for r in counts["rules"]],
                "total_possible": Count(counts["total_possible"]),
                "scored_pairs": Count(len(log2_bf)),
                "estimated_recall": recall_block,
            },
            "untrained_levels": untrained,
            "training": {"seed": cfg.seed, "u_max_pairs": cfg.u_max_pairs,
                         "em_max_pairs": cfg.em_max_pairs, "u": _u_record(u_how)},
            RELATIONS: threshold_relations(cuts),
        },
        "combined": {
            "rule": "deterministic, or probabilistic at the threshold",
            "linked_records": combined[0],
            "match_rate": combined[1],
            "by_subgroup": {**by_subgroup, RELATIONS: subgroups.subgroup_relations(
                by_subgroup, cell(left_records), cell(*combined))},
        },
        "warnings": warnings,
    }
    return PairResult(left.name, right.name, links, summary, model, clock.laps)
