"""Red / amber / green verdicts: rules are data, each a measure read from the JSON outputs
compared with two thresholds. A verdict is the worst of its rules. See ``docs/report.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from linkready.documents import EvaluationPair, LinkagePair, ProfileSource
from linkready.privacy import SMALL_COUNT_MAX, SUPPRESSED
from linkready.report._fmt import (
    DIMENSION_LABELS,
    count,
    group_label,
    is_suppressed,
    pct,
    published,
    rate_value,
    share_text,
    share_value,
    source_label,
)
from linkready.report._model import Rag, RuleResult, Verdict

_ORDER: dict[Rag, int] = {"none": 0, "green": 1, "amber": 2, "red": 3}
#: The lower tail of the label-free intervals (``linkready.link.estimates.Q_LO``; not
#: imported, to keep numpy and pandas out of the report's imports).
_TAIL = 0.025


@dataclass(frozen=True)
class Rule:
    """A measure with a green and an amber threshold.

    ``higher_is_better`` rules are green at or above ``green``, amber at or above ``amber``,
    red below. Otherwise green at or below ``green``, amber at or below ``amber``. A rule
    with ``amber`` equal to ``None`` is never red (its worst is amber).
    """

    name: str
    short: str
    green: float
    amber: float | None
    higher_is_better: bool
    unit: str = "%"

    def rag(self, value: float) -> Rag:
        good = value >= self.green if self.higher_is_better else value <= self.green
        if good:
            return "green"
        if self.amber is None:
            return "amber"
        ok = value >= self.amber if self.higher_is_better else value <= self.amber
        return "amber" if ok else "red"

    def _show(self, x: float) -> str:
        return f"{100 * x:.0f}%" if self.unit == "%" else (
            f"{100 * x:.0f} points" if self.unit == "pp" else f"{x:.0f}")

    def threshold_text(self) -> str:
        sign, worse = ("≥", "<") if self.higher_is_better else ("≤", ">")
        text = f"green {sign} {self._show(self.green)}"
        if self.amber is None:
            return text + "; amber otherwise"
        return text + f"; amber {sign} {self._show(self.amber)}; red {worse} " \
                      f"{self._show(self.amber)}"

    def apply(self, value: float, shown: str | None = None) -> RuleResult:
        return RuleResult(self.name, self.short, shown or self._value(value),
                          self.threshold_text(), self.rag(value))

    def _value(self, x: float) -> str:
        return pct(x) if self.unit == "%" else (
            f"{100 * x:.1f} points" if self.unit == "pp" else f"{x:.1f}")


@dataclass(frozen=True)
class Thresholds:
    """Every rule the verdicts use. Change a threshold here and in ``docs/report.md``."""

    nhs_valid: Rule = Rule("Share of records with a valid NHS number", "valid NHS number",
                           0.95, 0.80, True)
    linkable: Rule = Rule("Share of records linkable by at least one method (a valid NHS "
                          "number, or names, date of birth and postcode or sex)", "linkable",
                          0.98, 0.90, True)
    dqmi: Rule = Rule("DQMI-style score of the identifiers the source holds (0–100)",
                      "DQMI score", 90, 75, True, unit="score")
    nhs_share_of_links: Rule = Rule(
        "Share of the pair's links that exact NHS-number linkage alone finds",
        "found by NHS number", 0.95, None, True)
    missed_estimate: Rule = Rule(
        "Missed-match share without truth: the worst case that the expected match rate's "
        "interval (model, blocking, chance, the model-free check and the completeness gap) "
        "and the expected false links allow",
        "missed (estimated, worst case)", 0.02, 0.10, False)
    blocking_recall: Rule = Rule(
        "Blocking recall estimated without truth (lower end of its interval): share of "
        "expected matches the blocking rules compare; not read where the model expects too "
        "few matches for a blocking that misses none to reach amber",
        "blocking recall (lower)", 0.98, 0.90, True)
    false_estimate: Rule = Rule(
        "False-link share without truth (upper end of its interval), among accepted "
        "probabilistic links", "false links (estimated, upper)", 0.01, 0.05, False)
    #: Wider than this, the expected match rate's interval cannot back a verdict.
    max_interval_width: float = 0.10
    #: Where the grey-zone worst case (``expected_match_rate.grey_zone.share_of_left``)
    #: raises the upper end by more than this, the label-free figures cannot back a
    #: verdict either (at worst amber, "cannot tell without a review sample").
    max_grey_zone: float = 0.02
    missed: Rule = Rule("Missed-match rate: true matches not linked (synthetic truth)",
                        "missed matches", 0.02, 0.10, False)
    false: Rule = Rule("False-match rate: links that are wrong (synthetic truth)",
                       "false matches", 0.01, 0.05, False)
    bias: Rule = Rule(
        "Largest excess of a subgroup's missed-match rate over the pair's, among subgroups "
        "missed significantly more than the rest (one-sided exact test, Holm-corrected "
        "over all subgroups compared)", "worst subgroup", 0.03, 0.10, False, unit="pp")
    #: The old bias rule's minimum subgroup size (left records). The bias rule now reads
    #: the Holm-corrected tests of evaluation.json (``linkready.link.bias`` sets which
    #: subgroups are tested); kept so that code passing it still works.
    min_subgroup_records: int = 50

    def source_rules(self) -> tuple[Rule, ...]:
        return (self.nhs_valid, self.linkable, self.dqmi)

    def pair_rules(self) -> tuple[Rule, ...]:
        return (self.nhs_share_of_links, self.missed_estimate, self.blocking_recall,
                self.false_estimate, self.missed, self.false, self.bias)


def worst(rags: list[Rag]) -> Rag:
    return max(rags, key=lambda r: _ORDER[r], default="none")


def _headline(kind: str, rag: Rag, reasons: list[RuleResult]) -> str:
    firsts = [r for r in reasons if r.rag == rag]
    why = f"{firsts[0].short} {firsts[0].value}" if firsts else ""
    if kind == "source":
        return {"green": "Fit to link: identifiers complete and valid.",
                "amber": f"Linkable with care: {why}.",
                "red": f"Not fit to link as it stands: {why}."}.get(rag, "")
    if kind == "unsure":
        return ("Cannot tell without a review sample: " + why + ". Review a sample of "
                "pairs from every match-weight band, including below the threshold "
                "(docs/methods/match-rates.md).")
    return {"green": "Links well; the label-free estimates, with their uncertainty, "
                     "agree.",
            "amber": f"Links, with care: {why}.",
            "red": f"Not reliable as it stands: {why}."}.get(rag, "")


def _shown(fig: Mapping[str, Any], total: Any) -> str | None:
    """``*`` (or ``all but *``, :func:`~linkready.report._fmt.share_text`) where a
    profile share is published as ``*``; None (the rule's own format) otherwise."""
    return share_text(fig, total) if fig.get("share") == SUPPRESSED else None


def source_verdict(name: str, doc: ProfileSource, t: Thresholds) -> Verdict:
    """Verdict on one source of ``profile.json``."""
    reasons: list[RuleResult] = []
    nhs_held = doc["fields"].get("nhs_number", {}).get("held", False)
    det = doc["readiness"]["deterministic"]
    if not nhs_held:
        reasons.append(RuleResult(t.nhs_valid.name, t.nhs_valid.short, "not held",
                                  t.nhs_valid.threshold_text(), "red"))
    elif (det_share := share_value(det, doc["records"])) is not None:
        reasons.append(t.nhs_valid.apply(det_share, shown=_shown(det, doc["records"])))
    either = doc["readiness"]["either"]
    if (either_share := share_value(either, doc["records"])) is not None:
        reasons.append(t.linkable.apply(either_share, shown=_shown(either, doc["records"])))
    reasons.append(t.dqmi.apply(float(doc["dqmi"]["composite_held"])))
    rag = worst([r.rag for r in reasons])
    return Verdict(source_label(name), "source", rag, _headline("source", rag, reasons),
                   tuple(reasons))


def _rate(block: Mapping[str, Any], key: str, *counts: str) -> float | None:
    """A rate from evaluation.json, or None where it, or a count it rests on, is
    suppressed."""
    if is_suppressed(*(block.get(c) for c in counts)):
        return None
    return rate_value(block.get(key))


def _worst_case(part: Any, rest: Any) -> float | None:
    """The highest value a rate ``part / (part + rest)`` published as ``*`` can take, from
    its published counts (``*`` is 1–7; others are rounded to 5, so up to 2 off); None
    when both counts are ``*``."""
    part, rest = published(part), published(rest)
    if part == SUPPRESSED and isinstance(rest, int):
        low_rest = max(rest - 2, 0)
        return SMALL_COUNT_MAX / (SMALL_COUNT_MAX + low_rest)
    if isinstance(part, int) and rest == SUPPRESSED:
        return (part + 2) / (part + 3)
    return None


def _nhs_share(link_pair: LinkagePair) -> float | None:
    """Deterministic links as a share of all links: from the rates, or, where one is
    ``*``, from the published linked-record counts (``*`` taken as 1, the worst case)."""
    det = rate_value(link_pair["deterministic"]["match_rate"])
    comb = rate_value(link_pair["combined"]["match_rate"])
    if det is not None and comb is not None:
        return min(det / comb, 1.0) if comb else None
    d = published(link_pair["deterministic"].get("linked_records"))
    c = published(link_pair["combined"].get("linked_records"))
    if not isinstance(c, int) or c <= 0:
        return None
    linked = d if isinstance(d, int) else 1 if d == SUPPRESSED else 0
    return min(linked / c, 1.0)


def bias_gap(ev_pair: EvaluationPair, t: Thresholds,
             method: str = "combined") -> tuple[float | None, str] | None:
    """The largest excess of a subgroup's missed-match rate over the pair's, among the
    subgroups the bias test flags (evaluation.json ``bias``: one-sided exact tests,
    Holm-corrected over every subgroup compared, so chance alone flags a group in at most
    5% of pairs with no bias); ``(0.0, "")`` when none is flagged, ``(None, label)`` when
    the only flagged groups have their excess shown as ``*``, None when the evaluation
    has no bias tests."""
    block = ev_pair.get("bias", {}).get(method)
    if not block:
        return None
    best: tuple[float | None, str] = (0.0, "")
    for row in block["groups"]:
        if not row["flagged"]:
            continue
        label = (f"{DIMENSION_LABELS.get(row['dimension'], row['dimension'])} "
                 f"{group_label(row['dimension'], row['group'])}")
        excess = rate_value(row["excess"])
        if excess is None:
            if best[0] == 0.0:
                best = (None, label)
        elif best[0] is None or excess > best[0]:
            best = (excess, label)
    return best


def pair_verdict(link_pair: LinkagePair, ev_pair: EvaluationPair | None,
                 t: Thresholds) -> Verdict:
    """Verdict on one linked pair of ``linkage.json`` (and ``evaluation.json``)."""
    reasons: list[RuleResult] = []
    share = _nhs_share(link_pair)
    if share is not None:
        reasons.append(t.nhs_share_of_links.apply(share))
    first = len(reasons)
    unsure = _label_free(link_pair, t, reasons)
    if unsure is not None:
        # An interval too wide to judge makes the worst cases it implies uncertainty, not
        # evidence of poor linkage: at worst amber ("cannot tell without a review
        # sample"); truth-based rules below can still make the pair red.
        capped = (t.missed_estimate.short, t.false_estimate.short)
        reasons[first:] = [replace(r, rag="amber") if r.rag == "red" and r.short in capped
                           else r for r in reasons[first:]]
    few = too_few_matches(link_pair, t)
    if few is not None:
        # The worst-case missed share is a share of the same few expected matches: it
        # cannot be read to its bounds either, so it is at worst amber (a review sample
        # tells), and the verdict rests on the overlap, a finding about coverage.
        reasons[first:] = [replace(r, rag="amber") if r.rag == "red"
                           and r.short == t.missed_estimate.short else r
                           for r in reasons[first:]]
    if ev_pair is not None:
        c: Mapping[str, Any] = ev_pair["combined"]
        for rule, key, n in ((t.missed, "missed_match_rate", "false_negatives"),
                             (t.false, "false_match_rate", "false_positives")):
            if c.get(key) is None:
                continue
            value = rate_value(c[key])
            if value is None:
                # Published as * (it rests on 1–7 records): rated at the worst value the
                # published counts allow, and shown as *.
                value = _worst_case(c.get(n), c.get("true_positives"))
                if value is None:
                    continue
                reasons.append(rule.apply(value, "* (1–7 records)"))
                continue
            reasons.append(rule.apply(value))
        b = bias_gap(ev_pair, t)
        if b is not None and b[0] is None:
            # A flagged group whose excess rests on 1–7 records: amber, figure hidden.
            reasons.append(RuleResult(t.bias.name, t.bias.short, f"* ({b[1]})",
                                      t.bias.threshold_text(), "amber"))
        elif b is not None:
            gap = max(b[0] or 0.0, 0.0)
            reasons.append(t.bias.apply(gap, f"{100 * gap:.1f} points"
                                             + (f" ({b[1]})" if gap > 0 else "")))
    rag = worst([r.rag for r in reasons])
    subject = f"{source_label(link_pair['left'])} → {source_label(link_pair['right'])}"
    from linkready.link.skipped import NOT_RATED, skipped

    if skipped(link_pair) and rag != "red":
        # Linked with --no-estimates: no rule on the missed or false share could run, so
        # no rating short of red can be read (a red rule stands).
        return Verdict(subject, "pair", "none", NOT_RATED, tuple(reasons))
    if unsure is not None and rag != "red":
        return Verdict(subject, "pair", "amber", _headline("unsure", "amber", [unsure]),
                       tuple(reasons))
    if few is not None and rag != "red":
        # Amber, not green: how well the pair links cannot be measured on so few
        # matches, and an overlap near nothing is as often a sign of the wrong extract
        # or a mapping that differs between the sources as of two populations apart.
        return Verdict(subject, "pair", "amber", (
            f"Shares almost nobody: {expects_text(link_pair)}, too few to read blocking "
            "recall or the share of matches missed. A finding about coverage, not a "
            "linkage error: check that the two extracts were meant to cover the same "
            "people and map their fields alike."), tuple(reasons))
    return Verdict(subject, "pair", rag, _headline("pair", rag, reasons), tuple(reasons))


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def missed_worst_case(link_pair: LinkagePair) -> float | None:
    """1 − (linked − false links, at their upper end) ÷ upper end of the expected match
    rate: the largest share of true matches left unlinked that the label-free figures
    allow. None where a figure it needs is not published (``*``, or an older file)."""
    prob = link_pair["probabilistic"]
    upper = _number(prob["expected_match_rate"].get("upper"))
    linked = rate_value(link_pair["combined"]["match_rate"])
    fl = prob.get("false_links", {})
    f_hi, acc = _number(fl.get("upper")), published(fl.get("accepted_records"))
    n = published(link_pair.get("left_records"))
    if upper is None or linked is None or not upper > 0:
        return None
    false = f_hi * acc / n if f_hi is not None and isinstance(acc, int) and \
        isinstance(n, int) and n > 0 else 0.0
    return min(max(1 - (linked - false) / upper, 0.0), 1.0)


def too_few_matches(link_pair: LinkagePair, t: Thresholds) -> RuleResult | None:
    """Where the model expects too few matches for blocking recall to mean anything, the
    row that says so (rated ``none``: no verdict rests on it); None where recall can be
    read, or the file predates ``perfect_blocking_lower``.

    Blocking recall is a share of the expected matches. On *M* of them, a blocking that
    compared every one still reads a lower end of only (α/2)^(1/M) from chance alone
    (``estimated_recall.perfect_blocking_lower``); where that is below the rule's amber
    bound, the reading is red whatever the blocking does, so it says nothing about the
    blocking: the pair's figures then say how few records the sources share (coverage),
    not how well they link."""
    recall = link_pair["probabilistic"].get("blocking", {}).get("estimated_recall", {})
    if "perfect_blocking_lower" not in recall:
        return None
    rule = t.blocking_recall
    bound = rule.amber if rule.amber is not None else rule.green
    if bound is None:  # the rule rates nothing, so there is nothing to read
        return None
    perfect = recall["perfect_blocking_lower"]
    value = _number(perfect)
    if perfect != SUPPRESSED and (value is None or value >= bound):
        return None
    need = math.ceil(math.log(_TAIL) / math.log(bound))
    return RuleResult(
        "Blocking recall: can it be read? A share of the expected matches, read only where "
        "a blocking that compared every expected match could reach the amber bound from "
        "chance alone (exact binomial lower end (α/2)^(1/M) of M expected matches)",
        rule.short, "cannot be read: " + expects_text(link_pair),
        f"read from {need} expected matches ({rule._show(bound)})", "none")


def expects_text(link_pair: LinkagePair) -> str:
    """'the model expects N (at most U) of M <left> records to have a match', from
    published figures (counts rounded, ``*`` for 1–7)."""
    recall = link_pair["probabilistic"].get("blocking", {}).get("estimated_recall", {})
    upper = rate_value(link_pair["probabilistic"]["expected_match_rate"].get("upper"))
    n = published(link_pair.get("left_records"))
    m = _number(recall.get("expected_matches"))
    most = (f" (at most {count(round(upper * n))})"
            if upper is not None and isinstance(n, int) else "")
    shown = SUPPRESSED if m is None else count(round(m))
    of = f" of {count(n)}" if isinstance(n, int) else ""
    return (f"the model expects {shown}{most}{of} {source_label(link_pair['left'])} "
            "records to have a match")


def _label_free(link_pair: LinkagePair, t: Thresholds,
                reasons: list[RuleResult]) -> RuleResult | None:
    """Append the label-free rules; return the reason the pair cannot be judged without
    a review sample (the point estimate flagged unreliable, the expected rate's interval
    too wide, or a material grey zone), if so."""
    prob = link_pair["probabilistic"]
    exp = prob["expected_match_rate"]
    missed = missed_worst_case(link_pair)
    if missed is not None:
        reasons.append(t.missed_estimate.apply(missed))
    recall = prob.get("blocking", {}).get("estimated_recall", {})
    lo = _number(recall.get("lower"))
    few = too_few_matches(link_pair, t)
    if few is not None:
        reasons.append(few)
    elif lo is not None:
        reasons.append(t.blocking_recall.apply(lo))
    f_hi = _number(prob.get("false_links", {}).get("upper"))
    if f_hi is not None:
        reasons.append(t.false_estimate.apply(f_hi))
    lower, upper = _number(exp.get("lower")), _number(exp.get("upper"))
    unsure: RuleResult | None = None
    if lower is not None and upper is not None and upper - lower > t.max_interval_width:
        unsure = RuleResult("Width of the expected match rate's interval",
                            "the expected match rate lies in", f"{pct(lower)}–{pct(upper)}",
                            f"at most {100 * t.max_interval_width:.0f} points wide",
                            "amber")
        reasons.append(unsure)
    grey = _number((exp.get("grey_zone") or {}).get("share_of_left"))
    if grey is not None and grey > t.max_grey_zone:
        unresolved = RuleResult(
            "Grey zone: left records the model leaves unresolved (best candidate 0.05 ≤ p "
            "< 0.95), as the share of left records they would add if all had their match",
            "unresolved by the model, up to", pct(grey),
            f"at most {100 * t.max_grey_zone:.0f}% of left records", "amber")
        reasons.append(unresolved)
        unsure = unsure or unresolved
    point = exp.get("point_estimate") or {}
    if point.get("reliable") is False:
        # Named first: it says why the figures cannot be trusted, not only how wide. It
        # heads the verdict but adds no column of its own (the verdict table must stay
        # within the page): its figures are the interval's, already in the other columns.
        far = _number(point.get("largest_distance"))
        why = ", ".join(_POINT_SIGNALS.get(r, r) for r in point.get("reasons", []))
        unsure = RuleResult(
            "Point estimate of the expected match rate: how far the label-free signals "
            "(model-free check, refitted model, grey zone, completeness gap) put it from "
            "where the truth may lie", "the point estimate is unreliable, off by up to",
            (f"{100 * far:.0f} points" if far is not None else "*") + f" ({why})",
            f"at most {100 * float(point.get('tolerance', 0.05)):.0f} points", "amber")
    return unsure


#: How each signal of ``expected_match_rate.point_estimate.reasons`` reads in a verdict.
_POINT_SIGNALS = {"model_free_check": "the model-free check disagrees",
                  "refit": "the refitted model disagrees",
                  "grey_zone": "records the model leaves unresolved",
                  "completeness_gap": "records lacking a field link less"}

