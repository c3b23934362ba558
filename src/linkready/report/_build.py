"""Build the report model from the JSON outputs: verdicts first, then each section."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from linkready.documents import LinkagePair, tool_version
from linkready.privacy import SUPPRESSED
from linkready.report import _sections_link as L
from linkready.report import _sections_quality as Q
from linkready.report._alerts import report_alerts
from linkready.report._answers import answers, key_figures
from linkready.report._fmt import (
    count,
    hcell,
    is_suppressed,
    link_rate,
    pct,
    rate_rank,
    rate_value,
    source_label,
    tcell,
)
from linkready.report._glossary import glossary_section
from linkready.report._inputs import ReportInputs
from linkready.report._labels import GUILD_ITEMS, GUILD_NOT_COVERED
from linkready.report._model import (
    Block,
    Bullets,
    Paragraph,
    Report,
    Section,
    Table,
    Verdict,
    VerdictBlock,
)
from linkready.report._threshold import threshold_blocks
from linkready.report._verdict import Thresholds, pair_verdict, source_verdict


def verdict_section(inp: ReportInputs, t: Thresholds) -> Section:
    """Section 1: a RAG verdict per source and per pair, with reasons and thresholds."""
    blocks: list[Block] = []
    sv = [source_verdict(n, s, t) for n, s in inp.profile_sources.items()]
    evs = {(p["left"], p["right"]): p for p in inp.eval_pairs}
    pv = [pair_verdict(p, evs.get((p["left"], p["right"])), t)
          for p in inp.link_pairs]
    pv = [explain_verdict(v, inp, p) for v, p in zip(pv, inp.link_pairs,
                                                      strict=True)]
    sv = [explain_verdict(v, inp, None) for v in sv]

    def tally(vs: list[Verdict], noun: str) -> str:
        c = {r: sum(v.rag == r for v in vs) for r in ("green", "amber", "red", "none")}
        return (f"of {len(vs)} {noun}, {c['green']} are green, {c['amber']} amber and "
                f"{c['red']} red" + (f", {c['none']} not rated (see why)"
                                     if c["none"] and noun == "linked pairs" else ""))
    counted = "; ".join(t for t in (tally(sv, "sources") if sv else "",
                                    tally(pv, "linked pairs") if pv else "") if t)
    blocks.append(Paragraph(
        "Each source and each linked pair gets a rating: green (fit to link), amber (usable "
        f"with care) or red (not fit as it stands). {counted[:1].upper() + counted[1:]}. "
        "A rating is the worst of its rules: each column is a rule, each cell the measured "
        "value. The thresholds are in the table below."))
    bottom = bottom_line(inp, sv)
    if bottom:
        blocks += [Paragraph("The bottom line:"), Bullets(tuple(bottom))]
    if sv:
        blocks.append(VerdictBlock("Sources: fit to link?", tuple(sv)))
    if pv:
        blocks.append(VerdictBlock("Linked pairs: how well do they link?", tuple(pv)))
    rules = [r for r in (*t.source_rules(), *t.pair_rules())
             if any(v.reason(r.short) for v in sv + pv)]
    blocks.append(Table("How the ratings are decided", ("rule", "what it measures",
                                                          "thresholds"),
                        tuple((hcell(r.short), tcell(r.name), tcell(r.threshold_text()))
                              for r in rules)))
    if not inp.evaluation and pv:
        blocks.append(Paragraph("These are real (or unlabelled) data, so pair ratings use "
                                "label-free measures only; missed and false matches cannot be "
                                "measured without known answers."))
    return Section("verdict", 1, "Verdict", "Is each source fit to link, and how well does "
                   "each pair link?", tuple(blocks))


def explain_verdict(v: Verdict, inp: ReportInputs, link_pair: LinkagePair | None
                    ) -> Verdict:
    """The verdict as computed, with every rating that rests on a hidden figure or on an
    identifier the source lacks given its reason in the shown value (display only)."""
    left_fields = ((inp.profile or {}).get("sources", {}).get(link_pair["left"], {})
                   .get("fields") if link_pair else None)
    no_nhs = left_fields is not None and not left_fields.get("nhs_number", {}).get("held")
    reasons = []
    for r in v.reasons:
        value = r.value
        if r.short == "found by NHS number" and no_nhs and link_pair is not None:
            value += f" ({source_label(link_pair['left'])} holds no NHS number)"
        elif value.startswith(SUPPRESSED) and r.rag in ("amber", "red"):
            value = (f"{value}: hidden, fewer than 8 records; rated {r.rag} on the worst "
                     "case those records allow")
        reasons.append(replace(r, value=value))
    headline = v.headline
    for old, new in zip(v.reasons, reasons, strict=True):
        if old.value != new.value:  # the headline quotes its rule's value: explain it too
            headline = headline.replace(f"{old.short} {old.value}", f"{new.short} {new.value}")
    return replace(v, reasons=tuple(reasons), headline=headline)


def bottom_line(inp: ReportInputs, sv: list[Verdict]) -> list[str]:
    """Three or four plain sentences a commissioner can repeat, from the verdicts and the
    linkage and evaluation outputs."""
    lines: list[str] = []
    if sv:
        fit = [v.subject for v in sv if v.rag == "green"]
        lines.append(f"{len(fit)} of {len(sv)} sources are fit to link as they stand.")
        for v in sv:
            if v.rag == "red" and v.reasons:
                r = next(r for r in v.reasons if r.rag == "red")
                if r.short == "valid NHS number":
                    lines.append(f"{v.subject} holds no NHS number." if r.value == "not held"
                                 else f"{v.subject}: only {r.value} of records have a valid "
                                      "NHS number.")
                else:
                    lines.append(f"{v.subject}: {r.short} {r.value}.")
    pairs = inp.link_pairs
    # A pair whose left source holds no NHS number links none by it; that is said above.
    held = [p for p in pairs if ((inp.profile or {}).get("sources", {}).get(p["left"], {})
                                 .get("fields", {}).get("nhs_number", {}).get("held", True))]
    if held:
        lo_d = min(held, key=lambda p: rate_rank(p["deterministic"]))
        lines.append(
            f"The lowest NHS-number match rate: exact NHS-number linkage links "
            f"{link_rate(lo_d['deterministic'], lo_d['left_records'])} of "
            f"{source_label(lo_d['left'])} records to {source_label(lo_d['right'])}. "
            "Records that do not link are either not in the other source (coverage) or "
            "missed (linkage error); the answers at the top keep the two apart.")
    evs = inp.eval_pairs
    # Synthetic truth is published exactly; a real truth keeps disclosure control, and a
    # pair whose missed count is hidden cannot be the one quoted.
    exact = (inp.evaluation or {}).get("disclosure_control", {}).get("applied") is False
    shown = [(rate, p) for p in evs
             if (exact or not is_suppressed(p["combined"]["false_negatives"],
                                            p["combined"]["true_positives"]))
             and (rate := rate_value(p["combined"]["missed_match_rate"])) is not None]
    if shown:
        rate, p = max(shown, key=lambda x: x[0])
        some = "" if exact or len(shown) == len(evs) else \
            " among the pairs whose figure can be shown"
        lines.append(f"Against the known truth, at most {pct(rate)} of true matches are "
                     f"missed{some} ({source_label(p['left'])} → "
                     f"{source_label(p['right'])}); this is linkage error, not coverage. "
                     "Section 9 shows who they are.")
    return lines


def methods_section(inp: ReportInputs, number: int, t: Thresholds) -> Section:
    """Section 11: methods, caveats and provenance."""
    link = inp.linkage or {}
    prof = inp.profile or {}
    man = inp.manifest or {}
    prov: list[tuple[str, str]] = []
    if prof:
        prov += [("profile.json", f"linkready {tool_version(prof)}, created "
                  f"{prof['created_at']}, project file SHA-256 {prof.get('config_hash')}")]
    if inp.validation:
        v = inp.validation
        prov += [("validation.json", f"linkready {tool_version(v)}, {v['engine']}, "
                  f"{v['result_format']}")]
    if link:
        prov += [("linkage.json", f"linkready {link['tool_version']}, config hash "
                  f"{link['config_hash']}, Splink training seed {link['seed']}, threshold "
                  f"p ≥ {link['threshold']}")]
    if inp.evaluation:
        e = inp.evaluation
        prov += [("evaluation.json", f"linkready {e['tool_version']}, config hash "
                  f"{e['config_hash']}, unit: {e['unit']}")]
    if man:
        prov += [("manifest.json", f"synthetic scenario {man.get('scenario')}, generator seed "
                  f"{man.get('seed')}, config hash {man.get('config_hash')}, "
                  f"{count(man.get('population'))} people, extract date "
                  f"{man.get('extract_date')}")]
    blocks: list[Block] = [Table("Provenance: the outputs this report was built from",
                                 ("output", "version, seed and hash"),
                                 tuple((hcell(a), tcell(b)) for a, b in prov))]
    rules: list[str] = []
    pairs = inp.link_pairs
    if pairs:
        p0 = pairs[0]
        rules += [f"Deterministic: {p0['deterministic']['rule']}; also reported: "
                  f"{p0['deterministic']['nhs_dob']['rule']}.",
                  "Probabilistic: Fellegi–Sunter model trained by Splink on each pair "
                  "(u by random sampling, m by expectation maximisation), comparing "
                  f"{', '.join(p0['fields_compared'])}; pairs with a match probability of "
                  f"at least {link['threshold']} are linked.",
                  "Candidate pairs (blocking): "
                  + "; ".join(f"`{b['rule']}`" for b in p0["probabilistic"]["blocking"]
                              ["rules"]) + ".",
                  f"Expected match rate: {p0['probabilistic']['expected_match_rate']['method']}",
                  f"People: {link['clusters']['method']}."]
    if prof:
        dc = prof["disclosure_control"]
        rules.append(f"Disclosure control: counts of 1 to {dc['small_count_max']} are shown "
                     f"as {dc['suppressed']}, other counts are rounded to the nearest "
                     f"{dc['round_to']}; shares are {dc['shares']}. A rate whose count is "
                     "suppressed is shown as * too.")
    blocks += [Paragraph("How the figures were made:"), Bullets(tuple(rules))] if rules else []
    caveats = [
        "Match rates use the left source's records as the denominator (GUILD): a source "
        "with many duplicates or out-of-area records has a lower rate for reasons other "
        "than data quality.",
        "The expected match rate relies on the model's own estimates; its interval reflects "
        "chance only, not error in the model.",
        "Subgroup rates from small groups are unstable: read them with their intervals. "
        "The bias rule counts a subgroup only when an exact test, corrected for the "
        "number of subgroups compared (Holm), flags it.",
        "Subgroups are as recorded in each source; a source that does not record ethnicity "
        "well under-represents it.",
    ]
    if man:
        caveats.append("These data are synthetic: a made-up population with errors injected "
                       "at published rates. They show how the method behaves, not how any "
                       "real system performs.")
    warnings = link.get("warnings", [])
    if warnings:
        caveats.append(f"The linkage run reported {len(warnings)} warning(s), e.g. "
                       f"{warnings[0]}")
    blocks += [Paragraph("Caveats:"), Bullets(tuple(caveats)),
               Table("GUILD reporting items this report covers", ("item", "where"),
                     tuple((hcell(a), tcell(b)) for a, b in GUILD_ITEMS)),
               Paragraph("Not covered here: " + "; ".join(GUILD_NOT_COVERED) + "."),
               Table("Verdict thresholds (all rules)", ("rule", "what it measures",
                                                         "thresholds"),
                     tuple((hcell(r.short), tcell(r.name), tcell(r.threshold_text()))
                           for r in (*t.source_rules(), *t.pair_rules())))]
    return Section("methods", number, "Methods, caveats and provenance",
                   "How the figures were made, what they cannot tell you, and where they "
                   "came from.", tuple(blocks))


def build_report(inp: ReportInputs, thresholds: Thresholds | None = None, *,
                 synthetic: bool | None = None) -> Report:
    """The report model from the JSON outputs (pure: no I/O, no rendering).

    ``synthetic`` is :func:`linkready.synthetic.is_synthetic` of the project when the
    caller has it; None falls back to evaluation.json's ``synthetic`` flag, else to a
    generator's manifest beside the project."""
    t = thresholds or Thresholds()
    verdict = verdict_section(inp, t)
    sections = [verdict]
    if inp.profile:
        sections += [Q.sources_section(inp, 2), Q.identifiers_section(inp, 3),
                     Q.scorecard_section(inp, 4, t), Q.nhs_section(inp, 5),
                     Q.defaults_section(inp, 6)]
    else:
        sections += [_not_run(i, name) for i, name in enumerate(
            ("Sources", "Identifiers and standardisation", "Data-quality scorecard",
             "NHS number: completeness and validity",
             "Defaults, placeholders and duplicates"), start=2)]
    if inp.linkage:
        rates = L.match_rates_section(inp, 7)
        sections += [replace(rates, blocks=(*rates.blocks, *threshold_blocks(inp))),
                     L.picture_section(inp, 8),
                     L.bias_section(inp, 9, t), L.change_section(inp, 10)]
    else:
        sections += [_not_run(i, name) for i, name in enumerate(
            ("Match rates per pair", "The fuller picture", "Linkage bias: who is missed",
             "What would change the picture"), start=7)]
    if inp.review_estimates:
        from linkready.report._sections_review import review_section

        sections.append(review_section(inp, 11))
    if (inp.linkage or {}).get("dedupe"):
        from linkready.report._sections_dedupe import dedupe_section

        sections.append(dedupe_section(inp, len(sections) + 1))
    if inp.whatif:
        from linkready.report._sections_whatif import whatif_section

        sections.append(whatif_section(inp, len(sections) + 1))
    sections.append(methods_section(inp, len(sections) + 1, t))
    sections.append(glossary_section(len(sections) + 1))
    project = (inp.profile or inp.linkage or {}).get("project", "project")
    sv = [v for v in verdict_section_verdicts(verdict) if v.kind == "source"]
    pv = [v for v in verdict_section_verdicts(verdict) if v.kind == "pair"]
    created = (inp.profile or {}).get("created_at") or ""
    missing = tuple(d for d in ("profile", "validation", "linkage", "evaluation")
                    if getattr(inp, d) is None)
    return Report(title=str(project), project=str(project),
                  created_at=str(created),
                  # evaluation.json says (linkready.synthetic.is_synthetic); a real
                  # gold-standard truth is not synthetic data.
                  synthetic=synthetic if synthetic is not None else
                  (inp.evaluation or {}).get("synthetic", inp.manifest is not None),
                  key_figures=key_figures(inp, sv, pv), answers=answers(inp, pv),
                  sections=tuple(sections), missing=missing, alerts=report_alerts(inp))


def verdict_section_verdicts(section: Section) -> list[Any]:
    return [v for b in section.blocks if isinstance(b, VerdictBlock) for v in b.verdicts]


def _not_run(number: int, title: str) -> Section:
    slug = title.lower().split(":")[0].replace(" ", "-").replace(",", "")
    return Section(slug, number, title, "Not available: the stage that measures this was not "
                   "run.", (Paragraph("Run `linkready assess PROJECT.yaml` to fill this in."),))
