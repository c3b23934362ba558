"""Lessons about the NHS number and other identifiers: 1 (none in LA data), 2 (placeholder
values) and 12 (pseudonymised identifiers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import ACUTE, GP, LA, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant

if TYPE_CHECKING:
    import pandas as pd

    from linkready.lessons._context import LessonContext, LinkedWorld
    from linkready.lessons._linking import ModelSpec

RUN = "linkready lessons run"

# --- 1. no NHS number ------------------------------------------------------------------


def measure_no_nhs_number(ctx: LessonContext) -> LessonResult:
    world = ctx.world()
    lp, ep = world.pair(LA, GP)
    res = LessonResult()
    res.count("la_records", "LA records linked against the GP register", world.row_count(LA))
    det = res.share("deterministic_match_rate", "deterministic match rate (exact NHS number)",
                    lp["deterministic"]["match_rate"])
    prob = res.share("probabilistic_match_rate", "probabilistic match rate (Splink, p ≥ 0.9)",
                     lp["probabilistic"]["match_rate"])
    res.share("expected_match_rate", "expected match rate from the model (no truth needed)",
              lp["probabilistic"]["expected_match_rate"]["estimate"])
    res.share("true_overlap", "true overlap: LA records whose person is on the GP register",
              ep["truth"]["overlap_rate"])
    res.number("gap_points", "probabilistic minus deterministic", (prob or 0.0) - (det or 0.0),
               "points")
    res.share("probabilistic_precision", "precision of probabilistic links",
              ep["probabilistic"]["precision"])
    res.share("probabilistic_recall", "recall of probabilistic links",
              ep["probabilistic"]["recall"])
    rows = [
        {"method": "exact NHS number", "rate": det},
        {"method": "probabilistic (Splink)", "rate": prob},
        {"method": "expected (model)", "rate": res.value("expected_match_rate")},
        {"method": "true overlap", "rate": res.value("true_overlap")},
    ]
    res.charts.append(bar_chart(rows, "method", "rate", "Share of LA records linked, by method",
                                x_title="", y_title="share of LA records",
                                sort=[r["method"] for r in rows]))
    res.tables.append(table("rates", "Match rate by method",
                            [("method", "method", "text"),
                             ("rate", "share of LA records", "share")], rows))
    res.findings += [
        f"Exact NHS-number matching linked {res.text('deterministic_match_rate')} of LA "
        f"records: with no NHS numbers there is nothing to join on (\"we had nothing\").",
        f"Probabilistic linkage on names, date of birth, sex and postcode linked "
        f"{res.text('probabilistic_match_rate')} (a gap of {res.text('gap_points')}), against "
        f"a true overlap of {res.text('true_overlap')}.",
        f"Those links were {res.text('probabilistic_precision')} precise with "
        f"{res.text('probabilistic_recall')} recall; the model's own label-free "
        f"estimate was {res.text('expected_match_rate')}, "
        + ("close to" if abs(res.value("expected_match_rate") - res.value("true_overlap")) < 0.03
           else "some way from") + " the truth.",
    ]
    return res


NO_NHS_NUMBER = Lesson(
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



# --- 2. placeholders and default dates -----------------------------------------------


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
        f"{res.text('probabilistic_false_match_rate_null')} with them removed: names that "
        f"disagree outweigh most agreeing placeholders, which is why the damage is done by "
        f"exact rules.",
    ]
    return res


PLACEHOLDERS = Lesson(
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


# --- 12. hashed identifiers ------------------------------------------------------------

HASHED_FIELDS = ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode")
SALT = "linkready-lesson-salt"


def hashed_frames(records: pd.DataFrame, sources: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """Every identifier replaced by salted SHA-256 of its standardised value (NULL stays
    NULL), as a trusted third party would release it."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("recs", records)
        cols = ", ".join(
            f"CASE WHEN {f} IS NULL THEN NULL ELSE sha256('{SALT}' || CAST({f} AS VARCHAR)) "
            f"END AS {f}" for f in HASHED_FIELDS)
        return {s: con.sql(f"SELECT record_id, {cols} FROM recs WHERE source = '{s}'").df()
                for s in sources}
    finally:
        con.close()


