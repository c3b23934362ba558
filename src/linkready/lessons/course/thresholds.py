"""Lesson 8: threshold choice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import ACUTE, GP, RUN, line_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def measure_thresholds(ctx: LessonContext) -> LessonResult:
    world = ctx.world()
    lp, ep = world.pair(ACUTE, GP)
    # Exact rates for the arithmetic; each shown as published (``*`` on 1–7 records).
    ex = world.evaluated().pair(ACUTE, GP)
    curve, exact_curve = ep["pr_curve"], ex["pr_curve"]
    res = LessonResult()
    res.count("acute_records", "acute records linked to the GP register", world.row_count(ACUTE))
    res.share("true_overlap", "true overlap: acute records whose person is on the GP register",
              ex["truth"]["overlap_rate"], shown=ep["truth"]["overlap_rate"])
    res.share("expected_match_rate", "expected match rate from the model (no threshold)",
              lp["probabilistic"]["expected_match_rate"]["estimate"])
    lo, hi = curve[0], curve[-1]
    for tag, point, exact in (("low", lo, exact_curve[0]), ("high", hi, exact_curve[-1])):
        t = point["threshold"]
        for k, what in (("match_rate", "match rate"), ("precision", "precision"),
                        ("recall", "recall")):
            res.share(f"{k}_{tag}", f"{what} at p ≥ {t}", exact[k], shown=point[k])
    i_best = max((i for i, p in enumerate(exact_curve) if p["f1"] is not None),
                 key=lambda i: exact_curve[i]["f1"])
    best = curve[i_best]
    res.number("best_f1_threshold", "threshold with the highest F1", best["threshold"])
    res.share("best_f1", "highest F1", exact_curve[i_best]["f1"], shown=best["f1"])
    res.number("match_rate_spread", "match rate, lowest minus highest threshold",
               res.value("match_rate_low") - res.value("match_rate_high"), "points",
               hidden=res.hidden("match_rate_low", "match_rate_high"))
    overlap = res.shown("true_overlap")
    rows = [{"threshold": p["threshold"], "match_rate": p["match_rate"],
             "precision": p["precision"], "recall": p["recall"], "f1": p["f1"],
             "overlap": overlap} for p in curve]
    res.tables.append(table("curve", "Match rate, precision and recall by threshold",
                            [("threshold", "threshold (match probability ≥)", "number"),
                             ("match_rate", "match rate", "share"),
                             ("precision", "precision", "share"), ("recall", "recall", "share"),
                             ("f1", "F1", "share"), ("overlap", "true overlap", "share")],
                            rows))
    long = [{"threshold": r["threshold"], "series": label, "value": r[k]} for r in rows
            for k, label in (("match_rate", "match rate"), ("precision", "precision"),
                             ("recall", "recall"), ("overlap", "true overlap"))
            if isinstance(r[k], float)]
    res.charts.append(line_chart(long, "threshold", "value", "series",
                                 "Precision, recall and match rate as the threshold moves",
                                 x_title="threshold (match probability)", y_title="share"))
    res.findings += [
        f"At a threshold of {lo['threshold']} the linkage reports a match rate of "
        f"{res.text('match_rate_low')} with {res.text('precision_low')} precision and "
        f"{res.text('recall_low')} recall; at {hi['threshold']} the match rate is "
        f"{res.text('match_rate_high')}, precision {res.text('precision_high')} and recall "
        f"{res.text('recall_high')}.",
        f"The true overlap is {res.text('true_overlap')}: a match rate above it is made of "
        f"false matches; one below it, of missed ones.",
        f"F1 peaks at a threshold of {res.text('best_f1_threshold')} "
        f"({res.text('best_f1')}); the model's threshold-free expected match rate is "
        f"{res.text('expected_match_rate')}.",
    ]
    return res


LESSON = Lesson(
    name="thresholds",
    number=8,
    title="Threshold choice: what the match rate means at each threshold",
    teaches="The match rate is a property of the threshold as much as of the data; every "
            "threshold trades false matches against missed ones.",
    question="Our supplier reports a match rate. What does that number mean, and how much "
             "does it depend on the threshold they chose?",
    setup="Acute records without NHS numbers, linked probabilistically to the GP register "
          "in a borough where every error rate is tripled, dates of birth carry extra "
          "typos, and many hospital patients live "
          "elsewhere, so the threshold has hard cases to decide in both directions. The "
          "same scored pairs are cut at a range of match-probability thresholds, and each "
          "cut is compared with the truth.",
    advice=(
        "Never quote a match rate without the threshold and the method that produced it.",
        "Choose the threshold for the use: a clinical safety look-up needs precision; a "
        "population count needs recall and a correction for what is missed.",
        "Estimate precision and recall at your threshold from a clerically reviewed sample "
        "of pairs around it, and report them with the match rate.",
        "Compare the match rate at the threshold with the model's threshold-free expected "
        "match rate; the difference is the price of the cut.",
    ),
    scenario="thresholds",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("thresholds", "acute records without NHS numbers, errors tripled"),),
    settings=(
        Setting("error_scale", "error rates relative to the default scenario", "number"),
        Setting("world.out_of_area_share", "people living outside the borough"),
        Setting("sources.acute.coverage.out_of_area",
                "out-of-area people who use the acute hospital"),
        Setting("sources.acute.errors.nhs_missing.rate", "acute records with no NHS number"),
        Setting("sources.acute.errors.dob_typo.rate",
                "acute DOB typo rate (before error_scale)"),
    ),
    exercises=(
        Exercise("Use the default scenario's error scale (`error_scale` 1).",
                 "Precision and recall stay high over a wider range of thresholds: the "
                 "threshold matters less when the data are cleaner.",
                 f"{RUN} thresholds --set error_scale=1"),
        Exercise("Make errors four times the default (`error_scale` 4).",
                 "The curves separate further: low thresholds gain false matches, high "
                 "thresholds lose more true ones.",
                 f"{RUN} thresholds --set error_scale=4"),
    ),
    measure=measure_thresholds,
)
