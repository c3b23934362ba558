"""Lesson 10: a low match rate is not always poor linkage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import ACUTE, GP, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction, near

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def measure_overlap(ctx: LessonContext) -> LessonResult:
    res = LessonResult()
    rows = []
    for key in ("low_overlap", "poor_identifiers"):
        world = ctx.world(key)
        lp, ep = world.pair(ACUTE, GP)
        # Exact rates for the arithmetic; each shown as published (``*`` on 1–7 records).
        ex = world.evaluated().pair(ACUTE, GP)
        gap, exact_gap = ep["deterministic"]["gap"], ex["deterministic"]["gap"]
        unlinked = exact_gap["unlinked"] or 0.0
        label = ctx.variant(key).label
        res.share(f"deterministic_{key}", f"deterministic match rate ({label})",
                  ex["deterministic"]["match_rate"], shown=lp["deterministic"]["match_rate"])
        res.share(f"expected_{key}", f"model's expected match rate ({label})",
                  lp["probabilistic"]["expected_match_rate"]["estimate"])
        res.share(f"overlap_{key}", f"true overlap ({label})", ex["truth"]["overlap_rate"],
                  shown=ep["truth"]["overlap_rate"])
        # coverage / unlinked: hidden when either part of the unlinked records is 1–7.
        res.share(f"coverage_share_{key}", f"unlinked because not on the GP register "
                  f"({label}), share of unlinked",
                  exact_gap["coverage"] / unlinked if unlinked else None,
                  shown="*" if "*" in (gap["coverage"], gap["unlinked"]) else None)
        res.share(f"combined_{key}", f"NHS number then probabilistic ({label})",
                  ex["combined"]["match_rate"], shown=lp["combined"]["match_rate"])
        rows.append({"world": label,
                     "deterministic": res.shown(f"deterministic_{key}"),
                     "expected": res.shown(f"expected_{key}"),
                     "combined": res.shown(f"combined_{key}"),
                     "overlap": res.shown(f"overlap_{key}"),
                     "coverage": gap["coverage"], "linkage_error": gap["linkage_error"]})
    res.number("deterministic_difference", "difference in deterministic match rates",
               abs(res.value("deterministic_low_overlap")
                   - res.value("deterministic_poor_identifiers")), "points",
               hidden=res.hidden("deterministic_low_overlap",
                                 "deterministic_poor_identifiers"))
    res.tables.append(table("decomposition", "Same match rate, different reasons",
                            [("world", "world", "text"),
                             ("deterministic", "deterministic match rate", "share"),
                             ("expected", "expected match rate (model)", "share"),
                             ("combined", "NHS number then probabilistic", "share"),
                             ("overlap", "true overlap", "share"),
                             ("coverage", "unlinked: not on GP register", "share"),
                             ("linkage_error", "unlinked: missed by linkage", "share")], rows,
                            note="Shares of acute records. Unlinked = 1 − deterministic "
                                 "match rate, split by whether the person is on the GP "
                                 "register at all."))
    res.charts.append(bar_chart(
        [{"world": r["world"], "series": s, "value": r[k]} for r in rows
         for k, s in (("deterministic", "1 deterministic match rate"),
                      ("expected", "2 expected match rate (model)"),
                      ("overlap", "3 true overlap")) if isinstance(r[k], float)],
        "world", "value", "Deterministic match rate, model estimate and true overlap",
        color="series", y_title="share of acute records"))
    alike = near(res.value("deterministic_low_overlap"),
                 res.value("deterministic_poor_identifiers"), 0.05)
    apart = near(res.value("expected_low_overlap"), res.value("expected_poor_identifiers"),
                 0.03)
    only = direction(res.value("coverage_share_poor_identifiers"),
                     res.value("coverage_share_low_overlap"), within=0.0, more="",
                     less="only ", same="")
    res.findings += [
        f"Exact NHS-number matching linked {res.text('deterministic_low_overlap')} of acute "
        f"records in the low-overlap borough and {res.text('deterministic_poor_identifiers')} "
        f"in the poor-identifier borough: "
        + ("on the headline figure they look alike." if alike else
           f"the headline figures differ by {res.text('deterministic_difference')}."),
        f"In the low-overlap borough {res.text('coverage_share_low_overlap')} of unlinked "
        f"records belong to people who are not on the GP register at all (true overlap "
        f"{res.text('overlap_low_overlap')}); in the poor-identifier borough {only}"
        f"{res.text('coverage_share_poor_identifiers')} do (true overlap "
        f"{res.text('overlap_poor_identifiers')}).",
        "Without any truth, the model's expected match rate "
        + ("tells them apart" if apart is False else "barely tells them apart" if apart
           else "is") + f": {res.text('expected_low_overlap')} against "
        f"{res.text('expected_poor_identifiers')}; NHS number then probabilistic linkage "
        f"reaches {res.text('combined_poor_identifiers')} where identifiers are poor.",
    ]
    return res


LESSON = Lesson(
    name="overlap",
    number=10,
    title="A low match rate is not always poor linkage",
    teaches="The match rate mixes two things: how many people are in both sources "
            "(overlap) and how many of those the linkage finds. Only the second is linkage "
            "error.",
    question="Only about half of our hospital records match the GP register. Is our "
             "linkage failing?",
    setup="Two synthetic boroughs. In the first, identifiers are well recorded but the "
          "hospital serves many people who live elsewhere and are not on the borough's GP "
          "register. In the second, nearly everyone is local but many hospital records "
          "lack an NHS number. Acute records are linked to the GP register by exact NHS "
          "number and with the standard pipeline; truth splits every unlinked record into "
          "'not on the register' and 'missed by linkage'.",
    advice=(
        "Report the match rate with its denominator and a statement of expected overlap: "
        "who should be in both sources at all?",
        "Split unlinked records into coverage (not in the other source) and linkage error; "
        "without truth, compare the deterministic rate with a probabilistic model's "
        "expected match rate.",
        "Check the residence and registration of unlinked records (postcode outside the "
        "area, registered elsewhere) before blaming data quality.",
        "Set targets for linkage error, not for the match rate: a perfect linkage of "
        "sources that barely overlap has a low match rate.",
    ),
    scenario="overlap",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(
        Variant("low_overlap", "low overlap, good identifiers",
                {"world.out_of_area_share": 0.17, "sources.acute.coverage.out_of_area": 0.6,
                 "error_scale": 0.1}),
        Variant("poor_identifiers", "high overlap, poor identifiers",
                {"world.out_of_area_share": 0.02,
                 "sources.acute.errors.nhs_missing.rate": 0.3,
                 "sources.acute.errors.nhs_invalid": 0.05}),
    ),
    settings=(
        Setting("world.out_of_area_share", "people living outside the borough"),
        Setting("sources.acute.coverage.out_of_area",
                "out-of-area people who use the acute hospital"),
        Setting("error_scale", "error rates relative to the default scenario", "number"),
        Setting("sources.acute.errors.nhs_missing.rate", "acute records with no NHS number"),
    ),
    exercises=(
        Exercise("Bring the low-overlap borough's visitors down "
                 "(`sources.acute.coverage.out_of_area` 0.1 — it applies to both worlds, "
                 "but only the first has many out-of-area residents).",
                 "The low-overlap borough's match rate rises towards the true overlap; the "
                 "poor-identifier borough barely moves.",
                 f"{RUN} overlap --set sources.acute.coverage.out_of_area=0.1"),
        Exercise("Add duplicates to the acute data (`duplicates` 0.1).",
                 "Neither decomposition changes much: duplicates match as well as "
                 "originals, so they do not explain a low match rate.",
                 f"{RUN} overlap --set sources.acute.errors.duplicates=0.1"),
    ),
    measure=measure_overlap,
)
