"""Run a what-if on the user's own records: link the affected pairs as they are, change
a copy of the records, and measure the pairs again.

Nothing here writes a file or rounds a figure: the result holds the exact tree of
``whatif.json``, published once by :func:`linkready.publish.whatif_document` (disclosure
control with secondary suppression, the rule ``linkage.json`` follows) and written by
the pipeline (:func:`linkready.pipeline.whatif`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linkready.documents import SCHEMA_VERSION, header
from linkready.errors import ConfigError
from linkready.link import deterministic
from linkready.link.backends import DuckDBBackend
from linkready.link.pair import PairResult, link_pair
from linkready.link.settings import TrainingConfig
from linkready.link.workspace import check_pairs, ensure_workspace, source_stats, stage_source
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project
from linkready.publish import (
    RELATIONS,
    Chain,
    Count,
    Line,
    Rate,
    Value,
    cell,
    exact,
    relations,
    whatif_document,
)
from linkready.whatif._apply import (
    Applied,
    blank,
    completeness,
    copy_workspace,
    records_for,
    trace,
)
from linkready.whatif._changes import Change

#: Links at or above this probability count as traced identifiers (``more`` changes).
DEFAULT_TRACE_THRESHOLD = 0.99
ASSUME_RANDOM = (
    "Less complete: values are blanked in a seeded random choice of the records that hold "
    "them, so the result assumes they would go missing at random. In practice missing "
    "values cluster (people new to an area, children, people without a fixed address), "
    "and those people are often also the hardest to link, so the real loss may be larger.")
ASSUME_TRACED = (
    "More complete: a record without the value takes it from the record it is "
    "confidently linked to (p ≥ the tracing threshold, most confident link first), as if "
    "the value had been traced (for the NHS number, e.g. through PDS). Only records that "
    "linkready already links confidently can be traced, so tracing shows what a "
    "deterministic NHS-number pipeline would then find; it adds no person the "
    "probabilistic stage does not already find, and the target may not be reached.")
ASSUME_EXPECTED = (
    "The expected match rate is the share of left records estimated (without truth) to "
    "have a match in right: it depends on who is in both sources, not on what is "
    "recorded, so the baseline estimate and its interval are carried to the what-if. "
    "With relink (always, when a field other than the NHS number changes), the pairs are "
    "linked again on the changed records and the what-if figures are re-estimated.")


#: ``kept_baseline(workspace, pairs, config)``: a baseline linkage of ``pairs`` kept from
#: an earlier run on the records of ``workspace`` with ``config``, or None.
KeptBaseline = Callable[[Path, list[tuple[str, str]], TrainingConfig],
                        "dict[tuple[str, str], PairResult] | None"]


def affected_pairs(project: Project, changes: list[Change],
                   pairs: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """The pairs of two sources (as declared, or ``pairs``) that touch a changed source.

    Raises:
        ConfigError: a changed source is in none of them.
    """
    todo = [p for p in dict.fromkeys(pairs or project.link_pairs) if p[0] != p[1]]
    changed = list(dict.fromkeys(c.source for c in changes))
    lonely = [s for s in changed if not any(s in p for p in todo)]
    if lonely:
        raise ConfigError(f"whatif: source `{lonely[0]}` is in no pair to link; add a pair "
                          "with it to the project (pairs:) or to --pairs")
    return [p for p in todo if p[0] in changed or p[1] in changed]


def needs_relink(changes: list[Change]) -> bool:
    """Whether a change can only show by linking again (a field other than the NHS
    number, which the deterministic stage does not use)."""
    return any(c.field != "nhs_number" for c in changes)


def check_thresholds(threshold: float, trace_threshold: float) -> None:
    """Raise ConfigError unless both are probabilities strictly between 0 and 1."""
    for name, value, example in (("--threshold", threshold, 0.9),
                                 ("--trace-threshold", trace_threshold, 0.99)):
        if not 0.0 < value < 1.0:
            raise ConfigError(f"{name}: {value:g} is not a probability strictly between 0 "
                              f"and 1; use e.g. {example}")


def _deterministic(con: Any, left: str, right: str) -> dict[str, int]:
    """The deterministic stage's counts for ``left`` → ``right`` on ``ws.records``."""
    be = DuckDBBackend(con, spill=False)
    lt = stage_source(be, "__lr_wl", left)
    rt = stage_source(be, "__lr_wr", right)
    counts = deterministic.linked_left_counts(be.to_arrow(
        deterministic.deterministic_pairs_sql(lt, rt)))
    be.drop(lt, rt)
    return counts