def hashed_spec() -> ModelSpec:
    """Exact agreement is all a hash allows: one level per field."""
    import splink.comparison_library as cl

    from linkready.lessons._linking import ModelSpec

    return ModelSpec(
        comparisons=tuple(cl.ExactMatch(f) for f in HASHED_FIELDS),
        blocking=("l.nhs_number = r.nhs_number",
                  "l.given_name = r.given_name AND l.dob = r.dob",
                  "l.family_name = r.family_name AND l.dob = r.dob",
                  "l.given_name = r.given_name AND l.family_name = r.family_name",
                  "l.postcode = r.postcode AND l.dob = r.dob"),
        training=("l.given_name = r.given_name AND l.family_name = r.family_name", "l.dob = r.dob"),
        prior=("l.nhs_number = r.nhs_number AND l.dob = r.dob",
               "l.given_name = r.given_name AND l.family_name = r.family_name "
               "AND l.dob = r.dob"),
    )


def exact_agreement(world: LinkedWorld, left: str, right: str) -> pd.Series:
    """Per left record: whether some right record of the same person agrees exactly on the
    NHS number, or on given name, family name and DOB together."""
    recs = world.records.merge(world.truth, on=["source", "record_id"])
    lf, rf = recs[recs["source"] == left], recs[recs["source"] == right]
    m = lf.merge(rf, on="person_id", suffixes=("_l", "_r"))
    nhs = m["nhs_number_l"].notna() & (m["nhs_number_l"] == m["nhs_number_r"])
    key = ((m["given_name_l"] == m["given_name_r"]) & (m["family_name_l"] == m["family_name_r"])
           & (m["dob_l"] == m["dob_r"])).fillna(False)
    agree = (nhs | key).groupby(m["record_id_l"]).any()
    return agree.reindex(lf["record_id"]).fillna(False).astype(bool)


def measure_hashed_ids(ctx: LessonContext) -> LessonResult:
    import pandas as pd

    from linkready.lessons._linking import (
        join_rule,
        outcomes,
        rule_links,
        score,
        scored_links,
        standard_links,
    )

    world = ctx.world()
    frames = hashed_frames(world.records, (LA, GP))
    keyed = {s: f.assign(key=f["given_name"] + f["family_name"] + f["dob"])
             for s, f in frames.items()}
    det = pd.concat([join_rule(frames[LA], frames[GP], ["nhs_number"]),
                     join_rule(keyed[LA], keyed[GP], ["key"])])
    methods = {
        "clear-text probabilistic": (standard_links(world), "combined"),
        "hashed: exact NHS number or name + DOB key": (rule_links(det, LA, GP), "deterministic"),
    }
    scored, _ = score(frames, LA, GP, hashed_spec())
    methods["hashed: probabilistic, exact agreement only"] = (scored_links(scored, LA, GP),
                                                              "probabilistic")
    agree = exact_agreement(world, LA, GP)
    res = LessonResult()
    res.count("la_records", "LA records linked to the GP register", len(agree))
    rows = []
    for i, (label, (links, stage)) in enumerate(methods.items()):
        o = outcomes(world, links, LA, GP, stage).set_index("record_id")
        true = o["true_match"]
        fuzzy = true & ~agree.reindex(o.index).fillna(False)
        exact = true & ~fuzzy
        linked = int(o["linked"].sum())
        row = {"method": label, "match_rate": float(o["linked"].mean()),
               "recall": float(o.loc[true, "correct"].mean()) if true.any() else None,
               "recall_fuzzy": float(o.loc[fuzzy, "correct"].mean()) if fuzzy.any() else None,
               "recall_exact": float(o.loc[exact, "correct"].mean()) if exact.any() else None,
               "precision": float(o["correct"].sum() / linked) if linked else None}
        rows.append(row)
        key = ("clear", "hashed_exact", "hashed_probabilistic")[i]
        res.share(f"{key}_recall", f"{label}: recall", row["recall"])
        res.share(f"{key}_recall_fuzzy", f"{label}: recall where identifiers differ",
                  row["recall_fuzzy"])
    true_all = o["true_match"]
    res.share("fuzzy_share", "true matches whose NHS number and name + DOB both differ "
              "somewhere", float((true_all & ~agree.reindex(o.index).fillna(False)).sum()
                                 / max(1, int(true_all.sum()))))
    res.number("recall_lost_points", "recall lost by exact matching on hashed fields",
               res.value("clear_recall") - res.value("hashed_exact_recall"), "points")
    res.tables.append(table("methods", "Linking LA records to the GP register, by method",
                            [("method", "method", "text"), ("match_rate", "match rate", "share"),
                             ("precision", "precision", "share"), ("recall", "recall", "share"),
                             ("recall_exact", "recall: an exact key agrees", "share"),
                             ("recall_fuzzy", "recall: identifiers differ", "share")], rows))
    chart_rows = [{"method": r["method"], "series": s, "value": r[k]} for r in rows
                  for k, s in (("recall_exact", "an exact key agrees"),
                               ("recall_fuzzy", "identifiers differ")) if r[k] is not None]
    res.charts.append(bar_chart(chart_rows, "method", "value", "Recall by method and by "
                                "whether any exact key agrees", color="series",
                                y_title="recall", sort=list(methods)))
    res.findings += [
        f"In {res.text('fuzzy_share')} of true matches neither the NHS number nor the "
        f"name-and-DOB key agrees exactly: a typo, a nickname, a transliteration or a "
        f"missing NHS number is enough.",
        f"Exact matching on the hashed values recovered {res.text('hashed_exact_recall_fuzzy')} "
        f"of those, by construction: a hash of a misspelt name shares nothing with the hash "
        f"of the right one. Clear-text probabilistic linkage recovered "
        f"{res.text('clear_recall_fuzzy')}.",
        f"Overall recall fell from {res.text('clear_recall')} to "
        f"{res.text('hashed_exact_recall')} ({res.text('recall_lost_points')}); a "
        f"probabilistic model on the hashed fields, which can only see exact agreement, "
        f"reached {res.text('hashed_probabilistic_recall')}.",
    ]
    return res


