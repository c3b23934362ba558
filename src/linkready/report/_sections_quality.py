"""Sections 2–6: sources, identifiers, scorecard, NHS numbers, defaults and duplicates.

Every figure is read from ``profile.json`` / ``validation.json`` (and ``linkage.json`` for
people counts); nothing is recomputed from records.
"""

from __future__ import annotations

from typing import Any

from linkready.documents import ProfileSource
from linkready.report import _charts as C
from linkready.report._alerts import unreadable
from linkready.report._fmt import (
    DASH,
    ccell,
    count,
    field_label,
    group_label,
    group_order,
    hcell,
    is_suppressed,
    of,
    pct,
    rcell,
    share_text,
    share_value,
    source_label,
    tcell,
)
from linkready.report._inputs import ReportInputs
from linkready.report._labels import ISSUES, NHS_STATUS, UNIQUENESS, action_label, expectation_label
from linkready.report._model import Block, Bullets, Cell, Chart, Paragraph, Section, Table
from linkready.report._verdict import Thresholds

IDENTIFIERS = ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "ethnicity")
EXTRAS = ("middle_names", "address_line", "uprn", "lsoa", "imd_decile", "local_id")


def _sources(inp: ReportInputs) -> dict[str, ProfileSource]:
    return inp.profile_sources


def sources_section(inp: ReportInputs, number: int) -> Section:
    """Section 2: records, fields held, people and coverage per source."""
    src = _sources(inp)
    clusters = (inp.linkage or {}).get("clusters", {})
    people = clusters.get("people_by_source", {})
    distinct = clusters.get("distinct_people")
    population = (inp.manifest or {}).get("population")
    spine = (inp.linkage or {}).get("spine")
    cols = ["source", "records", "identifiers held", "people (after linkage)",
            "share of everyone seen"]
    if population:
        cols.append("share of the synthetic population")
    rows = []
    for name, s in src.items():
        held = [field_label(f) for f in IDENTIFIERS if s["fields"].get(f, {}).get("held")]
        p = people.get(name)
        # Shares of two published figures; None where either is suppressed or absent.
        known = isinstance(p, int) and isinstance(distinct, int) and distinct > 0
        row = [hcell(source_label(name) + (" (spine)" if name == spine else "")),
               ccell(s["records"]), tcell(", ".join(held) or "none"), ccell(p),
               rcell(p / distinct if known else None,  # type: ignore[operator]
                     hidden=is_suppressed(p, distinct))]
        if population:
            row.append(rcell(p / population if isinstance(p, int) else None,
                             hidden=is_suppressed(p)))
        rows.append(tuple(row))
    blocks: list[Block] = []
    largest = max(src.items(), key=lambda kv: kv[1]["records"]
                  if isinstance(kv[1]["records"], int) else 0, default=None)
    lines = [f"This project has {len(src)} sources."]
    if largest:
        lines.append(f"The largest is {source_label(largest[0])}, with "
                     f"{count(largest[1]['records'])} records.")
    if spine:
        lines.append(f"Every other source is linked against {source_label(spine)} "
                     "(the spine).")
    if distinct is not None:
        lines.append(f"After linkage, the records belong to about {count(distinct)} distinct "
                     "people.")
    if population:
        lines.append(f"The data are synthetic: a made-up population of {count(population)} "
                     "people, so coverage of the population is known exactly.")
    blocks.append(Paragraph(" ".join(lines)))
    blocks.append(Table("Sources, records and people", tuple(cols), tuple(rows),
                        note="People are counted after linkage (section 8). Counts are "
                             "rounded to the nearest 5; * means 1 to 7."))
    return Section("sources", number, "Sources",
                   "What each source holds and how much of the population it covers.",
                   tuple(blocks))


def _held_cell(s: ProfileSource, f: str, unreadable: bool) -> Cell:
    """✓ held, — not held, or ⚠ when the field is mapped but unreadable for most records."""
    if not s["fields"].get(f, {}).get("held"):
        return tcell("— not held")
    if unreadable:
        return Cell("⚠ mapped, mostly unreadable", "text", "red")
    return tcell("✓ held")


