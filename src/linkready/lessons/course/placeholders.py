"""Lesson 2: placeholder NHS numbers and default dates of birth."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import ACUTE, GP, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction

if TYPE_CHECKING:
    import pandas as pd

    from linkready.lessons._context import LessonContext, LinkedWorld

def keep_placeholders(world: LinkedWorld) -> pd.DataFrame:
    """Canonical records with placeholder NHS numbers and default DOBs put back, as a
    pipeline that does not recognise them would hold them."""
    import pandas as pd

    frames = []
    for source, recs in world.records.groupby("source", sort=False):
        raw = world.raw(str(source)).set_index("record_id")
        recs = recs.copy()
        ids = recs["record_id"]
        nhs_ph = recs["nhs_number_issue"].isin(["repdigit", "placeholder"])
        digits = raw["nhs_number"].str.replace(r"[^0-9]", "", regex=True)
        recs.loc[nhs_ph, "nhs_number"] = ids[nhs_ph].map(digits).to_numpy()
        recs.loc[nhs_ph, "nhs_number_valid"] = True
        dob_ph = recs["dob_issue"].eq("sentinel")
        fmt = world.project.sources[str(source)].dob_formats[0]
        parsed = pd.to_datetime(raw["dob"], format=fmt, errors="coerce")
        recs.loc[dob_ph, "dob"] = ids[dob_ph].map(parsed).to_numpy()
        frames.append(recs)
    return pd.concat(frames, ignore_index=True)


def chance_dob_agreement(world: LinkedWorld, kept: pd.DataFrame) -> dict[str, float | None]:
    """How default DOBs make strangers agree: among acute–GP pairs of different people
    with equal DOB, the share whose DOB is a sentinel; and GP records per acute record
    that share its DOB, for default and for real dates."""
    person = world.truth.set_index("record_id")["person_id"]
    cols = ["record_id", "dob", "dob_issue"]
    left = kept.loc[kept["source"] == ACUTE, cols].dropna(subset=["dob"])
    right = kept.loc[kept["source"] == GP, cols].dropna(subset=["dob"])
    pairs = left.merge(right, on="dob", suffixes=("_l", "_r"))
    strangers = pairs[pairs["record_id_l"].map(person) != pairs["record_id_r"].map(person)]
    default = strangers["dob_issue_l"].eq("sentinel") | strangers["dob_issue_r"].eq("sentinel")
    per_left = pairs.groupby("record_id_l").size().reindex(left["record_id"]).fillna(0)
    is_default = left["dob_issue"].eq("sentinel").to_numpy()
    return {
        "default_share": float(default.mean()) if len(strangers) else None,
        "partners_default": float(per_left[is_default].mean()) if is_default.any() else None,
        "partners_real": float(per_left[~is_default].mean()) if (~is_default).any() else None,
    }


def measure_placeholders(ctx: LessonContext) -> LessonResult:
    from linkready.lessons._linking import outcomes, relink, standard_links

    world = ctx.world()
    kept = keep_placeholders(world)
    kept_links, _ = relink(kept, ACUTE, GP)
    clean_links = standard_links(world)
    left = world.records[world.records["source"] == ACUTE].set_index("record_id")
    kind = (left["nhs_number_issue"].isin(["repdigit", "placeholder"]).map(
        {True: "placeholder NHS number", False: ""})
        + left["dob_issue"].eq("sentinel").map({True: " + default DOB", False: ""}))
    kind = kind.str.strip(" +").replace("", "neither").replace(
        "default DOB", "default DOB").rename("kind")
    res = LessonResult()
    res.count("acute_records", "acute records linked to the GP register", len(left))
    res.count("placeholder_nhs_records", "acute records with a placeholder NHS number",
              int((left["nhs_number_issue"].isin(["repdigit", "placeholder"])).sum()))
    res.count("default_dob_records", "acute records with a default date of birth",
              int(left["dob_issue"].eq("sentinel").sum()))
    rows = []
    for handling, links in (("kept as values", kept_links), ("set to NULL", clean_links)):
        for stage, label in (("deterministic", "exact NHS number"),
                             ("probabilistic", "probabilistic")):
            o = outcomes(world, links, ACUTE, GP, stage).set_index("record_id")
            wrong = o["linked"] & ~o["correct"]
            linked = int(o["linked"].sum())
            key = f"{stage}_false_match_rate_{'kept' if handling.startswith('kept') else 'null'}"
            res.share(key, f"{label}: false-match rate, placeholders {handling}",
                      wrong.sum() / linked if linked else None)
            by_kind = wrong.groupby(kind.reindex(o.index)).mean()
            for k, v in by_kind.items():
                rows.append({"records": k, "handling": handling, "method": label,
                             "wrongly_linked": float(v)})
    pairs_kept = kept_links[kept_links["deterministic_rule"].notna()]
    res.count("max_gp_records_per_acute_record",
              "most GP records one acute record was joined to (placeholders kept)",
              int(pairs_kept.groupby("record_id_l").size().max()) if len(pairs_kept) else 0)
    chance = chance_dob_agreement(world, kept)
    res.share("chance_dob_agreement_from_default",
              "pairs of different people agreeing on DOB where the date is the default "
              "(placeholders kept)", chance["default_share"])
    res.number("dob_partners_default", "GP records sharing the DOB of an acute record with "
               "the default date (mean)", chance["partners_default"])
    res.number("dob_partners_real", "GP records sharing the DOB of an acute record with a "
               "real date (mean, its own record included)", chance["partners_real"])
    res.number("deterministic_false_match_increase",
               "rise in the exact-NHS-number false-match rate when placeholders are kept",
               res.value("deterministic_false_match_rate_kept")
               - res.value("deterministic_false_match_rate_null"), "points")
    order = ["placeholder NHS number", "default DOB", "placeholder NHS number + default DOB",
             "neither"]
    rows.sort(key=lambda r: (order.index(r["records"]) if r["records"] in order else 9,
                             r["method"], r["handling"]))
    res.tables.append(table("wrong_by_kind", "Share of acute records linked to the wrong "
                            "person, by what the record holds",
                            [("records", "acute records with", "text"),
                             ("method", "method", "text"), ("handling", "placeholders", "text"),
                             ("wrongly_linked", "linked to the wrong person", "share")], rows))
    chart_rows = [{"x": f"{r['method']}", "series": f"placeholders {r['handling']}",
                   "value": r["wrongly_linked"]}
                  for r in rows if r["records"] == "placeholder NHS number"]
    res.charts.append(bar_chart(chart_rows, "x", "value",
                                "Acute records with a placeholder NHS number linked to the "
                                "wrong person", color="series", x_title="",
                                y_title="share of those records"))
    res.findings += [
        f"When placeholder NHS numbers are treated as real values, exact NHS-number matching "
        f"has a false-match rate of {res.text('deterministic_false_match_rate_kept')}, against "
        f"{res.text('deterministic_false_match_rate_null')} once they are set to NULL.",
        f"One acute record holding a placeholder was joined to as many as "
        f"{res.text('max_gp_records_per_acute_record')} GP records: every GP record with the "
        f"same placeholder.",
        f"Default dates of birth agree with each other in the same way: an acute record with "
        f"the default date shares its DOB with {res.text('dob_partners_default')} GP records "
        f"on average, against {res.text('dob_partners_real')} for a real date (its own record "
        f"included), and "
        f"{res.text('chance_dob_agreement_from_default')} of all DOB agreements between "
        f"different people involve the default. Any rule or blocking key on DOB pairs "
        f"those strangers.",
        f"The probabilistic model's false-match rate is "
        f"{res.text('probabilistic_false_match_rate_kept')} with placeholders kept and "
        f"{res.text('probabilistic_false_match_rate_null')} with them removed"
        + direction(res.value("deterministic_false_match_rate_kept"),
                    res.value("probabilistic_false_match_rate_kept"), within=0.001,
                    more=": names that disagree outweigh most agreeing placeholders, which "
                         "is why the damage is done by exact rules.",
                    less=": here the model is hurt more than the exact rule.",
                    same=", about the same as the exact rule.", unknown=".")
    ]
    return res


LESSON = Lesson(
    name="placeholders",
    number=2,
    title="Placeholder NHS numbers and default dates of birth",
    teaches="Values that mean \"not known\" agree with each other, so a pipeline that "
            "treats them as data links strangers.",
    question="Some records carry an NHS number of 0000000000 or a date of birth of "
             "01/01/1900. Does it matter if we leave them in?",
    setup="A synthetic borough's acute hospital and GP extracts in which some records carry "
          "a placeholder NHS number (a repeated digit) or a default date of birth, at rates "
          "raised so that a class-size world holds enough of them. The acute records are "
          "linked to the GP register twice: once with placeholders kept as if they were real "
          "values, and once after standardisation has set them to NULL, as linkready's "
          "ingest does.",
    advice=(
        "Profile identifiers for defaults before linking: repeated-digit and other "
        "placeholder NHS numbers, sentinel dates (01/01/1900 and the like), ZZ99 "
        "pseudo-postcodes, \"UNKNOWN\" names.",
        "Set them to NULL, count how many you removed, and report the count with the "
        "linkage.",
        "Never let a deterministic rule join on a placeholder: a single value can join "
        "hundreds of unrelated records.",
        "Watch for unusually large clusters after linkage; they are the fingerprint of a "
        "placeholder that slipped through.",
    ),
    scenario="placeholders",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("placeholders", "Acute and GP extracts with placeholders"),),
    settings=(
        Setting("sources.acute.errors.nhs_placeholder.rate",
                "acute records with a placeholder NHS number"),
        Setting("sources.acute.errors.dob_default.rate",
                "acute records with a default date of birth"),
        Setting("sources.gp_register.errors.nhs_placeholder.rate",
                "GP records with a placeholder NHS number"),
        Setting("sources.gp_register.errors.dob_default.rate",
                "GP records with a default date of birth"),
    ),
    exercises=(
        Exercise("Remove placeholder NHS numbers from the GP register "
                 "(`nhs_placeholder` 0).",
                 "With nothing to agree with on the GP side, the exact-NHS-number false "
                 "matches from placeholders disappear even when they are kept.",
                 f"{RUN} placeholders --set sources.gp_register.errors.nhs_placeholder=0"),
        Exercise("Make default dates of birth five times as common in acute data "
                 "(`dob_default` 0.25).",
                 "The probabilistic false-match rate with placeholders kept rises; with "
                 "them set to NULL it stays low.",
                 f"{RUN} placeholders --set sources.acute.errors.dob_default=0.25"),
    ),
    measure=measure_placeholders,
)
