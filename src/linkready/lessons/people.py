"""Lessons about people and their records: 4 (name variants), 5 (moves), 6 (twins and
families) and 7 (within-source duplicates)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import (
    ACUTE,
    AGE_ORDER,
    CSC,
    ETHNIC_ORDER,
    GP,
    LA,
    agreement,
    bar_chart,
    by_group,
    missed_by_group,
    table,
)
from linkready.lessons._model import (
    Exercise,
    Figure,
    Kind,
    Lesson,
    LessonResult,
    Setting,
    Variant,
)

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

RUN = "linkready lessons run"


def _canonical(world: Any, source: str) -> Any:
    return world.records[world.records["source"] == source]


# --- 4. name variants -------------------------------------------------------------------


def measure_name_variants(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import join_rule, outcomes, rule_links, standard_links

    world = ctx.world()
    det = join_rule(_canonical(world, LA), _canonical(world, GP),
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


NAME_VARIANTS = Lesson(
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


# --- 5. moves and stale postcodes ------------------------------------------------------


def measure_moves(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import join_rule, outcomes, rule_links, standard_links

    world = ctx.world()
    left, right = _canonical(world, ACUTE), _canonical(world, GP)
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


MOVES = Lesson(
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


# --- 6. twins and families -------------------------------------------------------------


def _false_matches(world: Any, links: Any, stage: str) -> dict[str, Any]:
    """False-match rate, and where the wrong links went (a twin, a household member)."""
    from linkready.lessons._linking import outcomes
    from linkready.link.evaluate import best_links, stage_links

    o = outcomes(world, links, CSC, GP, stage).set_index("record_id")
    pop = world.population.set_index("person_id")
    person = world.truth.set_index("record_id")["person_id"]
    best = best_links(stage_links(links[links["source_l"] == CSC], stage, 0.9)).set_index(
        "record_id_l")["record_id_r"]
    wrong = o[o["linked"] & ~o["correct"]]
    wrong_person = wrong.index.map(best).map(person)
    own_hh = wrong["person_id"].map(pop["household_id"])
    other_hh = pd_series(wrong_person).map(pop["household_id"]).to_numpy()
    linked = int(o["linked"].sum())
    twins = o[o["person_id"].map(pop["twin"]).astype(bool)]
    twin_linked = int(twins["linked"].sum())
    return {
        "false_match_rate": (len(wrong) / linked) if linked else None,
        "household_share": float((own_hh.to_numpy() == other_hh).mean()) if len(wrong) else None,
        "twin_false_match_rate": (int((twins["linked"] & ~twins["correct"]).sum())
                                  / twin_linked) if twin_linked else None,
        "twin_records": len(twins),
        "wrong": len(wrong),
    }


def pd_series(values: Any) -> Any:
    import pandas as pd

    return pd.Series(list(values))


def measure_twins(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import join_rule, rule_links, standard_links
    from linkready.privacy import suppress

    res = LessonResult()
    rows = []
    for key in ("no_twins", "twins"):
        world = ctx.world(key)
        left, right = _canonical(world, CSC), _canonical(world, GP)
        family = rule_links(join_rule(left, right, ["family_name", "dob", "postcode"]), CSC, GP)
        for method, links, stage in (
            ("probabilistic", standard_links(world), "combined"),
            ("family name + DOB + postcode", family, "deterministic"),
        ):
            fm = _false_matches(world, links, stage)
            rows.append({"world": ctx.variant(key).label, "method": method,
                         "records": suppress(len(left)),
                         "twin_records": suppress(fm["twin_records"]),
                         "false_match_rate": fm["false_match_rate"],
                         "household_share": fm["household_share"],
                         "twin_false_match_rate": fm["twin_false_match_rate"]})
            tag = "prob" if method == "probabilistic" else "rule"
            res.share(f"{tag}_false_match_rate_{key}", f"{method}: false-match rate, "
                      f"{ctx.variant(key).label}", fm["false_match_rate"])
            if key == "twins":
                res.share(f"{tag}_false_matches_to_household", f"{method}: false matches "
                          "that went to someone in the same household", fm["household_share"])
                res.share(f"{tag}_twin_false_match_rate", f"{method}: false-match rate among "
                          "twins' records", fm["twin_false_match_rate"])
    for tag in ("prob", "rule"):
        a, b = res.value(f"{tag}_false_match_rate_no_twins"), res.value(
            f"{tag}_false_match_rate_twins")
        if a is not None and b is not None:
            method = "probabilistic" if tag == "prob" else "family-name rule"
            res.number(f"{tag}_false_match_increase", f"rise in the {method} false-match "
                       "rate when twins are added", b - a, "points")
    res.tables.append(table("false_matches", "False matches with and without twins",
                            [("world", "world", "text"), ("method", "method", "text"),
                             ("records", "CSC records", "count"),
                             ("twin_records", "of them twins", "count"),
                             ("false_match_rate", "false-match rate", "share"),
                             ("twin_false_match_rate", "false-match rate among twins", "share"),
                             ("household_share", "false matches within the household",
                              "share")], rows))
    res.charts.append(bar_chart(
        [{"method": r["method"], "series": r["world"], "value": r["false_match_rate"]}
         for r in rows if r["false_match_rate"] is not None],
        "method", "value", "False-match rate with and without twins", color="series",
        y_title="false-match rate"))
    res.findings += [
        f"Without twins, probabilistic linkage of children's social care to the GP register "
        f"has a false-match rate of {res.text('prob_false_match_rate_no_twins')}; with twins "
        f"it is {res.text('prob_false_match_rate_twins')}, and "
        f"{res.text('prob_twin_false_match_rate')} among the twins' own records.",
        f"A rule on family name, DOB and postcode cannot tell twins apart: its false-match "
        f"rate goes from {res.text('rule_false_match_rate_no_twins')} to "
        f"{res.text('rule_false_match_rate_twins')}.",
        f"{res.text('prob_false_matches_to_household')} of the probabilistic false matches "
        f"(with twins) linked a child to someone in the same household.",
    ]
    return res


TWINS = Lesson(
    name="twins",
    number=6,
    title="Twins and families",
    teaches="Twins share surname, date of birth and address; when one twin's record is "
            "missing, the other is the best-looking candidate.",
    question="We only link when surname, date of birth and postcode all agree. Can that "
             "still link the wrong person?",
    setup="Two versions of the same synthetic borough, one without twins and one with (at "
          "a twin rate raised for the class, shown below). Children's social care, which "
          "holds no NHS number, is linked to the GP register probabilistically and by "
          "exact family name + DOB + postcode. Some children are not on the GP register, "
          "so their twin's record is the only close candidate.",
    advice=(
        "Never link on family name + DOB + address alone: twins and other household "
        "members share all three. Require a given-name agreement (fuzzy) as well.",
        "Give the given name enough weight that a clear given-name disagreement outweighs "
        "shared surname, DOB and postcode, and check the weights on known twin pairs.",
        "Link one-to-one within a source pair, so that two twins cannot both be linked to "
        "the same record.",
        "Review links between records in the same household with different given names "
        "before accepting them.",
    ),
    scenario="twins",
    sources=(GP, CSC),
    pairs=((CSC, GP),),
    variants=(Variant("no_twins", "without twins", {"world.twin_rate": 0.0}),
              Variant("twins", "with twins")),
    settings=(
        Setting("world.twin_rate", "twin rate (share of maternities)"),
        Setting("sources.gp_register.coverage.resident", "residents on the GP register"),
        Setting("sources.childrens_social_care.errors.nickname.rate",
                "CSC given names recorded as a nickname"),
    ),
    exercises=(
        Exercise("Put every resident on the GP register (`coverage.resident` 1).",
                 "Fewer twins lack their own GP record, so the probabilistic false "
                 "matches fall; the family-name rule still confuses twins.",
                 f"{RUN} twins --set sources.gp_register.coverage.resident=1"),
        Exercise("Set the twin rate to the real figure (`twin_rate` 0.015).",
                 "False matches with twins fall towards the no-twins world: rare, but not "
                 "zero in a large population.",
                 f"{RUN} twins --set world.twin_rate=0.015"),
    ),
    measure=measure_twins,
    default_population=30_000,
)


# --- 7. within-source duplicates -------------------------------------------------------


def _duplicate_figures(world: Any) -> dict[str, Any]:
    """Person counts and match rates, as an analyst would compute them and as truth has it."""
    from linkready.lessons._linking import standard_links

    truth = world.truth
    acute, gp = truth[truth["source"] == ACUTE], truth[truth["source"] == GP]
    links = standard_links(world)
    linked = links[links["linked"]]
    linked_acute = set(linked["record_id_l"])
    people_true = len(set(acute["person_id"]) | set(gp["person_id"]))
    naive = len(acute) + len(gp) - len(linked_acute)
    clusters = world.run.clusters.column("cluster_id").to_pandas().nunique()
    per_record = len(linked_acute) / len(acute)
    acute_linked_people = acute[acute["record_id"].isin(linked_acute)]["person_id"].nunique()
    fan = linked.groupby("record_id_l")["record_id_r"].nunique()
    return {
        "acute_records_per_person": len(acute) / acute["person_id"].nunique(),
        "gp_records_per_person": len(gp) / gp["person_id"].nunique(),
        "naive_people_error": naive / people_true - 1,
        "cluster_people_error": clusters / people_true - 1,
        "match_rate_records": per_record,
        "match_rate_people": acute_linked_people / acute["person_id"].nunique(),
        "one_to_many": float((fan > 1).sum() / len(acute)),
        "people_true": people_true,
        "people_naive": naive,
        "people_clusters": clusters,
    }


def measure_duplicates(ctx: LessonContext) -> LessonResult:
    from linkready.privacy import suppress

    res = LessonResult()
    rows = []
    labels: dict[str, tuple[str, Kind]] = {
        "acute_records_per_person": ("acute records per person", "number"),
        "gp_records_per_person": ("GP records per person", "number"),
        "match_rate_records": ("match rate: share of acute records linked", "share"),
        "match_rate_people": ("match rate: share of acute patients linked", "share"),
        "one_to_many": ("acute records linked to more than one GP record", "share"),
        "naive_people_error": ("people counted as records − links, error", "share"),
        "cluster_people_error": ("people counted as linked clusters, error", "share"),
    }
    for key in ("no_duplicates", "duplicates"):
        f = _duplicate_figures(ctx.world(key))
        label = ctx.variant(key).label
        for k, (text, kind) in labels.items():
            if kind == "share":
                res.share(f"{k}_{key}", f"{text} ({label})", f[k])
            else:
                res.number(f"{k}_{key}", f"{text} ({label})", f[k], kind)
        rows.append({"world": label, "people_true": suppress(int(f["people_true"])),
                     "people_naive": suppress(int(f["people_naive"])),
                     "people_clusters": suppress(int(f["people_clusters"])),
                     **{k: f[k] for k in labels}})
    res.number("naive_error_increase", "rise in the person-count error (records − links) "
               "from duplicates", res.value("naive_people_error_duplicates")
               - res.value("naive_people_error_no_duplicates"), "points")
    res.tables.append(table("counts", "People and match rates with and without duplicates",
                            [("world", "world", "text"), ("people_true", "true people", "count"),
                             ("people_naive", "records − links", "count"),
                             ("naive_people_error", "error", "share"),
                             ("people_clusters", "linked clusters", "count"),
                             ("cluster_people_error", "error", "share"),
                             ("acute_records_per_person", "acute records per person", "number"),
                             ("gp_records_per_person", "GP records per person", "number"),
                             ("match_rate_records", "match rate (records)", "share"),
                             ("match_rate_people", "match rate (patients)", "share"),
                             ("one_to_many", "linked to >1 GP record", "share")], rows,
                            note="People across the acute and GP extracts together."))
    res.charts.append(bar_chart(
        [{"measure": m, "series": r["world"], "value": r[k]} for r in rows
         for k, m in (("naive_people_error", "records − links"),
                      ("cluster_people_error", "linked clusters"))],
        "measure", "value", "Error in the number of people, by how they are counted",
        color="series", y_title="relative error (positive = overcount)"))
    res.findings += [
        f"With duplicates, the GP register holds {res.text('gp_records_per_person_duplicates')} "
        f"records per person (against {res.text('gp_records_per_person_no_duplicates')} "
        f"without).",
        f"Counting people as records minus links overcounts by "
        f"{res.text('naive_people_error_duplicates')} with duplicates and "
        f"{res.text('naive_people_error_no_duplicates')} without; counting linked clusters "
        f"errs by {res.text('cluster_people_error_duplicates')} and "
        f"{res.text('cluster_people_error_no_duplicates')}.",
        f"With duplicates, {res.text('match_rate_records_duplicates')} of acute records and "
        f"{res.text('match_rate_people_duplicates')} of acute patients were linked"
        + (" (here duplicates link about as well as originals, so the two units agree)"
           if abs(res.value("match_rate_records_duplicates")
                  - res.value("match_rate_people_duplicates")) < 0.01 else
           " — the unit matters")
        + f"; {res.text('one_to_many_duplicates')} of acute records linked to more than one "
        f"GP record (a duplicate pair), against {res.text('one_to_many_no_duplicates')} "
        f"without duplicates.",
    ]
    return res


DUPLICATES = Lesson(
    name="duplicates",
    number=7,
    title="Within-source duplicates",
    teaches="Duplicates inflate person counts, create one-to-many links and make the "
            "match rate depend on whether you count records or people.",
    question="How many people are in our data, and how many of them did we link?",
    setup="Two versions of the same synthetic borough: one where each system holds a person "
          "once, and one where the GP register and the acute system hold some people twice "
          "(each copy with its own recording errors), at the rates shown. Acute records are "
          "linked to the GP register with the standard pipeline, and people are counted the "
          "two ways analysts often do: records minus links, and linked clusters.",
    advice=(
        "Deduplicate each source before linking it to another, and report how many "
        "duplicates you found.",
        "Say whether a match rate counts records or people, and report both when they "
        "differ.",
        "Count people from clusters that include within-source links, not from records "
        "minus links.",
        "Treat one record linked to several records in another source as a signal of "
        "duplicates (or of a placeholder), and review those clusters.",
    ),
    scenario="duplicates",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("no_duplicates", "without duplicates",
                      {"sources.gp_register.errors.duplicates": 0.0,
                       "sources.acute.errors.duplicates": 0.0}),
              Variant("duplicates", "with duplicates")),
    settings=(
        Setting("sources.gp_register.errors.duplicates.rate",
                "GP register: people recorded twice"),
        Setting("sources.acute.errors.duplicates.rate", "acute: people recorded twice"),
    ),
    exercises=(
        Exercise("Remove duplicates from the acute system only "
                 "(`acute.errors.duplicates` 0).",
                 "The share of acute records linked to more than one GP record stays, and "
                 "the gap between the record and patient match rates narrows.",
                 f"{RUN} duplicates --set sources.acute.errors.duplicates=0"),
        Exercise("Double the GP register's duplicates (`duplicates` 0.16).",
                 "Both person counts overcount more, and more acute records link to two "
                 "GP records.",
                 f"{RUN} duplicates --set sources.gp_register.errors.duplicates=0.16"),
    ),
    measure=measure_duplicates,
)
