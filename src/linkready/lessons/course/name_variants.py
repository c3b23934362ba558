"""Lesson 4: name variants and transliteration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import (
    ETHNIC_ORDER,
    GP,
    LA,
    RUN,
    agreement,
    bar_chart,
    by_group,
    missed_by_group,
    source_records,
    table,
)
from linkready.lessons._model import Exercise, Figure, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def measure_name_variants(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import join_rule, outcomes, rule_links, standard_links

    world = ctx.world()
    det = join_rule(source_records(world, LA), source_records(world, GP),
                    ["given_name", "family_name", "dob"])
    o_rule = by_group(world, outcomes(world, rule_links(det, LA, GP), LA, GP,
                                      "deterministic").set_index("record_id"), "ethnic_group")
    o_prob = by_group(world, outcomes(world, standard_links(world), LA, GP,
                                      "combined").set_index("record_id"), "ethnic_group")
    names = agreement(world, LA, GP, ["given_name", "family_name"])
    differ = by_group(world, (names == False).to_frame("differ"),  # noqa: E712
                      "ethnic_group")
    differ = differ[names.notna().reindex(differ.index).to_numpy()]
    miss_rule = missed_by_group(o_rule, None, ETHNIC_ORDER)
    miss_prob = missed_by_group(o_prob, None, ETHNIC_ORDER)
    res = LessonResult()
    res.count("la_records", "LA records linked to the GP register", len(o_rule))
    rows: list[dict[str, Any]] = []
    for g in ETHNIC_ORDER:
        sub = differ[differ["group"] == g]
        n = int((o_rule["group"] == g).sum())
        if not n:
            continue
        row: dict[str, Any] = {"group": g, "records": n,
               "names_differ": float(sub["differ"].mean()) if len(sub) else None,
               "missed_rule": miss_rule.get(g), "missed_prob": miss_prob.get(g)}
        rows.append(row)
        res.share(f"names_differ_{g}", f"{g}: true matches whose names differ",
                  row["names_differ"])
        res.share(f"missed_exact_{g}", f"{g}: missed by exact name + DOB", row["missed_rule"])
        res.share(f"missed_probabilistic_{g}", f"{g}: missed by probabilistic linkage",
                  row["missed_prob"])
    from linkready.privacy import suppress

    for r in rows:
        r["records"] = suppress(r["records"])
    minority = [r for r in rows if r["group"] != "white" and r["missed_rule"] is not None]
    worst = max(minority, key=lambda r: r["missed_rule"]) if minority else None
    white = res.value("missed_exact_white")
    if worst is not None and white is not None:
        res.number("exact_gap_worst_vs_white",
                   f"exact-rule missed-match rate, {worst['group']} minus white",
                   worst["missed_rule"] - white, "points")
        res.figures["worst_group"] = Figure("worst_group", "group most missed by the exact rule",
                                            str(worst["group"]), "text")
    res.tables.append(table("by_ethnic_group", "LA records by ethnic group",
                            [("group", "ethnic group", "text"), ("records", "LA records", "count"),
                             ("names_differ", "true matches whose names differ", "share"),
                             ("missed_rule", "missed: exact name + DOB", "share"),
                             ("missed_prob", "missed: probabilistic", "share")], rows))
    chart_rows = [{"group": r["group"], "series": s, "value": r[k]} for r in rows
                  for k, s in (("missed_rule", "exact name + DOB"),
                               ("missed_prob", "probabilistic")) if r[k] is not None]
    res.charts.append(bar_chart(chart_rows, "group", "value", "Missed-match rate by ethnic "
                                "group", color="series", y_title="missed-match rate",
                                sort=list(ETHNIC_ORDER)))
    if worst is not None and white is not None:
        res.findings.append(
            f"Exact matching on given name, family name and DOB missed "
            f"{res.text('missed_exact_white')} of true matches for white people and "
            f"{worst['missed_rule']:.1%} for "
            f"{worst['group']} people ({res.text('exact_gap_worst_vs_white')} more).")
    res.findings += [
        f"The names of a true match differ between the two systems for "
        f"{res.text('names_differ_white')} of white people; for the other groups: "
        + ", ".join(f"{r['group']} {r['names_differ']:.1%}" for r in rows
                    if r["group"] != "white" and r["names_differ"] is not None) + ".",
        "Probabilistic linkage with fuzzy name comparison and a swapped-names level missed "
        + ", ".join(f"{r['group']} {r['missed_prob']:.1%}" for r in rows
                    if r["missed_prob"] is not None)
        + ".",
    ]
    return res


LESSON = Lesson(
    name="name_variants",
    number=4,
    title="Name variants and transliteration: who gets missed",
    teaches="Spelling variants, nicknames and transliterations are not spread evenly: "
            "exact name matching misses some ethnic groups far more than others.",
    question="Our linkage misses some people. Are the people it misses a random sample?",
    setup="A synthetic borough in which LA adult social care holds no NHS numbers, so names "
          "carry the linkage. Names are drawn by ethnic group; systems record some names "
          "with another transliteration (Muhammad / Mohammed), a nickname or a typo, at "
          "the rates shown. LA records are linked to the GP register by exact given name, "
          "family name and DOB, and probabilistically with fuzzy name comparison; missed "
          "matches are broken down by the person's true ethnic group.",
    advice=(
        "Report missed-match rates by ethnic group (and age, sex, deprivation) whenever "
        "you report a match rate; an overall figure hides who is missing.",
        "Compare names fuzzily (Jaro-Winkler, with term-frequency adjustment) and add "
        "known variant tables (Muhammad / Mohammed, nicknames) rather than exact equality.",
        "Allow for given and family names recorded the other way round, and for family "
        "names that changed.",
        "When the linked data feed an analysis, check whether under-linkage of a group "
        "could explain a difference you find between groups (see lesson 11).",
    ),
    scenario="name_variants",
    sources=(GP, LA),
    pairs=((LA, GP),),
    variants=(Variant("names", "LA records without NHS numbers"),),
    settings=(
        Setting("sources.la_adult_social_care.errors.transliteration.rate",
                "LA names with another transliteration (where one exists)"),
        Setting("sources.la_adult_social_care.errors.nickname.rate",
                "LA given names recorded as a nickname (where one exists)"),
        Setting("sources.la_adult_social_care.errors.name_swap.rate",
                "LA given and family names swapped"),
        Setting("sources.gp_register.errors.transliteration.rate",
                "GP names with another transliteration"),
    ),
    exercises=(
        Exercise("Stop LA staff transliterating names differently (`transliteration` 0).",
                 "The exact-rule gap between groups narrows sharply; what is left comes "
                 "from nicknames, typos and swapped names.",
                 f"{RUN} name_variants --set "
                 "sources.la_adult_social_care.errors.transliteration=0"),
        Exercise("Make name swaps five times as common in LA data (`name_swap` 0.025).",
                 "Exact matching misses more people in every group; probabilistic "
                 "linkage, which has a swapped-names level, barely changes.",
                 f"{RUN} name_variants --set "
                 "sources.la_adult_social_care.errors.name_swap=0.025"),
    ),
    measure=measure_name_variants,
    test_population=4_000,
)