def no_nhs_summary(src: dict[str, Any]) -> str:
    """Which sources hold no NHS number, each with the identifiers it can be linked on."""
    from linkready.alerts import PAIR_FIELDS

    lines = []
    for name, s in src.items():
        held = [f for f in PAIR_FIELDS if s["fields"].get(f, {}).get("held")]
        if "nhs_number" in held:
            continue
        on = [field_label(f) for f in held]
        what = (" and ".join([", ".join(on[:-1]), on[-1]]) if len(on) > 1 else
                on[0] if on else "nothing linkready compares")
        lines.append(f"{source_label(name)} holds no NHS number, so can only be linked on "
                     f"{what}.")
    return " ".join(lines) or "Every source holds an NHS number."


def identifiers_section(inp: ReportInputs, number: int) -> Section:
    """Section 3: which identifiers each source holds, and the standardisation applied."""
    src = _sources(inp)
    names = list(src)
    fields = [f for f in (*IDENTIFIERS, *EXTRAS)
              if any(s["fields"].get(f, {}).get("held") for s in src.values())]
    bad = {n: unreadable(inp, n) for n in names}
    inv = tuple(
        (hcell(field_label(f)),
         *(_held_cell(src[n], f, f in bad[n]) for n in names))
        for f in fields)
    actions: dict[tuple[str, str], dict[str, Any]] = {}
    for n in names:
        for entry in src[n]["standardisation"]:
            actions.setdefault((entry["field"], entry["action"]), {})[n] = entry["count"]
    order = {f: i for i, f in enumerate((*IDENTIFIERS, *EXTRAS, "record_id"))}
    std_rows = tuple(
        (hcell(f"{field_label(f)}: {action_label(a)}"),
         *(ccell(counts.get(n, 0)) for n in names))
        for (f, a), counts in sorted(actions.items(), key=lambda kv: (order.get(kv[0][0], 99),
                                                                        kv[0][1] != "read"))
    )
    summary = no_nhs_summary(src)
    cols = ("identifier", *(source_label(n) for n in names))
    return Section("identifiers", number, "Identifiers and standardisation",
                   "Which identifiers each source holds, and what was cleaned before linkage.",
                   (Paragraph(summary),
                    Table("Identifier inventory", cols, inv),
                    Paragraph("Before profiling or linking, every value is standardised the "
                              "same way: upper case, punctuation removed, NHS numbers reduced "
                              "to digits, postcodes to 'OUTWARD INWARD', dates parsed with the "
                              "declared format. Placeholders become missing values and are "
                              "counted. The table shows how many records each step changed."),
                    Table("Standardisation applied (records changed)",
                          ("field: step", *(source_label(n) for n in names)), std_rows)))


def _score_cell(score: float, held: bool, t: Thresholds) -> Cell:
    if not held:
        return Cell("not held", "score", "red")
    return Cell(f"{score:.0f}", "score", t.dqmi.rag(score))


def scorecard_section(inp: ReportInputs, number: int, t: Thresholds) -> Section:
    """Section 4: DQMI-style scores per source and field, and the validation results."""
    src = _sources(inp)
    rows = []
    for name, s in src.items():
        items = {i["field"]: i for i in s["dqmi"]["items"]}
        rows.append((hcell(source_label(name)),
                     *(_score_cell(items[f]["score"], items[f]["held"], t)
                       for f in IDENTIFIERS if f in items),
                     Cell(f"{s['dqmi']['composite_held']:.0f}", "score",
                          t.dqmi.rag(s["dqmi"]["composite_held"])),
                     Cell(f"{s['dqmi']['composite']:.0f}", "score",
                          t.dqmi.rag(s["dqmi"]["composite"]))))
    blocks: list[Block] = [
        Paragraph("Each identifier scores 0 to 100: the mean of its completeness (filled "
                  "in), validity (meets the data standard) and non-default share (not a "
                  "placeholder), as in NHS England's Data Quality Maturity Index (DQMI). "
                  f"Scores of {t.dqmi.green:.0f} or more are green, "
                  f"{t.dqmi.amber:.0f} to {t.dqmi.green:.0f} amber, below "
                  f"{t.dqmi.amber:.0f} red. A field a source does not hold scores 0."),
        Table("DQMI-style scorecard (0–100)",
              ("source", *(field_label(f) for f in IDENTIFIERS), "score of fields held",
               "score of all fields"), tuple(rows)),
    ]
    if inp.validation:
        vrows = []
        for name, s in inp.validation["sources"].items():
            failed = [_failed(e) for e in s["expectations"] if not e["success"]]
            st = s["statistics"]
            vrows.append((hcell(source_label(name)),
                          Cell(f"{st['successful']} of {st['evaluated']}", "text",
                               "green" if not failed else "amber"),
                          tcell("; ".join(failed) or "none")))
        blocks += [
            Paragraph("The same rules were also checked with Great Expectations, an "
                      "open-source data-validation tool; only counts were kept."),
            Table("Validation checks passed", ("source", "checks passed", "checks failed"),
                  tuple(vrows)),
        ]
    return Section("scorecard", number, "Data-quality scorecard",
                   "How complete, valid and free of placeholders each identifier is.",
                   tuple(blocks))


