"""Lesson 7: within-source duplicates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import ACUTE, GP, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Kind, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

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
        "Counting people as records minus links "
        + direction(res.value("naive_people_error_duplicates"), 0.0, within=0.0,
                    more="overcounts", less="undercounts", same="errs", unknown="errs")
        + f" by {res.text('naive_people_error_duplicates')} with duplicates and "
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


LESSON = Lesson(
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
