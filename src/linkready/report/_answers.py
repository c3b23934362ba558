"""The first screen: "can we link, and how well?" per pair in words, and the key figures.

Every sentence is made from the figures of ``linkage.json`` (and ``evaluation.json`` when
the truth is known) and the pair's verdict. Two reasons a record does not link are kept
apart throughout: **coverage** (the person has no record in the other source, so no
linkage could find them) and **linkage error** (the person is there, but the link was
missed or made to the wrong person). See the glossary section.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from linkready.documents import EvaluationPair, LinkagePair
from linkready.link.skipped import HOW_TO_ESTIMATE, NOT_ESTIMATED, skipped
from linkready.privacy import SUPPRESSED
from linkready.report._fmt import (
    count,
    is_suppressed,
    link_rate,
    pct,
    published,
    rate_value,
    source_label,
    with_interval,
)
from linkready.report._inputs import ReportInputs
from linkready.report._model import KeyFigure, Rag, Verdict
from linkready.report._verdict import Thresholds, missed_worst_case, too_few_matches


@dataclass(frozen=True)
class Answer:
    """One pair's answer in words, for the top of the report."""

    subject: str
    rag: Rag
    text: str


def _eval_pair(inp: ReportInputs, p: LinkagePair) -> EvaluationPair | None:
    return next((e for e in inp.eval_pairs
                 if (e["left"], e["right"]) == (p["left"], p["right"])), None)


def _nhs_held(inp: ReportInputs, source: str) -> bool | None:
    fields = (inp.profile or {}).get("sources", {}).get(source, {}).get("fields")
    if fields is None:
        return None
    return bool(fields.get("nhs_number", {}).get("held", False))


def _share(x: Any) -> str:
    """A rate for a sentence: ``*`` stays ``*`` (it rests on 1–7 records)."""
    return pct(x) if x == SUPPRESSED or rate_value(x) is not None else "not known"


def coverage(inp: ReportInputs, p: LinkagePair) -> tuple[float | None, str]:
    """The share of the left source's records that have a record in the right source,
    and where it comes from (the synthetic truth, or the model's expected rate)."""
    ev = _eval_pair(inp, p)
    if ev is not None:
        return rate_value(ev["truth"]["overlap_rate"]), "known from the synthetic truth" \
            if (inp.evaluation or {}).get("synthetic") else "known from the truth"
    if skipped(p):
        return None, NOT_ESTIMATED
    exp = p["probabilistic"]["expected_match_rate"]
    return rate_value(exp.get("estimate")), "expected by the model"


def linkage_error(inp: ReportInputs, p: LinkagePair) -> tuple[float | None, str]:
    """The share of true matches the linkage misses: measured against the truth where it
    is known, else the worst case the label-free estimates allow."""
    ev = _eval_pair(inp, p)
    if ev is not None:
        return rate_value(ev["combined"].get("missed_match_rate")), "measured against the truth"
    if skipped(p):
        return None, NOT_ESTIMATED
    if too_few_matches(p, Thresholds()) is not None:
        # A share of too few expected matches to be read (the verdict's rule): not shown.
        return None, _UNREAD
    return missed_worst_case(p), "estimated without truth, worst case" + _scale(p)


#: Why a pair's linkage error is not shown: too few expected matches to read it.
_UNREAD = "not read: the model expects too few matches to measure it"


def _scale(p: LinkagePair) -> str:
    """How many left records the model expects, at most, to have a match: what a
    worst-case share of missed matches is a share of (from published figures)."""
    upper = rate_value(p["probabilistic"]["expected_match_rate"].get("upper"))
    n = published(p.get("left_records"))
    if upper is None or not isinstance(n, int):
        return ""
    return (f": the model expects at most {count(round(upper * n))} of {count(n)} "
            f"{source_label(p['left'])} records to have a match")


def _reason(v: Verdict) -> str:
    """Why the pair got its rating, from the rule that set it, with its green bound."""
    if v.rag == "green":
        return "every rule is within its green threshold"
    firsts = [r for r in v.reasons if r.rag == v.rag]
    if not firsts:
        return v.headline.rstrip(".")
    r = firsts[0]
    return f"{r.short} {r.value} ({r.threshold.split(';')[0]})"


def _linked(block: Mapping[str, Any], n: Any) -> str:
    """A linkage.json match rate for a sentence; a hidden one says which way it is small."""
    shown = link_rate(block, n)
    if shown != SUPPRESSED:
        return shown
    return ("fewer than 8" if is_suppressed(block.get("linked_records"))
            else "all but fewer than 8")


