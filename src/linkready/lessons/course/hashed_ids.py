"""Lesson 12: pseudonymised (hashed) identifiers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkready.lessons._measure import GP, LA, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction
from linkready.sql import lit

if TYPE_CHECKING:
    import pandas as pd

    from linkready.lessons._context import LessonContext, LinkedWorld
    from linkready.link.model import ModelSpec

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
        return {s: con.sql(f"SELECT record_id, {cols} FROM recs WHERE source = {lit(s)}").df()
                for s in sources}
    finally:
        con.close()


def hashed_spec() -> ModelSpec:
    """Exact agreement is all a hash allows: one level per field."""
    import splink.comparison_library as cl

    from linkready.link.model import ModelSpec

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
        "Overall recall "
        + direction(res.value("hashed_exact_recall"), res.value("clear_recall"),
                    within=0.001, more="rose", less="fell", same="stayed about level",
                    unknown="went")
        + f" from {res.text('clear_recall')} to "
        f"{res.text('hashed_exact_recall')} ({res.text('recall_lost_points')}); a "
        f"probabilistic model on the hashed fields, which can only see exact agreement, "
        f"reached {res.text('hashed_probabilistic_recall')}.",
    ]
    return res


LESSON = Lesson(
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