def _confident(results: list[PairResult], source: str, threshold: float) -> Any:
    """``source``'s links at p ≥ ``threshold`` (a deterministic link counts as p = 1) in
    the baseline pairs, as (record_id, partner_source, partner_id, p)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for r in results:
        links = r.links
        p = pc.fill_null(links.column("match_probability"), 1.0)
        keep = pc.greater_equal(p, threshold)
        for side, other, partner in (("l", "r", r.right), ("r", "l", r.left)):
            if (r.left if side == "l" else r.right) != source:
                continue
            parts.append(pa.table({
                "record_id": pc.filter(links.column(f"record_id_{side}"), keep),
                "partner_source": pa.array([partner] * int(pc.sum(keep).as_py() or 0),
                                           pa.string()),
                "partner_id": pc.filter(links.column(f"record_id_{other}"), keep),
                "p": pc.filter(p, keep)}))
    if not parts:
        return pa.table({"record_id": pa.array([], pa.string()),
                         "partner_source": pa.array([], pa.string()),
                         "partner_id": pa.array([], pa.string()),
                         "p": pa.array([], pa.float64())})
    return pa.concat_tables([t.cast(parts[0].schema) for t in parts])


def _share(rate: Rate, expected: dict[str, Any]) -> dict[str, Any]:
    """A deterministic rate as a share of the expected match rate, with the interval the
    expected rate's interval gives it (capped at 1): exact figures resting on the rate's
    counts and on what the expected rate rests on."""
    n, k = rate.denominator, rate.numerator
    est, lo, hi = (expected[key] for key in ("estimate", "lower", "upper"))
    rests = (k, n - k, *est.rests_on, *lo.rests_on, *hi.rests_on)

    def ratio(bound: Value) -> Value:
        x = bound.x
        value = min(1.0, (k / n) / x) if n > 0 and x is not None and x > 0 else None
        return Value(value, rests)

    return {"estimate": ratio(est), "lower": ratio(hi), "upper": ratio(lo)}


def _expected(summary: dict[str, Any]) -> dict[str, Any]:
    """The expected match rate of a pair's exact summary: its figures, as linked."""
    e = summary["probabilistic"]["expected_match_rate"]
    return {k: e.get(k) for k in ("estimate", "lower", "upper", "interval")}