HASHED_IDS = Lesson(
    name="hashed_ids",
    number=12,
    title="Pseudonymised (hashed) identifiers",
    teaches="Hashing destroys similarity: exact matching on hashed fields loses every "
            "match with any difference in its identifiers.",
    question="Our data-sharing agreement only lets us exchange hashed identifiers. What "
             "does that cost the linkage?",
    setup="An LA adult social care extract in which most records lack an NHS number, and "
          "the GP register. Every identifier is standardised "
          "and then replaced by a salted SHA-256 hash, as a trusted third party would "
          "release it. We compare clear-text probabilistic linkage with exact matching on "
          "the hashed NHS number or a hashed name-and-DOB key, and with a probabilistic "
          "model that sees the hashed fields (exact agreement only).",
    advice=(
        "If identifiers must be pseudonymised, have one trusted party link in clear text "
        "and release only linked pseudonyms, rather than linking on hashes.",
        "Standardise before hashing (case, spaces, punctuation, date format, postcode "
        "format), identically on every side: a hash makes any formatting difference a "
        "complete mismatch.",
        "Where hashing cannot be avoided, hash several partial keys (name initials, "
        "Soundex of surnames, year and month of birth) or use Bloom-filter encodings so "
        "that near-agreement survives.",
        "Measure recall by subgroup: the records lost are those with variant spellings "
        "and missing NHS numbers, who are not a random sample.",
    ),
    scenario="hashed_ids",
    sources=(GP, LA),
    pairs=((LA, GP),),
    variants=(Variant("hashed", "LA and GP extracts, identifiers hashed after "
                                "standardisation"),),
    settings=(
        Setting("sources.la_adult_social_care.errors.nhs_missing.rate",
                "LA records with no NHS number"),
        Setting("sources.la_adult_social_care.errors.nickname.rate",
                "LA given names recorded as a nickname"),
        Setting("sources.la_adult_social_care.errors.given_typo.rate",
                "LA given-name typo rate"),
    ),
    exercises=(
        Exercise("Give every LA record its NHS number (`nhs_missing` 0).",
                 "Exact matching on the hashed NHS number now recovers nearly every match; "
                 "hashing costs little when a clean shared identifier exists.",
                 f"{RUN} hashed_ids --set sources.la_adult_social_care.errors.nhs_missing=0"),
        Exercise("Double every error rate (`error_scale` 2).",
                 "The share of fuzzy matches grows and the recall of hashed exact matching "
                 "falls with it; clear-text probabilistic linkage loses much less.",
                 f"{RUN} hashed_ids --set error_scale=2"),
    ),
    measure=measure_hashed_ids,
)
