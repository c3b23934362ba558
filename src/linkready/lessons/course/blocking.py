"""Lesson 9: over-tight blocking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import GP, LA, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

TIGHT_RULES: dict[str, list[str]] = {
    "exact names + DOB only": [
        "l.given_name = r.given_name AND l.family_name = r.family_name AND l.dob = r.dob"],
    "postcode + DOB only": ["l.postcode = r.postcode AND l.dob = r.dob"],
}


def _usable_fields(records: Any, sources: tuple[str, str]) -> set[str]:
    from linkready.link.settings import MODEL_FIELDS

    out = set(MODEL_FIELDS)
    for s in sources:
        sub = records[records["source"] == s]
        out &= {f for f in MODEL_FIELDS if sub[f].notna().any()}
    return out


def measure_blocking(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import (
        model_frames,
        outcomes,
        score,
        scored_links,
        standard_spec,
    )
    from linkready.link.estimates import expected_match_rate
    from linkready.privacy import suppress

    world = ctx.world()
    fields = _usable_fields(world.records, (LA, GP))
    frames = model_frames(world.records, (LA, GP))
    person = world.truth.set_index("record_id")["person_id"]
    n_left = len(frames[LA])
    res = LessonResult()
    res.count("la_records", "LA records linked to the GP register", n_left)
    rows = []
    options = {"standard rules": None, **TIGHT_RULES}
    for i, (label, rules) in enumerate(options.items()):
        scored, n_pairs = score(frames, LA, GP, standard_spec(fields, rules))
        o = outcomes(world, scored_links(scored, LA, GP), LA, GP, "probabilistic")
        true = o[o["true_match"]]
        same = scored["record_id_l"].map(person) == scored["record_id_r"].map(person)
        compared = set(scored.loc[same, "record_id_l"])
        never = float((~true["record_id"].isin(compared)).mean()) if len(true) else None
        linked = int(o["linked"].sum())
        expected = expected_match_rate(scored["record_id_l"].to_numpy(),
                                       scored["match_probability"].to_numpy(), n_left)
        row = {"rules": label, "pairs": suppress(int(n_pairs)),
               "never_compared": never,
               "recall": float(true["correct"].mean()) if len(true) else None,
               "precision": float(o["correct"].sum() / linked) if linked else None,
               "match_rate": float(o["linked"].mean()), "expected": expected.estimate}
        rows.append(row)
        tag = ("standard", "names_dob", "postcode_dob")[i]
        res.share(f"recall_{tag}", f"{label}: recall", row["recall"])
        res.share(f"precision_{tag}", f"{label}: precision", row["precision"])
        res.share(f"never_compared_{tag}", f"{label}: true matches never compared",
                  row["never_compared"])
        res.share(f"expected_{tag}", f"{label}: the model's expected match rate",
                  row["expected"])
    res.number("recall_lost_names_dob", "recall lost by blocking on exact names + DOB only",
               res.value("recall_standard") - res.value("recall_names_dob"), "points")
    res.tables.append(table("blocking", "The same model with different blocking rules",
                            [("rules", "blocking rules", "text"),
                             ("pairs", "candidate pairs scored", "count"),
                             ("never_compared", "true matches never compared", "share"),
                             ("match_rate", "match rate", "share"),
                             ("precision", "precision", "share"), ("recall", "recall", "share"),
                             ("expected", "expected match rate (model)", "share")], rows,
                            note="Standard rules: NHS number (when both hold it); names + DOB; "
                                 "family name + DOB; given + family name; swapped names; "
                                 "postcode + birth year; DOB + sex + first initial."))
    res.charts.append(bar_chart(
        [{"rules": r["rules"], "series": s, "value": r[k]} for r in rows
         for k, s in (("recall", "recall"), ("precision", "precision"),
                      ("never_compared", "true matches never compared"))
         if r[k] is not None],
        "rules", "value", "Recall, precision and blocking losses by blocking rules",
        color="series", y_title="share", sort=list(options)))
    res.findings += [
        f"With the standard blocking rules, {res.text('never_compared_standard')} of true "
        f"matches were never compared and recall was {res.text('recall_standard')}.",
        f"Blocking only on exact names + DOB never compared "
        f"{res.text('never_compared_names_dob')} of true matches; recall "
        + direction(res.value("recall_names_dob"), res.value("recall_standard"),
                    within=0.002, more="rose to", less="fell to", same="stayed at",
                    unknown="was")
        + f" {res.text('recall_names_dob')} while precision "
        + direction(res.value("precision_names_dob"), res.value("precision_standard"),
                    within=0.005, more="rose to", less="fell to", same="stayed at",
                    unknown="was")
        + f" {res.text('precision_names_dob')}. Nothing failed and no warning was raised.",
        "Blocking only on postcode + DOB "
        + direction(res.value("never_compared_postcode_dob"),
                    res.value("never_compared_standard"), within=0.002,
                    more="lost the movers instead", less="lost fewer than the standard rules",
                    same="lost about as many as the standard rules", unknown="gave")
        + f": {res.text('never_compared_postcode_dob')} of true matches never compared, "
        f"recall {res.text('recall_postcode_dob')}.",
    ]
    return res


LESSON = Lesson(
    name="blocking",
    number=9,
    title="Over-tight blocking silently loses matches",
    teaches="A pair that blocking never generates can never be linked, whatever the model; "
            "the loss shows up nowhere unless you measure it.",
    question="Linkage was slow, so we made the blocking rules stricter. The results still "
             "look precise. What did we lose?",
    setup="LA adult social care without NHS numbers, linked probabilistically to the GP "
          "register with one trained model but three sets of blocking rules: the standard "
          "set (several rules, each robust to a different error) and two over-tight "
          "single rules. Truth shows which true matches were never compared.",
    advice=(
        "Use several blocking rules, each robust to a different error (a name typo, a DOB "
        "error, a move, a missing NHS number), and combine them with OR.",
        "Measure blocking recall: on a labelled sample, or by checking that pairs found by "
        "a loose rule in a sample are also generated by your rules.",
        "Report the number of candidate pairs per rule (`linkage.json` does) and look at "
        "what a rule adds before dropping it to save time.",
        "Do not take high precision as a sign of good blocking: blocking losses lower "
        "recall only.",
    ),
    scenario="blocking",
    sources=(GP, LA),
    pairs=((LA, GP),),
    variants=(Variant("blocking", "LA records without NHS numbers"),),
    settings=(
        Setting("sources.la_adult_social_care.errors.nhs_missing.rate",
                "LA records with no NHS number"),
        Setting("sources.la_adult_social_care.errors.given_typo.rate", "LA given-name typos"),
        Setting("sources.la_adult_social_care.errors.postcode_stale.rate",
                "LA movers with the old postcode"),
    ),
    exercises=(
        Exercise("Remove every error (`error_scale` 0).",
                 "Exact names + DOB blocking loses almost nothing: tight blocking is only "
                 "safe on clean data.",
                 f"{RUN} blocking --set error_scale=0"),
        Exercise("Make every LA mover hold the old postcode (`postcode_stale` 1).",
                 "Postcode + DOB blocking loses more true matches; the standard rules do "
                 "not notice.",
                 f"{RUN} blocking --set sources.la_adult_social_care.errors.postcode_stale=1"),
    ),
    measure=measure_blocking,
    link=False,
)