def _pair_tree(left: str, right: str, changed: list[str], n: int, before: int,
               after: int, base: PairResult, again: PairResult | None) -> dict[str, Any]:
    """One pair's row of ``whatif.json`` as an exact tree (:mod:`linkready.publish`).

    The deterministic stage's linked records before and after the change are nested
    (blanking only loses NHS-number links, tracing only adds them), so their difference
    is a count of records: a :class:`~linkready.publish.Chain` hides the what-if side
    (its count, rate, share of expected and the change in points) when the difference
    is 1–7. The pair summaries' own relations come along, so their figures are
    published exactly as ``linkage.json`` publishes them."""
    rate_b, rate_a = Rate(before, n), Rate(after, n)
    expected_b = _expected(base.summary)
    expected_a = _expected(again.summary) if again else expected_b
    share_b, share_a = _share(rate_b, expected_b), _share(rate_a, expected_a)
    points = Value(100 * (after - before) / n if n > 0 else None,
                   (before, n - before, after, n - after), digits=1)
    count_b, count_a = Count(before), Count(after)
    return {
        "left": left, "right": right, "changed": changed,
        "left_records": Count(n),
        "baseline": {
            "deterministic": {"linked_records": count_b, "match_rate": rate_b},
            "combined": {"match_rate": base.summary["combined"]["match_rate"]},
            "expected_match_rate": expected_b,
            "deterministic_share_of_expected": share_b,
        },
        "whatif": {
            "deterministic": {"linked_records": count_a, "match_rate": rate_a},
            "combined": {"match_rate": again.summary["combined"]["match_rate"]
                         if again else None},
            "expected_match_rate": expected_a,
            "expected_from": "relinked" if again else "baseline (carried)",
            "deterministic_share_of_expected": share_a,
        },
        "deterministic_change_points": points,
        RELATIONS: [
            Chain((cell(count_b, rate_b, *share_b.values(), count_only=True),
                   cell(count_a, rate_a, *share_a.values(), points, count_only=True))),
            *relations(base.summary), *(relations(again.summary) if again else [])],
    }


@dataclass(frozen=True)
class WhatIf:
    """A what-if run, in memory: the exact tree of ``whatif.json`` and what was changed.

    Nothing in ``tree`` is rounded or suppressed; :attr:`document` publishes it
    (:func:`linkready.publish.whatif_document`: disclosure control, primary and
    secondary, always — it describes the user's own records)."""

    tree: dict[str, Any]
    applied: list[Applied]
    #: The baseline linkage was kept from the results folder (``link`` or ``assess`` left
    #: it there, computed from the same records and settings) instead of linked again.
    baseline_kept: bool = False

    @property
    def document(self) -> dict[str, Any]:
        """``whatif.json`` under disclosure control."""
        return whatif_document(self.tree)

    def exact(self) -> dict[str, Any]:
        """The document with every figure as measured: never to publish."""
        return dict(exact(self.tree))


def run_whatif(project: Project, changes: list[Change], *,
               pairs: list[tuple[str, str]] | None = None, threshold: float = 0.9,
               trace_threshold: float = DEFAULT_TRACE_THRESHOLD, seed: int = 42,
               relink: bool = False, workspace: Path | None = None,
               config: TrainingConfig | None = None,
               progress: ProgressCallback = no_progress,
               kept_baseline: KeptBaseline | None = None) -> WhatIf:
    """Measure the affected pairs as they are, apply ``changes`` to a copy of the records
    (blank at random for less, trace from confident links for more), and measure again.

    ``kept_baseline(workspace, pairs, config)`` may return the baseline linkage of every
    pair (exact summaries and links, as :func:`~linkready.link.pair.link_pair` gives
    them) computed earlier from the same records and settings; the pairs are then not
    linked again (:func:`linkready.reuse.previous_baseline` checks the key).

    Raises:
        ConfigError: bad threshold, a changed source in no pair.
        InputError: a source cannot be linked.
    """
    check_thresholds(threshold, trace_threshold)
    # Only the NHS number feeds the deterministic stage: a change to any other field can
    # show only in the probabilistic stage, so those pairs are always linked again.
    relink = relink or needs_relink(changes)
    cfg = config or TrainingConfig(seed=seed)
    todo = affected_pairs(project, changes, pairs)
    path = ensure_workspace(project, workspace)
    progress("workspace")
    con = copy_workspace(path, sorted({s for p in todo for s in p}))
    try:
        stats = source_stats(con)
        check_pairs(todo, project, stats)
        kept = kept_baseline(path, todo, cfg) if kept_baseline is not None else None
        baseline: list[PairResult] = []
        det_before: dict[tuple[str, str], dict[str, int]] = {}
        for left, right in todo:
            baseline.append(kept[(left, right)] if kept is not None else
                            link_pair(con, stats[left], stats[right], threshold, cfg,
                                      reference=project.reference()))
            det_before[(left, right)] = _deterministic(con, left, right)
            progress(f"baseline {left} → {right}")
        rng = np.random.default_rng(seed)
        applied: list[Applied] = []
        for c in changes:
            held, n = completeness(con, c.source, c.field)
            if records_for(c.share, n) < held:
                applied.append(blank(con, c, rng))
            else:
                applied.append(trace(con, c, _confident(baseline, c.source,
                                                        trace_threshold)))
        stats = source_stats(con)
        det_after = {p: _deterministic(con, *p) for p in todo}
        relinked: list[PairResult | None] = []
        for left, right in todo:
            relinked.append(link_pair(con, stats[left], stats[right], threshold, cfg,
                                      reference=project.reference()) if relink else None)
            progress(f"what-if {left} → {right}")
    finally:
        con.close()
    rows = [_pair_tree(left, right, sorted({c.source for c in changes} & {left, right}),
                       stats[left].records, det_before[(left, right)]["nhs"],
                       det_after[(left, right)]["nhs"], base, again)
            for (left, right), base, again in zip(todo, baseline, relinked, strict=True)]
    tree = {
        **header(project.name, project.config_hash(), SCHEMA_VERSION),
        "kind": "whatif",
        "seed": seed,
        "threshold": threshold,
        "trace_threshold": trace_threshold,
        "relink": relink,
        "assumptions": _assumptions(applied),
        "changes": [_change_tree(x, trace_threshold) for x in applied],
        "pairs": rows,
        "warnings": [w for x in applied if (w := _shortfall(x, trace_threshold))],
    }
    return WhatIf(tree, applied, baseline_kept=kept is not None)


