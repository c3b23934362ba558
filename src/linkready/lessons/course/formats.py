"""Lesson 3: format heterogeneity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._measure import ACUTE, GP, RUN, bar_chart, table
from linkready.lessons._model import Exercise, Lesson, LessonResult, Setting, Variant
from linkready.lessons._wording import direction

if TYPE_CHECKING:
    import pandas as pd

    from linkready.lessons._context import LessonContext

#: Deterministic rules joined on raw text and on standardised values.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NHS number", ("nhs_number",)),
    ("NHS number + date of birth", ("nhs_number", "dob")),
    ("family name + date of birth", ("family_name", "dob")),
    ("given name + family name + date of birth", ("given_name", "family_name", "dob")),
    ("postcode + date of birth", ("postcode", "dob")),
)


def _canonical(records: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = records[records["source"] == source].copy()
    frame["nhs_number"] = frame["nhs_number"].where(frame["nhs_number_valid"].fillna(False))
    frame["dob"] = frame["dob"].astype("string")
    return frame


def _match_rate(left: pd.DataFrame, right: pd.DataFrame, keys: list[str],
                truth_person: pd.Series) -> tuple[float, float]:
    """(share of left records joined to a right record, share joined to the right person)."""
    from linkready.lessons._linking import join_rule

    pairs = join_rule(left, right, keys)
    linked = pairs["record_id_l"].nunique()
    correct = pairs[pairs["record_id_l"].map(truth_person)
                    == pairs["record_id_r"].map(truth_person)]["record_id_l"].nunique()
    n = len(left)
    return linked / n if n else 0.0, correct / n if n else 0.0


def measure_formats(ctx: LessonContext) -> LessonResult:
    import pandas as pd

    world = ctx.world()
    person = world.truth.set_index("record_id")["person_id"]
    raw_l, raw_r = world.raw(ACUTE), world.raw(GP)
    can_l, can_r = _canonical(world.records, ACUTE), _canonical(world.records, GP)
    res = LessonResult()
    res.count("acute_records", "acute records joined to the GP register", len(raw_l))
    overlap = float(world.truth[world.truth["source"] == ACUTE]["person_id"].isin(
        world.truth[world.truth["source"] == GP]["person_id"]).mean())
    res.share("true_overlap", "true overlap: acute records whose person is on the GP register",
              overlap)
    rows: list[dict[str, Any]] = []
    for i, (label, keys) in enumerate(RULES):
        _, raw_ok = _match_rate(raw_l, raw_r, list(keys), person)
        _, std_ok = _match_rate(can_l, can_r, list(keys), person)
        rows.append({"rule": label, "raw": raw_ok, "standardised": std_ok,
                     "recovered": std_ok - raw_ok})
        res.share(f"rule{i + 1}_raw", f"{label}: correctly joined, raw text", raw_ok)
        res.share(f"rule{i + 1}_standardised", f"{label}: correctly joined, standardised",
                  std_ok)
    res.number("nhs_recovered_points", "NHS-number join recovered by standardisation",
               rows[0]["recovered"], "points")

    # The dd/mm trap: read the acute dates as if they were dd/mm/yyyy like the GP's.
    gp_fmt = world.project.sources[GP].dob_formats[0]
    own_fmt = world.project.sources[ACUTE].dob_formats[0]
    assumed = pd.to_datetime(raw_l["dob"], format=gp_fmt, errors="coerce")
    right = pd.to_datetime(raw_l["dob"], format=own_fmt, errors="coerce")
    present = right.notna()
    fails = present & assumed.isna()
    wrong = present & assumed.notna() & (assumed != right)
    res.share("dob_wrong_format_unparseable", "acute dates that fail to parse as dd/mm/yyyy",
              float(fails.sum() / max(1, int(present.sum()))))
    res.share("dob_wrong_format_silently_wrong",
              "acute dates that parse as dd/mm/yyyy but to the wrong date",
              float(wrong.sum() / max(1, int(present.sum()))))
    # Aligned by record id: the raw extract and the workspace need not share a row order.
    misread_dob = pd.Series(assumed.dt.strftime("%Y-%m-%d").to_numpy(),
                            index=raw_l["record_id"].to_numpy())
    misread = can_l.assign(dob=can_l["record_id"].map(misread_dob).astype("string"))
    _, misread_ok = _match_rate(misread, can_r, ["nhs_number", "dob"], person)
    res.share("nhs_dob_misread_dates", "NHS number + DOB with acute dates read as dd/mm/yyyy",
              misread_ok)
    rows.insert(2, {"rule": "NHS number + date of birth, dates read as dd/mm/yyyy",
                    "raw": None, "standardised": misread_ok, "recovered": None})

    res.tables.append(table("rules", "Acute records joined to the right GP record, by rule",
                            [("rule", "exact rule", "text"), ("raw", "on raw text", "share"),
                             ("standardised", "after standardisation", "share"),
                             ("recovered", "recovered", "points")], rows,
                            note="Standardisation: NHS number digits only and checked; names "
                                 "upper-cased without punctuation; dates parsed with each "
                                 "system's own format; postcodes as OUTWARD INWARD."))
    chart_rows = [{"rule": r["rule"], "series": s, "value": r[k]} for r in rows
                  for k, s in (("raw", "raw text"), ("standardised", "standardised"))
                  if r[k] is not None and "read as" not in r["rule"]]
    res.charts.append(bar_chart(chart_rows, "rule", "value", "Correctly joined acute records: "
                                "raw text versus standardised values", color="series",
                                y_title="share of acute records",
                                sort=[label for label, _ in RULES]))
    raw_nhs, std_nhs = res.value("rule1_raw"), res.value("rule1_standardised")
    why_raw = direction(
        std_nhs, raw_nhs, within=0.01,
        more="the two systems write NHS numbers differently (\"999-…\" never equals "
             "\"999 …\")",
        less="the raw join matched more than the standardised one, which rejects "
             "invalid numbers",
        same="the two systems write NHS numbers alike here, so the raw join loses "
                       "little")
    misread = (res.value("dob_wrong_format_unparseable") or 0.0) + (
        res.value("dob_wrong_format_silently_wrong") or 0.0)
    res.findings += [
        f"Joined on the raw text, the NHS number matched {res.text('rule1_raw')} of acute "
        f"records: {why_raw}. Keeping digits only matched "
        f"{res.text('rule1_standardised')} (true overlap {res.text('true_overlap')}).",
        (f"Read as dd/mm/yyyy, {res.text('dob_wrong_format_unparseable')} of the acute "
         f"system's dates ({own_fmt}) fail to parse and "
         f"{res.text('dob_wrong_format_silently_wrong')} parse to the wrong date without any "
         f"error; NHS number + DOB then matched {res.text('nhs_dob_misread_dates')}, against "
         f"{res.text('rule2_standardised')} with each system's own format.")
        if misread > 0 else
        (f"The acute system writes dates as the GP register does ({own_fmt}), so reading "
         f"them with the GP's format changes nothing: NHS number + DOB matched "
         f"{res.text('nhs_dob_misread_dates')}, as with each system's own format "
         f"({res.text('rule2_standardised')})."),
        f"Case and postcode format break name and postcode rules the same way: family name + "
        f"DOB matched {res.text('rule3_raw')} raw and {res.text('rule3_standardised')} "
        f"standardised; postcode + DOB {res.text('rule5_raw')} and "
        f"{res.text('rule5_standardised')}.",
    ]
    return res


LESSON = Lesson(
    name="formats",
    number=3,
    title="Format heterogeneity: the same facts, written differently",
    teaches="A naive exact join on raw values loses matches to formatting alone; "
            "standardisation (and reading each date with its own format) recovers them.",
    question="Both systems record NHS number, date of birth and postcode. Why does a simple "
             "join of the two extracts find so few matches?",
    setup="A synthetic borough's GP register (dd/mm/yyyy dates, NHS numbers written "
          "\"999 123 4567\", postcodes \"NW1 2AB\", names in title case) and an acute "
          "system writing US-style mm/dd/yyyy dates, dashed NHS numbers, compact lower-case "
          "postcodes and upper-case names. The acute records are joined to the GP register "
          "with common exact rules, first on the raw text and then after linkready's "
          "standardisation. We also read the acute dates with the GP's date format, the "
          "mistake of assuming every system writes dates the same way.",
    advice=(
        "Never join on raw extract values. Standardise every identifier first: NHS number "
        "to ten digits, names to one case without punctuation, postcodes to OUTWARD INWARD.",
        "Declare each source's date format explicitly and check it: a wrong day/month order "
        "fails loudly only for days above 12 and silently corrupts the rest.",
        "Profile a sample of raw values per source before writing the mapping "
        "(`linkready profile`), and keep the standardisation log with the linkage.",
        "Compare match rates before and after standardisation: a large jump means the raw "
        "formats differ, and any downstream user of the raw data will hit the same trap.",
    ),
    scenario="formats",
    sources=(GP, ACUTE),
    pairs=((ACUTE, GP),),
    variants=(Variant("formats", "GP register and an acute system with other formats"),),
    settings=(
        Setting("sources.acute.format.date_format", "acute date format", "text"),
        Setting("sources.acute.format.nhs_style", "acute NHS number style", "text"),
        Setting("sources.acute.format.postcode_style", "acute postcode style", "text"),
        Setting("sources.acute.format.name_case", "acute name case", "text"),
    ),
    exercises=(
        Exercise("Make the acute system write NHS numbers the way the GP register does "
                 "(`nhs_style` spaced).",
                 "The raw NHS-number join now matches almost as well as the standardised "
                 "one; dates, names and postcodes still differ.",
                 f"{RUN} formats --set sources.acute.format.nhs_style=spaced"),
        Exercise("Make the acute system write dates as dd/mm/yyyy (`date_format` %d/%m/%Y).",
                 "Reading its dates with the GP's format is no longer a mistake: no date "
                 "fails or silently changes.",
                 f"{RUN} formats --set sources.acute.format.date_format=%d/%m/%Y"),
    ),
    measure=measure_formats,
    link=False,
)
