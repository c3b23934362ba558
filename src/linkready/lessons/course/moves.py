"""Lesson 5: moves and stale addresses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import (
    ACUTE,
    AGE_ORDER,
    GP,
    RUN,
    agreement,
    bar_chart,
    by_group,
    missed_by_group,
    source_records,
    table,
)
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def measure_moves(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import join_rule, outcomes, rule_links, standard_links

    world = ctx.world()
    left, right = source_records(world, ACUTE), source_records(world, GP)
    strict = join_rule(left, right, ["given_name", "family_name", "dob", "postcode"])
    loose = join_rule(left, right, ["given_name", "family_name", "dob"])
    o_strict = by_group(world, outcomes(world, rule_links(strict, ACUTE, GP), ACUTE, GP,
                                        "deterministic").set_index("record_id"), "age_band")
    o_loose = by_group(world, outcomes(world, rule_links(loose, ACUTE, GP), ACUTE, GP,
                                       "deterministic").set_index("record_id"), "age_band")
    o_prob = by_group(world, outcomes(world, standard_links(world), ACUTE, GP,
                                      "combined").set_index("record_id"), "age_band")
    pc = agreement(world, ACUTE, GP, ["postcode"])
    moved = world.population.set_index("person_id")["moved"]
    person = world.truth.set_index("record_id")["person_id"]
    differ = by_group(world, (pc == False).to_frame("differ"), "age_band")  # noqa: E712
    differ = differ[pc.notna().reindex(differ.index).to_numpy()]
    differ["moved"] = differ.index.map(person).map(moved).astype(bool)
    m_strict = missed_by_group(o_strict, None, AGE_ORDER)
    m_loose = missed_by_group(o_loose, None, AGE_ORDER)
    m_prob = missed_by_group(o_prob, None, AGE_ORDER)
    res = LessonResult()
    res.count("acute_records", "acute records linked to the GP register", len(o_prob))
    res.share("postcode_differs", "true matches whose postcodes differ",
              float(differ["differ"].mean()))
    res.share("differs_moved", "of those, people who moved in the last year",
              float(differ.loc[differ["differ"], "moved"].mean())
              if differ["differ"].any() else None)
    from linkready.privacy import suppress

    rows: list[dict[str, Any]] = []
    for g in AGE_ORDER:
        sub = differ[differ["group"] == g]
        if not len(sub):
            continue
        row: dict[str, Any] = {"group": g,
                               "records": suppress(int((o_prob["group"] == g).sum())),
               "differ": float(sub["differ"].mean()), "missed_strict": m_strict.get(g),
               "missed_loose": m_loose.get(g), "missed_prob": m_prob.get(g)}
        rows.append(row)
        key = g.replace("-", "_").replace("+", "plus")
        res.share(f"postcode_differs_{key}", f"{g}: true matches whose postcodes differ",
                  row["differ"])
        res.share(f"missed_with_postcode_{key}", f"{g}: missed by names + DOB + postcode",
                  row["missed_strict"])
    res.tables.append(table("by_age", "Acute records by age band",
                            [("group", "age band", "text"), ("records", "acute records", "count"),
                             ("differ", "true matches whose postcodes differ", "share"),
                             ("missed_strict", "missed: names + DOB + postcode", "share"),
                             ("missed_loose", "missed: names + DOB", "share"),
                             ("missed_prob", "missed: NHS number or probabilistic", "share")],
                            rows))
    chart_rows = [{"group": r["group"], "series": s, "value": r[k]} for r in rows
                  for k, s in (("differ", "postcodes differ"),
                               ("missed_strict", "missed: names + DOB + postcode"),
                               ("missed_prob", "missed: NHS number or probabilistic"))
                  if r[k] is not None]
    res.charts.append(bar_chart(chart_rows, "group", "value", "Postcode disagreement and "
                                "missed matches by age band", color="series",
                                y_title="share of true matches", sort=list(AGE_ORDER)))
    for tag, o in (("with", o_strict), ("without", o_loose)):
        true = o[o["true_match"]]
        res.share(f"missed_{tag}_postcode", f"missed by names + DOB {tag} postcode, all ages",
                  float(1 - true["correct"].mean()) if len(true) else None)
    res.number("postcode_rule_extra_missed", "extra missed matches from requiring the "
               "postcode to agree", res.value("missed_with_postcode")
               - res.value("missed_without_postcode"), "points")
    young = differ[differ["group"] == "18-29"]
    older = differ[differ["group"].isin(["50-64", "65-79", "80+"])]
    if len(young) and len(older):
        res.share("postcode_differs_young", "18-29: true matches whose postcodes differ",
                  float(young["differ"].mean()))
        res.share("postcode_differs_50_plus", "50 and over: true matches whose postcodes "
                  "differ", float(older["differ"].mean()))
        res.number("differs_young_minus_older", "postcode disagreement, 18-29 minus 50+",
                   res.value("postcode_differs_young") - res.value("postcode_differs_50_plus"),
                   "points")
        res.findings.append(
            f"The postcodes of a true match differ in {res.text('postcode_differs_young')} "
            f"of cases for 18-29-year-olds and {res.text('postcode_differs_50_plus')} for "
            f"people aged 50 and over; {res.text('differs_moved')} of all disagreements are "
            f"people who moved in the last year.")
    res.findings += [
        "A rule that also requires the postcode to agree misses "
        + ", ".join(f"{r['group']} {r['missed_strict']:.1%}" for r in rows
                    if r["missed_strict"] is not None)
        + "; without the postcode the same rule misses "
        + ", ".join(f"{r['group']} {r['missed_loose']:.1%}" for r in rows
                    if r["missed_loose"] is not None) + ".",
        "NHS number plus probabilistic linkage, which weighs a postcode disagreement against "
        "everything else, misses "
        + ", ".join(f"{r['group']} {r['missed_prob']:.1%}" for r in rows
                    if r["missed_prob"] is not None) + ".",
    ]
    return res


LESSON = Lesson(
    name="moves",
    number=5,
    title="Moves and stale addresses",
    teaches="Postcodes go stale when people move, and young adults move most: rules that "
            "need the postcode to agree miss them.",
    question="Should our matching rules require the postcode to agree?",
    setup="A synthetic borough in which people moved house in the last year at rates that "
          "depend on age, and each system learnt of the move at its own pace (it may still "
          "hold the old postcode). Acute records are linked to the GP register by exact "
          "names + DOB + postcode, by exact names + DOB, and by the standard pipeline (exact "
          "NHS number, then probabilistic). Results are broken down by the person's true "
          "age band.",
    advice=(
        "Do not require postcode agreement in deterministic rules; use it as supporting "
        "evidence (a partial-agreement level for sector or district) in a probabilistic "
        "model.",
        "Where address history is available, compare against all known postcodes, not "
        "only the current one.",
        "Check missed-match rates by age band; young adults and private renters are the "
        "first to fall out of address-dependent linkage.",
        "Prefer the extract closest in time to the other source when choosing which "
        "address to compare.",
    ),
    scenario="moves",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("moves", "Acute and GP extracts with movers"),),
    settings=(
        Setting("world.moved_last_year.18-29", "18-29-year-olds who moved in the last year"),
        Setting("world.moved_last_year.65-79", "65-79-year-olds who moved in the last year"),
        Setting("sources.acute.errors.postcode_stale.rate",
                "movers whose acute record holds the old postcode"),
        Setting("sources.gp_register.errors.postcode_stale.rate",
                "movers whose GP record holds the old postcode"),
    ),
    exercises=(
        Exercise("Make every acute record of a mover hold the old postcode "
                 "(`postcode_stale` 1).",
                 "Postcode disagreement for 18-29-year-olds rises and the postcode rule "
                 "misses more of them; the standard pipeline hardly changes.",
                 f"{RUN} moves --set sources.acute.errors.postcode_stale=1"),
        Exercise("Let half of 18-29-year-olds move in a year (`moved_last_year.18-29` 0.5).",
                 "The gap in postcode disagreement between young and old adults widens.",
                 f"{RUN} moves --set world.moved_last_year.18-29=0.5"),
    ),
    measure=measure_moves,
)