def _assumptions(applied: list[Applied]) -> list[str]:
    kinds = {x.direction for x in applied}
    return [*([ASSUME_RANDOM] if "less" in kinds else []),
            *([ASSUME_TRACED] if "more" in kinds or any(
                x.wanted > x.held_before for x in applied) else []),
            ASSUME_EXPECTED]


def _change_tree(x: Applied, trace_threshold: float) -> dict[str, Any]:
    """One change of ``whatif.json`` as an exact tree. The records holding the field
    before and after and those changed form a line (after = before − blanked, or
    before + traced), and the records traced lie among those traceable: a hidden one of
    them must not be recoverable from the others."""
    c = x.change
    traced = x.wanted > x.held_before
    before, after = Rate(x.held_before, x.records), Rate(x.held_after, x.records)
    changed = Count(x.changed)
    traceable = Count(x.candidates) if traced else None
    small, large = (after, before) if x.held_after <= x.held_before else (before, after)
    rels: list[Any] = [Line((cell(small), cell(changed)), cell(large))]
    if traceable is not None:
        rels.append(Chain((cell(changed), cell(traceable))))
    return {
        "source": c.source, "field": c.field,
        "measure": "valid NHS number" if c.field == "nhs_number" else "any value",
        "records": Count(x.records),
        "baseline_share": before,
        "target_share": c.share,
        "reached_share": after,
        "direction": x.direction,
        "method": (f"traced from links at p ≥ {trace_threshold:g}" if traced
                   else "blanked at random (seeded)" if x.direction == "less" else "none"),
        "records_changed": changed,
        "traceable_records": traceable,
        "target_reached": x.held_after == x.wanted or not traced,
        RELATIONS: rels,
    }


def _shortfall(x: Applied, trace_threshold: float) -> str | None:
    if x.wanted <= x.held_after or x.wanted <= x.held_before:
        return None
    # The share reached is a figure (changes[].reached_share), published there under
    # disclosure control; a sentence cannot carry it without escaping that control.
    return (f"{x.change.source}.{x.change.field}: the target {100 * x.change.share:.1f}% "
            f"was not reached (see reached_share): too few records lacking it are linked at "
            f"p ≥ {trace_threshold:g} to a record that holds it")
