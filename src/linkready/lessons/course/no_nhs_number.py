"""Lesson 1: no NHS number in local-authority data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import GP, LA, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def measure_no_nhs_number(ctx: LessonContext) -> LessonResult:
    world = ctx.world()
    lp, ep = world.pair(LA, GP)
    # Exact rates for the arithmetic; each shown as published (``*`` on a count of 1–7).
    ex = world.evaluated().pair(LA, GP)
    res = LessonResult()
    res.count("la_records", "LA records linked against the GP register", world.row_count(LA))
    det = res.share("deterministic_match_rate", "deterministic match rate (exact NHS number)",
                    ex["deterministic"]["match_rate"], shown=lp["deterministic"]["match_rate"])
    prob = res.share("probabilistic_match_rate",
                     f"probabilistic match rate (Splink, p ≥ {lp['probabilistic']['threshold']})",
                     ex["probabilistic"]["match_rate"], shown=lp["probabilistic"]["match_rate"])
    res.share("expected_match_rate", "expected match rate from the model (no truth needed)",
              lp["probabilistic"]["expected_match_rate"]["estimate"])
    res.share("true_overlap", "true overlap: LA records whose person is on the GP register",
              ex["truth"]["overlap_rate"], shown=ep["truth"]["overlap_rate"])
    res.number("gap_points", "probabilistic minus deterministic", (prob or 0.0) - (det or 0.0),
               "points", hidden=res.hidden("deterministic_match_rate",
                                           "probabilistic_match_rate"))
    res.share("probabilistic_precision", "precision of probabilistic links",
              ex["probabilistic"]["precision"], shown=ep["probabilistic"]["precision"])
    res.share("probabilistic_recall", "recall of probabilistic links",
              ex["probabilistic"]["recall"], shown=ep["probabilistic"]["recall"])
    rows = [
        {"method": "exact NHS number", "rate": res.shown("deterministic_match_rate")},
        {"method": "probabilistic (Splink)", "rate": res.shown("probabilistic_match_rate")},
        {"method": "expected (model)", "rate": res.shown("expected_match_rate")},
        {"method": "true overlap", "rate": res.shown("true_overlap")},
    ]
    res.charts.append(bar_chart([r for r in rows if isinstance(r["rate"], float)], "method",
                                "rate", "Share of LA records linked, by method",
                                x_title="", y_title="share of LA records",
                                sort=[r["method"] for r in rows]))
    res.tables.append(table("rates", "Match rate by method",
                            [("method", "method", "text"),
                             ("rate", "share of LA records", "share")], rows))
    det_v, prob_v = res.value("deterministic_match_rate"), res.value("probabilistic_match_rate")
    if det_v is not None and det_v < 0.01:
        why = "with no NHS numbers there is nothing to join on (\"we had nothing\")"
    elif det_v is not None:
        why = ("only the LA records that still carry an NHS number can be joined that way, "
               f"against a true overlap of {res.text('true_overlap')}")
    else:
        why = "a share too small to publish"
    res.findings += [
        f"Exact NHS-number matching linked {res.text('deterministic_match_rate')} of LA "
        f"records: {why}.",
        f"Probabilistic linkage on names, date of birth, sex and postcode linked "
        f"{res.text('probabilistic_match_rate')} ("
        + direction(prob_v, det_v, within=0.005, more=f"{res.text('gap_points')} more than",
                    less="fewer than", same="about as many as",
                    unknown="to be set against") + " exact matching), against "
        f"a true overlap of {res.text('true_overlap')}.",
        f"Those links were {res.text('probabilistic_precision')} precise with "
        f"{res.text('probabilistic_recall')} recall; the model's own label-free "
        f"estimate was {res.text('expected_match_rate')}, "
        + ("to be set against" if res.value("expected_match_rate") is None
           else "close to" if abs(res.value("expected_match_rate")
                                  - res.value("true_overlap")) < 0.03
           else "some way from") + " the truth.",
    ]
    return res


LESSON = Lesson(
    name="no_nhs_number",
    number=1,
    title="No NHS number in local-authority data",
    teaches="Deterministic NHS-number matching finds nothing when a source holds no NHS "
            "numbers; probabilistic linkage on demographics recovers almost all of it.",
    question="Our adult social care system does not record NHS numbers. Does that mean we "
             "cannot link it to GP data at all?",
    setup="A synthetic borough in which the council's adult social care records hold no NHS "
          "number, while names, date of birth, sex and postcode carry their usual errors. "
          "Each LA record is linked to the GP register twice: by exact NHS number, as many "
          "NHS pipelines do, and probabilistically with Splink. Truth tells us who is who.",
    advice=(
        "Never conclude that data without NHS numbers cannot be linked: measure a "
        "probabilistic linkage on names, date of birth, sex and postcode first.",
        "Report the deterministic and the probabilistic match rate side by side, and say "
        "which one a quoted \"match rate\" is.",
        "Check the model's label-free expected match rate against the rate at your "
        "threshold; a large gap means links are being missed or forced.",
        "Ask the data owner whether NHS numbers can be traced (e.g. via PDS) — tracing "
        "turns a probabilistic problem into a deterministic one.",
    ),
    scenario="no_nhs_number",
    sources=(GP, LA),
    pairs=((LA, GP),),
    variants=(Variant("no_nhs", "LA records without NHS numbers"),),
    settings=(
        Setting("sources.la_adult_social_care.errors.nhs_missing.rate",
                "LA records with no NHS number"),
        Setting("sources.la_adult_social_care.errors.given_typo.rate",
                "LA given-name typo rate"),
        Setting("sources.la_adult_social_care.errors.postcode_stale.rate",
                "LA stale-postcode rate (people who moved)"),
    ),
    exercises=(
        Exercise("Give back NHS numbers to two LA records in three "
                 "(`nhs_missing` 0.35, the default scenario's value).",
                 "The deterministic match rate rises towards two thirds of the true "
                 "overlap; the probabilistic rate barely moves.",
                 f"{RUN} no_nhs_number --set "
                 "sources.la_adult_social_care.errors.nhs_missing=0.35"),
        Exercise("Triple every error rate (`error_scale` 3).",
                 "The probabilistic rate falls a little and its precision with it; the "
                 "deterministic rate stays at zero.",
                 f"{RUN} no_nhs_number --set error_scale=3"),
    ),
    measure=measure_no_nhs_number,
)