def _failed(e: dict[str, Any]) -> str:
    """A failed expectation and how many records broke it."""
    share = pct(e["unexpected_share"], hidden=is_suppressed(e["unexpected_count"]))
    what = "missing" if e["expectation"].endswith("not_be_null") else "fail"
    return f"{expectation_label(e['expectation'], e['column'], e['kwargs'])} ({share} {what})"


def nhs_section(inp: ReportInputs, number: int) -> Section:
    """Section 5: NHS-number completeness and validity by source and by subgroup."""
    src = {n: s for n, s in _sources(inp).items()
           if s["fields"].get("nhs_number", {}).get("held")}
    labels = [lab for _, lab in NHS_STATUS]
    bar_rows, rows = [], []
    for name, s in src.items():
        v = s["fields"]["nhs_number"]["vodim"]
        for rank, (cat, lab) in enumerate(NHS_STATUS):
            if bar := share_value(v[cat], s["records"]):
                bar_rows.append({"source": source_label(name), "status": lab,
                                 "share": bar, "rank": rank})
        rows.append((hcell(source_label(name)), ccell(s["records"]),
                     *(tcell(f"{count(v[c]['count'])} "
                             f"({pct(v[c]['share'], hidden=is_suppressed(v[c]['count']))})")
                       for c, _ in NHS_STATUS)))
    blocks: list[Block] = []
    if not src:
        return Section("nhs-number", number, "NHS number", "No source holds an NHS number.",
                       (Paragraph("No source holds an NHS number, so deterministic linkage "
                                  "on NHS number is not possible."),))
    worst = min(src.items(), key=lambda kv: share_value(
        kv[1]["readiness"]["deterministic"], kv[1]["records"]) or 0)
    wd = worst[1]["readiness"]["deterministic"]
    take = (f"{source_label(worst[0])} has the fewest usable NHS numbers: "
            f"{of(wd['count'], worst[1]['records'], wd['share'])} have a valid one.")
    table = Table("NHS-number status by source (records, share of the source)",
                  ("source", "records", *labels), tuple(rows))
    blocks.append(Chart("NHS-number status by source",
                        "Stacked bars, one per source, showing the share of records whose "
                        "NHS number is valid, invalid, a placeholder or missing. " + take,
                        C.stacked_shares(bar_rows, title="NHS-number status by source",
                                         y="source", colour="status", order=labels,
                                         x_title="share of the source's records"),
                        take, table))
    blocks.append(_subgroup_chart(src))
    return Section("nhs-number", number, "NHS number: completeness and validity",
                   "Whether records carry a valid NHS number, the key to exact linkage, "
                   "overall and for different groups of people.", tuple(blocks))


SUBGROUP_DIMENSIONS = ("ethnic_group", "age_band", "sex")


