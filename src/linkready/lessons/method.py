"""Lessons about method and interpretation: 8 (threshold), 9 (blocking), 10 (overlap
versus linkage error) and 11 (linkage bias feeding analysis bias)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import ACUTE, GP, LA, bar_chart, line_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

RUN = "linkready lessons run"


# --- 8. threshold choice ----------------------------------------------------------------


def measure_thresholds(ctx: LessonContext) -> LessonResult:
    world = ctx.world()
    lp, ep = world.pair(ACUTE, GP)
    curve = ep["pr_curve"]
    res = LessonResult()
    res.count("acute_records", "acute records linked to the GP register", world.row_count(ACUTE))
    overlap = res.share("true_overlap", "true overlap: acute records whose person is on the "
                        "GP register", ep["truth"]["overlap_rate"])
    res.share("expected_match_rate", "expected match rate from the model (no threshold)",
              lp["probabilistic"]["expected_match_rate"]["estimate"])
    lo, hi = curve[0], curve[-1]
    for tag, point in (("low", lo), ("high", hi)):
        t = point["threshold"]
        res.share(f"match_rate_{tag}", f"match rate at p ≥ {t}", point["match_rate"])
        res.share(f"precision_{tag}", f"precision at p ≥ {t}", point["precision"])
        res.share(f"recall_{tag}", f"recall at p ≥ {t}", point["recall"])
    best = max((p for p in curve if p["f1"] is not None), key=lambda p: p["f1"])
    res.number("best_f1_threshold", "threshold with the highest F1", best["threshold"])
    res.share("best_f1", "highest F1", best["f1"])
    res.number("match_rate_spread", "match rate, lowest minus highest threshold",
               lo["match_rate"] - hi["match_rate"], "points")
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
            if r[k] is not None]
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


THRESHOLDS = Lesson(
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


# --- 9. over-tight blocking -------------------------------------------------------------

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
        f"{res.text('never_compared_names_dob')} of true matches; recall fell to "
        f"{res.text('recall_names_dob')} while precision stayed at "
        f"{res.text('precision_names_dob')}. Nothing failed and no warning was raised.",
        f"Blocking only on postcode + DOB lost the movers instead: "
        f"{res.text('never_compared_postcode_dob')} of true matches never compared, recall "
        f"{res.text('recall_postcode_dob')}.",
    ]
    return res


BLOCKING = Lesson(
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


# --- 10. overlap versus linkage error --------------------------------------------------


def measure_overlap(ctx: LessonContext) -> LessonResult:
    res = LessonResult()
    rows = []
    for key in ("low_overlap", "poor_identifiers"):
        world = ctx.world(key)
        lp, ep = world.pair(ACUTE, GP)
        gap = ep["deterministic"]["gap"]
        unlinked = gap["unlinked"] or 0.0
        row = {"world": ctx.variant(key).label,
               "deterministic": lp["deterministic"]["match_rate"],
               "expected": lp["probabilistic"]["expected_match_rate"]["estimate"],
               "combined": lp["combined"]["match_rate"],
               "overlap": ep["truth"]["overlap_rate"],
               "coverage": gap["coverage"], "linkage_error": gap["linkage_error"],
               "coverage_share": gap["coverage"] / unlinked if unlinked else None}
        rows.append(row)
        res.share(f"deterministic_{key}", f"deterministic match rate ({row['world']})",
                  row["deterministic"])
        res.share(f"expected_{key}", f"model's expected match rate ({row['world']})",
                  row["expected"])
        res.share(f"overlap_{key}", f"true overlap ({row['world']})", row["overlap"])
        res.share(f"coverage_share_{key}", f"unlinked because not on the GP register "
                  f"({row['world']}), share of unlinked", row["coverage_share"])
        res.share(f"combined_{key}", f"NHS number then probabilistic ({row['world']})",
                  row["combined"])
    res.number("deterministic_difference", "difference in deterministic match rates",
               abs(res.value("deterministic_low_overlap")
                   - res.value("deterministic_poor_identifiers")), "points")
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
                      ("overlap", "3 true overlap"))],
        "world", "value", "Deterministic match rate, model estimate and true overlap",
        color="series", y_title="share of acute records"))
    res.findings += [
        f"Exact NHS-number matching linked {res.text('deterministic_low_overlap')} of acute "
        f"records in the low-overlap borough and {res.text('deterministic_poor_identifiers')} "
        f"in the poor-identifier borough: on the headline figure they look alike.",
        f"In the low-overlap borough {res.text('coverage_share_low_overlap')} of unlinked "
        f"records belong to people who are not on the GP register at all (true overlap "
        f"{res.text('overlap_low_overlap')}); in the poor-identifier borough only "
        f"{res.text('coverage_share_poor_identifiers')} do (true overlap "
        f"{res.text('overlap_poor_identifiers')}).",
        f"Without any truth, the model's expected match rate tells them apart: "
        f"{res.text('expected_low_overlap')} against {res.text('expected_poor_identifiers')}; "
        f"NHS number then probabilistic linkage reaches "
        f"{res.text('combined_poor_identifiers')} where identifiers are poor.",
    ]
    return res


OVERLAP = Lesson(
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
                {"world.out_of_area_share": 0.35, "sources.acute.coverage.out_of_area": 0.6,
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


# --- 11. linkage bias feeds analysis bias ----------------------------------------------


def measure_analysis_bias(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import standard_links

    world = ctx.world()
    truth = world.truth
    gp = truth[truth["source"] == GP]
    acute_people = set(truth.loc[truth["source"] == ACUTE, "person_id"])
    decile = world.population.set_index("person_id")["imd_decile"]
    links = standard_links(world)
    det = set(links.loc[links["deterministic_rule"].notna(), "record_id_r"])
    comb = set(links.loc[links["linked"], "record_id_r"])
    frame = gp.assign(decile=gp["person_id"].map(decile),
                      true=gp["person_id"].isin(acute_people),
                      det=gp["record_id"].isin(det), comb=gp["record_id"].isin(comb))
    by = frame.groupby("decile")[["true", "det", "comb"]].mean()
    from linkready.privacy import suppress

    counts = frame.groupby("decile").size()
    rows = [{"decile": int(d), "records": suppress(int(counts[d])), "true": float(r["true"]),
             "det": float(r["det"]), "comb": float(r["comb"]),
             "bias_det": float(r["det"] - r["true"])} for d, r in by.iterrows()]
    res = LessonResult()
    res.count("gp_records", "GP records (the denominator)", len(gp))
    most = frame[frame["decile"].isin([1, 2, 3])]
    least = frame[frame["decile"].isin([8, 9, 10])]
    for tag, sub in (("most", most), ("least", least)):
        label = "most deprived (deciles 1-3)" if tag == "most" else "least deprived (8-10)"
        res.share(f"true_{tag}", f"true service use, {label}", float(sub["true"].mean()))
        res.share(f"det_{tag}", f"estimate from NHS-number linkage, {label}",
                  float(sub["det"].mean()))
        res.share(f"comb_{tag}", f"estimate from NHS number then probabilistic, {label}",
                  float(sub["comb"].mean()))
    res.number("true_gap", "true difference, most minus least deprived",
               res.value("true_most") - res.value("true_least"), "points")
    res.number("det_gap", "difference on NHS-number-linked data",
               res.value("det_most") - res.value("det_least"), "points")
    res.number("comb_gap", "difference on probabilistically linked data",
               res.value("comb_most") - res.value("comb_least"), "points")
    res.number("det_underestimate_most", "underestimate in deciles 1-3 (NHS-number linkage)",
               res.value("true_most") - res.value("det_most"), "points")
    res.number("det_underestimate_least", "underestimate in deciles 8-10 (NHS-number linkage)",
               res.value("true_least") - res.value("det_least"), "points")
    res.tables.append(table("by_decile", "Share of GP-registered people with an acute "
                            "record, by IMD decile (1 = most deprived)",
                            [("decile", "IMD decile", "text"), ("records", "GP records", "count"),
                             ("true", "truth", "share"),
                             ("det", "NHS-number linkage", "share"),
                             ("comb", "NHS number then probabilistic", "share"),
                             ("bias_det", "NHS-number linkage minus truth", "points")], rows))
    res.charts.append(bar_chart(
        [{"decile": str(r["decile"]), "series": s, "value": r[k]} for r in rows
         for k, s in (("true", "1 truth"), ("det", "2 NHS-number linkage"),
                      ("comb", "3 NHS number then probabilistic"))],
        "decile", "value", "Acute service use by IMD decile: truth and linked estimates",
        color="series", x_title="IMD decile (1 = most deprived)",
        y_title="share with an acute record", sort=[str(d) for d in range(1, 11)]))
    res.findings += [
        f"In truth, {res.text('true_most')} of GP-registered people in the most deprived "
        f"deciles had an acute record, against {res.text('true_least')} in the least "
        f"deprived: a difference of {res.text('true_gap')}.",
        f"On data linked by NHS number the same estimate is {res.text('det_most')} against "
        f"{res.text('det_least')} ({res.text('det_gap')}): missing NHS numbers in deprived "
        f"areas turn into apparently lower service use there.",
        f"With probabilistic linkage added the estimate is {res.text('comb_most')} against "
        f"{res.text('comb_least')} ({res.text('comb_gap')}), close to the truth.",
    ]
    return res


ANALYSIS_BIAS = Lesson(
    name="analysis_bias",
    number=11,
    title="Linkage bias feeds analysis bias",
    teaches="When linkage misses some groups more than others, every analysis of the "
            "linked data inherits the difference, and can even reverse a real gradient.",
    question="Do people in deprived areas use acute services more or less than others? We "
             "answered on linked GP and hospital data.",
    setup="A synthetic borough in which people in more deprived areas use the acute "
          "hospital more, and in which their hospital records lack an NHS number more "
          "often (a steeper version of the evidence-based gradient in the default "
          "scenario). The analysis: the share of GP-registered people with an acute "
          "record, by IMD decile — in truth, on data linked by NHS number only, and on data "
          "linked by NHS number then probabilistically.",
    advice=(
        "Before analysing linked data, measure linkage error by the groups your analysis "
        "compares (deprivation, ethnicity, age).",
        "If linkage quality differs between the groups, say so next to the result, and "
        "either improve the linkage (probabilistic stage) or correct for it (e.g. weight by "
        "inverse probability of linkage).",
        "Treat a gradient that follows the pattern of missing identifiers with suspicion "
        "until linkage error has been ruled out.",
        "Publish the linkage-quality table by subgroup with the analysis (GUILD).",
    ),
    scenario="analysis_bias",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("bias", "acute records with a deprivation gradient in missing NHS "
                              "numbers"),),
    settings=(
        Setting("sources.acute.errors.nhs_missing.rate",
                "acute records with no NHS number (base rate)"),
        Setting("sources.acute.errors.nhs_missing.by.imd_decile.1",
                "multiplier on that rate in decile 1", "number"),
        Setting("sources.acute.coverage.by.imd_decile.1",
                "acute use multiplier in decile 1", "number"),
    ),
    exercises=(
        Exercise("Remove the deprivation gradient in missing NHS numbers "
                 "(`nhs_missing.by.imd_decile` all 1).",
                 "NHS-number linkage still underestimates use everywhere, but the gradient "
                 "by deprivation is kept.",
                 f"{RUN} analysis_bias --set "
                 "'sources.acute.errors.nhs_missing.by.imd_decile={1: 1, 2: 1, 3: 1, 4: 1}'"),
        Exercise("Remove the real difference in use (`coverage.by.imd_decile` all 1).",
                 "Truth is flat across deciles; NHS-number linkage invents lower use in "
                 "deprived areas.",
                 f"{RUN} analysis_bias --set "
                 "'sources.acute.coverage.by.imd_decile={1: 1, 2: 1, 3: 1, 4: 1}'"),
    ),
    measure=measure_analysis_bias,
)
