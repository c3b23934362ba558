"""Lesson 11: linkage bias feeds analysis bias."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import ACUTE, GP, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction, near

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

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
    under_most, under_least = (res.value("det_underestimate_most"),
                               res.value("det_underestimate_least"))
    bias = direction(
        under_most, under_least, within=0.005,
        more="missing NHS numbers in deprived areas turn into apparently lower service "
             "use there",
        less="here NHS-number linkage undercounts the least deprived more, so the "
             "difference is exaggerated the other way",
        same="NHS-number linkage undercounts both groups about equally, so the "
             "difference survives")
    true_gap, det_gap, comb_gap = (res.value("true_gap"), res.value("det_gap"),
                                   res.value("comb_gap"))
    close = near(comb_gap, true_gap, max(0.005, abs(det_gap - true_gap) / 2))
    res.findings += [
        f"In truth, {res.text('true_most')} of GP-registered people in the most deprived "
        f"deciles had an acute record, against {res.text('true_least')} in the least "
        f"deprived: a difference of {res.text('true_gap')}.",
        f"On data linked by NHS number the same estimate is {res.text('det_most')} against "
        f"{res.text('det_least')} ({res.text('det_gap')}): {bias}.",
        f"With probabilistic linkage added the estimate is {res.text('comb_most')} against "
        f"{res.text('comb_least')} ({res.text('comb_gap')}), "
        + ("close to the truth." if close else
           f"still {abs(comb_gap - true_gap):.1%} from the true difference." if close is False
           else "to be set against the truth."),
    ]
    return res


LESSON = Lesson(
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
