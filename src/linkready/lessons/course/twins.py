"""Lesson 6: twins and families."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import CSC, GP, RUN, bar_chart, source_records, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

def _false_matches(world: Any, links: Any, stage: str) -> dict[str, Any]:
    """False-match rate, and where the wrong links went (a twin, a household member)."""
    from linkready.lessons._context import THRESHOLD
    from linkready.lessons._linking import outcomes
    from linkready.link.evaluate import best_links, stage_links

    o = outcomes(world, links, CSC, GP, stage).set_index("record_id")
    pop = world.population.set_index("person_id")
    person = world.truth.set_index("record_id")["person_id"]
    best = best_links(stage_links(links[links["source_l"] == CSC], stage, THRESHOLD)).set_index(
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
        left, right = source_records(world, CSC), source_records(world, GP)
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


LESSON = Lesson(
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