def pair_answer(inp: ReportInputs, p: LinkagePair, v: Verdict) -> Answer:
    """"Can we link, and how well?" for one pair, in three short sentences: what links,
    why the rest do not (coverage apart from linkage error), and the rating's reason."""
    left, right = source_label(p["left"]), source_label(p["right"])
    n = p["left_records"]
    exp = p["probabilistic"]["expected_match_rate"]
    expected = with_interval(exp.get("estimate"), exp.get("lower"), exp.get("upper"))
    expected = ("the model's expected rate is hidden: it rests on fewer than 8 records"
                if expected == SUPPRESSED else f"the model expected {expected}")
    if skipped(p):
        expected = "the expected match rate was " + NOT_ESTIMATED
    no_nhs = _nhs_held(inp, p["left"]) is False
    parts = [f"{_linked(p['combined'], n)} of {left} records link to {right} ("
             + (f"{left} holds no NHS number" if no_nhs else
                f"{_linked(p['deterministic'], n)} by NHS number alone")
             + f"; {expected})."]
    ev = _eval_pair(inp, p)
    uncovered = ev is not None and ev["combined"].get("left_records") == 0
    if uncovered:  # the truth holds none of the left source's records
        parts.append(f"The truth holds none of {left}'s records.")
    if ev is not None and not uncovered:
        gap = ev["combined"]["gap"]
        parts.append(f"Not linked: {_share(gap['coverage'])} not in {right} (coverage), "
                     f"{_share(gap['linkage_error'])} missed (linkage error), against the "
                     "known truth.")
    else:
        est = rate_value(exp.get("estimate"))
        missed, _ = linkage_error(inp, p)
        f_hi = rate_value(p["probabilistic"].get("false_links", {}).get("upper"))
        errors = [f"at most {pct(missed)} of true matches missed" if missed is not None
                  else "", f"at most {pct(f_hi)} of accepted links false"
                  if f_hi is not None else ""]
        bits = [f"about {pct(1 - est)} not in {right} (coverage)" if est is not None else "",
                "linkage error " + " and ".join(e for e in errors if e) if any(errors)
                else ""]
        if any(bits):
            parts.append("Estimated without truth: " + "; ".join(b for b in bits if b) + ".")
    parts.append(v.headline if v.rag == "none" and skipped(p)
                 else f"Rated {v.rag}: {_reason(v)}.")
    return Answer(f"{left} → {right}", v.rag, " ".join(parts))


def answers(inp: ReportInputs, pair_verdicts: list[Verdict]) -> tuple[Answer, ...]:
    """One answer per linked pair, in linkage.json's order."""
    pairs = inp.link_pairs
    return tuple(pair_answer(inp, p, v) for p, v in zip(pairs, pair_verdicts, strict=True))


def _tally(verdicts: list[Verdict]) -> str:
    amber = sum(v.rag == "amber" for v in verdicts)
    red = sum(v.rag == "red" for v in verdicts)
    return f"{amber} amber, {red} red"


def key_figures(inp: ReportInputs, source_verdicts: list[Verdict],
                pair_verdicts: list[Verdict]) -> tuple[KeyFigure, ...]:
    """The tiles at the top of the page and in the command's summary; each counts one
    kind of thing (sources, pairs, people), and coverage and linkage error have a tile
    each."""
    out: list[KeyFigure] = []
    if source_verdicts:
        green = sum(v.rag == "green" for v in source_verdicts)
        out.append(KeyFigure("sources fit to link (green)",
                             f"{green} of {len(source_verdicts)}", _tally(source_verdicts)))
    if pair_verdicts:
        green = sum(v.rag == "green" for v in pair_verdicts)
        out.append(KeyFigure("pairs that link well (green)",
                             f"{green} of {len(pair_verdicts)}", _tally(pair_verdicts)))
    c = (inp.linkage or {}).get("clusters")
    if c:
        out.append(KeyFigure("distinct people", count(c["distinct_people"]),
                             f"across {len(c['sources'])} sources"))
    pairs = inp.link_pairs
    out += _pair_tile(inp, pairs, coverage, "lowest coverage", lowest=True,
                      detail="of {left} records have a record in {right} ({how}); the rest "
                             "cannot link")
    out += _pair_tile(inp, pairs, linkage_error, "largest linkage error", lowest=False,
                      detail="of true matches missed, {left} → {right} ({how})")
    return tuple(out)


def _pair_tile(inp: ReportInputs, pairs: list[LinkagePair],
               measure: Callable[[ReportInputs, LinkagePair], tuple[float | None, str]],
               label: str, *, lowest: bool, detail: str) -> list[KeyFigure]:
    """The tile for the pair whose ``measure`` is lowest (or highest) among the pairs
    where it is known, its ``detail`` naming the pair and where the figure comes from; a
    hidden tile when no pair's figure can be shown; none without pairs."""
    known = [(x, how, p) for p in pairs for x, how in [measure(inp, p)] if x is not None]
    if known:
        x, how, p = (min if lowest else max)(known, key=lambda t: t[0])
        return [KeyFigure(label, pct(x), detail.format(left=source_label(p["left"]),
                                                       right=source_label(p["right"]),
                                                       how=how))]
    why = {measure(inp, p)[1] for p in pairs}
    if pairs and NOT_ESTIMATED in why and why <= {NOT_ESTIMATED, _UNREAD}:
        return [KeyFigure(label, "–", f"{NOT_ESTIMATED}: {HOW_TO_ESTIMATE}")]
    if pairs and why == {_UNREAD}:
        return [KeyFigure(label, "–", _UNREAD + " (the sources share almost nobody: "
                                           "coverage, not linkage error)")]
    if pairs:
        return [KeyFigure(label, SUPPRESSED, "hidden: it rests on fewer than 8 records")]
    return []