def _subgroup_chart(src: dict[str, Any]) -> Chart:
    names = list(src)
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for name, s in src.items():
        for g in s["subgroups"]:
            if g["dimension"] in SUBGROUP_DIMENSIONS:
                cells.setdefault((g["dimension"], str(g["group"])), {})[name] = g
    keys = sorted(cells, key=lambda k: (SUBGROUP_DIMENSIONS.index(k[0]),
                                        group_order(k[0], k[1])))
    heat, rows = [], []
    gaps: list[tuple[float, str, str]] = []
    for dim, grp in keys:
        label = f"{dim.replace('_', ' ')}: {group_label(dim, grp)}"
        row = [hcell(label)]
        for name in names:
            g = cells[(dim, grp)].get(name)
            if g is None:
                row.append(tcell(DASH))
                continue
            fig = g["nhs_number_valid"]
            hidden = is_suppressed(fig["count"], g["records"])
            row.append(tcell(f"{share_text(fig, g['records'])} of {count(g['records'])}"))
            if hidden:
                heat.append(C.hidden_cell({"group": label, "source": source_label(name)}))
            elif (value := share_value(fig, g["records"])) is not None:
                heat.append({"group": label, "source": source_label(name),
                             "share": value, "label": pct(fig["share"], digits=0)})
                overall = share_value(src[name]["readiness"]["deterministic"],
                                      src[name]["records"])
                if overall is not None and isinstance(g["records"], int) and g["records"] >= 50:
                    gaps.append((overall - value, label, name))
        rows.append(tuple(row))
    if gaps:
        gap, label, name = max(gaps)
        take = (f"The widest gap: in {source_label(name)}, {label} has "
                f"{100 * gap:.1f} points fewer valid NHS numbers than the source overall.")
    else:
        take = "No subgroup of 50 or more records falls below its source's overall share."
    table = Table("Valid NHS number by subgroup (share of the subgroup's records, of N)",
                  ("subgroup", *(source_label(n) for n in names)), tuple(rows),
                  note="Subgroups are as recorded in each source; 'not known' is where the "
                       "source does not record it.")
    spec = C.heatmap(heat, title="Valid NHS number by subgroup and source", x="source",
                     y="group", value="share", x_title=None, y_title=None,
                     y_order=[f"{d.replace('_', ' ')}: {group_label(d, g)}" for d, g in keys],
                     x_order=[source_label(n) for n in names])
    return Chart("Valid NHS number by subgroup and source",
                 "A grid of subgroups (rows) by source (columns); each cell gives the share "
                 "of the subgroup's records with a valid NHS number. " + take, spec, take,
                 table)


def defaults_section(inp: ReportInputs, number: int) -> Section:
    """Section 6: placeholders, invalid values, duplicates."""
    src = _sources(inp)
    names = list(src)
    issue_rows = []
    for kind in ("placeholder", "invalid"):
        for f in IDENTIFIERS:
            for issue, (k, label) in ISSUES.items():
                if k != kind:
                    continue
                figs = [src[n]["fields"].get(f, {}).get("issues", {}).get(issue) for n in names]
                if not any(fg and fg["count"] not in (0, None) for fg in figs):
                    continue
                issue_rows.append((hcell(f"{field_label(f)}: {label}"), tcell(kind),
                                   *(ccell(fg["count"]) if fg else tcell(DASH) for fg in figs)))
    checks = {n: {(c["check"], c["field"], c["category"]): c for c in src[n]["checks"]}
              for n in names}
    uniq_rows = []
    for check, fld, cat, label in UNIQUENESS:
        figs = [checks[n].get((check, fld, cat)) for n in names]
        uniq_rows.append((hcell(label),
                          *(tcell(f"{count(fg['count'])} "
                                  f"({pct(fg['share'], hidden=is_suppressed(fg['count']))})")
                            if fg else tcell(DASH) for fg in figs)))
    dups = [(checks[n].get(("uniqueness", "person", "probable_duplicates")) or {}, n)
            for n in names]
    top = max(dups, key=lambda d: share_value(d[0], src[d[1]]["records"]) or 0,
              default=({}, ""))
    text = ["Placeholders look like data but carry none: a default date of birth or an NHS "
            "number of repeated digits can link unrelated people. They are set to missing "
            "before linkage and counted here."]
    if top[0].get("share"):
        text.append(f"{source_label(top[1])} has the most probable duplicates: "
                    f"{of(top[0]['count'], src[top[1]]['records'], top[0]['share'])} share a "
                    "name and date of birth with another record in the same source.")
    cols = ("field: what was found", "kind", *(source_label(n) for n in names))
    return Section("defaults", number, "Defaults, placeholders and duplicates",
                   "Values that stand in for 'not known', values that break the standard, "
                   "and records that appear twice.",
                   (Paragraph(" ".join(text)),
                    Table("Placeholders and invalid values (records)", cols,
                          tuple(issue_rows) or ((hcell("none found"), tcell(""),
                                                 *(tcell("") for _ in names)),)),
                    Table("Uniqueness and probable duplicates (records, share of the source)",
                          ("check", *(source_label(n) for n in names)), tuple(uniq_rows)),
                    Bullets(("A shared NHS number within one source is usually a duplicate "
                             "registration, sometimes two people given one number in error.",
                             "Probable duplicates inflate a source's record count and its "
                             "apparent population; linkage merges them into one person."))))
