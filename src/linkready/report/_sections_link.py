"""Sections 7–10: match rates, the fuller picture, linkage bias, what would change it.

Rates are read from ``linkage.json``, ``evaluation.json`` and ``sweep.json``. The only
figures derived here are 95% Wilson intervals for observed rates (from the published
denominator) and ratios of two published figures, each labelled as such. A rate published
as ``*`` (it rests on a count of 1–7) is shown as ``*`` and left out of charts,
intervals and comparisons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from linkready.documents import LinkagePair
from linkready.link.skipped import NOT_ESTIMATED, skipped
from linkready.privacy import SUPPRESSED
from linkready.report import _charts as C
from linkready.report._fmt import (
    DASH,
    DIMENSION_LABELS,
    ccell,
    count,
    group_label,
    group_order,
    hcell,
    interval,
    is_suppressed,
    link_rate,
    pct,
    rate_value,
    rcell,
    small_complement,
    source_label,
    tcell,
    wilson,
    with_interval,
)
from linkready.report._inputs import ReportInputs
from linkready.report._model import Block, Bullets, Cell, Chart, Paragraph, Section, Table
from linkready.report._verdict import Thresholds, too_few_matches

METHODS = ("NHS number only", "NHS number + date of birth", "probabilistic",
           "expected (model)", "true overlap")


def pair_name(p: Mapping[str, Any]) -> str:
    return f"{source_label(p['left'])} → {source_label(p['right'])}"


def _eval_pairs(inp: ReportInputs) -> dict[tuple[str, str], dict[str, Any]]:
    """evaluation.json's pairs by (left, right); each carries ``_exact`` (published
    exactly: synthetic truth) for the tables that read it."""
    if not inp.evaluation:
        return {}
    exact = _exact(inp)
    return {(p["left"], p["right"]): {**p, "_exact": exact} for p in inp.eval_pairs}


def _exact(inp: ReportInputs) -> bool:
    """True when evaluation.json was published exactly (synthetic truth: no real person in
    it); then its counts and rates are shown as they are, not as ``*``."""
    dc = (inp.evaluation or {}).get("disclosure_control", {})
    return dc.get("applied") is False


def truth_origin(inp: ReportInputs) -> str:
    """Where the truth behind evaluation.json comes from, for a sentence."""
    if _exact(inp):
        return "known only because the data are synthetic"
    return "known from the truth the project file names (`truth:`)"


def _n(value: Any, exact: bool) -> str:
    """A count of evaluation.json: exact when published exactly, else as published."""
    return f"{value:,}" if exact and isinstance(value, int) else count(value)


def _ci_label(method: str) -> str:
    return "interval (model, blocking, chance)" if method == METHODS[3] else "95% CI"


def _ci(lo_hi: tuple[float, float] | None) -> str:
    return DASH if lo_hi is None else interval(*lo_hi)


def match_rates_section(inp: ReportInputs, number: int) -> Section:
    """Section 7: deterministic, probabilistic, expected and true rates per pair."""
    link = inp.linkage or {}
    evs = _eval_pairs(inp)
    threshold = link.get("threshold")
    chart_rows, rows = [], []
    for p in inp.link_pairs:
        n = p["left_records"]
        ev = evs.get((p["left"], p["right"]))
        det, nd, prob = p["deterministic"], p["deterministic"]["nhs_dob"], p["probabilistic"]
        exp = prob["expected_match_rate"]
        measures: list[tuple[str, Any, tuple[Any, Any] | None, Any]] = [
            (METHODS[0], det["match_rate"], wilson(det["match_rate"], n),
             det["linked_records"]),
            (METHODS[1], nd["match_rate"], wilson(nd["match_rate"], n), nd["linked_records"]),
            (METHODS[2], prob["match_rate"], wilson(prob["match_rate"], n),
             prob["linked_records"]),
            (METHODS[3], exp["estimate"], (exp["lower"], exp["upper"]), None),
        ]
        if ev:
            measures.append((METHODS[4], ev["truth"]["overlap_rate"], None,
                             ev["truth"]["overlap_records"]))
        cells = [hcell(pair_name(p)), ccell(n)]
        for method, rate, ci, k in measures:
            if method == METHODS[3] and skipped(p):
                cells.append(tcell(NOT_ESTIMATED))
                continue
            hidden = ((k is not None and is_suppressed(k, n)) or small_complement(rate, n)
                      or rate == SUPPRESSED)
            if not hidden:
                lo, hi = ci if ci else (rate, rate)
                chart_rows.append({"pair": pair_name(p), "method": method, "rate": rate,
                                   "lower": lo, "upper": hi})
            cells.append(Cell(f"{pct(rate, hidden=hidden)}"
                              + ("" if k is None else f" ({count(k)})"), "rate",
                              detail="" if ci is None or hidden else
                              f"{_ci_label(method)} {_ci(ci)}"))
        if evs and not ev:
            cells.append(tcell("not evaluated"))
        rows.append(tuple(cells))
    methods = list(METHODS if evs else METHODS[:4])
    pairs = inp.link_pairs
    gaps = [(pr - d, p) for p in pairs
            if (pr := rate_value(p["probabilistic"]["match_rate"])) is not None
            and (d := rate_value(p["deterministic"]["match_rate"])) is not None]
    take = ""
    if gaps:
        _, p = max(gaps, key=lambda g: g[0])
        take = (f"Probabilistic linkage adds most for {pair_name(p)}: "
                f"{link_rate(p['deterministic'], p['left_records'])} on NHS number alone, "
                f"{link_rate(p['probabilistic'], p['left_records'])} with probabilistic "
                "linkage.")
    table = Table(f"Match rates per pair (share of the left source's records; linked records "
                  f"in brackets; threshold p ≥ {threshold})",
                  ("pair", "left records", *methods), tuple(rows),
                  note="Intervals for observed rates are 95% Wilson intervals over the "
                       "published record count. The expected rate's interval (nominal 95%) "
                       "covers model uncertainty (bootstrap refits), blocking misses found by "
                       "a loose diagnostic blocking, and chance; it is widened where a "
                       "model-free check against decoy records disagrees, and its upper end "
                       "raised where records lacking a field link much less than complete "
                       "ones (linkage.json).")
    blocks: list[Block] = [
        Paragraph("A match rate is the share of the left source's records linked to a record "
                  "in the right source. It is measured four ways. 'NHS number only' is exact "
                  "linkage on a valid NHS number, as most NHS pipelines do. 'Probabilistic' "
                  "weighs agreement on names, date of birth, sex, postcode and NHS number "
                  f"(Splink), linking pairs with a match probability of at least {threshold}. "
                  "'Expected' is what the model predicts without any known answers."
                  + (" 'True overlap' is the share that really have a record in the right "
                     f"source, {truth_origin(inp)}." if evs else "")),
    ]
    if chart_rows:
        blocks.append(Chart("Match rates per pair, with 95% intervals",
                            "Dot plot of match rates per pair by method, with 95% intervals "
                            "as lines. " + take,
                            C.rates_with_intervals(chart_rows, title="Match rates per pair",
                                                   methods=methods), take, table))
    else:  # every rate hidden (*): the table alone
        blocks.append(table)
    label_free = _label_free_table(pairs)
    if label_free is not None:
        blocks.append(label_free)
    if evs:
        blocks.append(_accuracy_table(pairs, evs))
        blocks.append(Paragraph("A low match rate is not always poor linkage. Some records "
                                "are unlinked because the person is not in the other source at "
                                "all (coverage); the rest are linkage error. The last two "
                                "columns split the unlinked share into these two parts."))
    return Section("match-rates", number, "Match rates per pair",
                   "How many records link, by each method, with their uncertainty.",
                   tuple(blocks))


def _range(block: Mapping[str, Any], key: str = "estimate") -> str:
    return with_interval(block.get(key), block.get("lower"), block.get("upper"))


def _missed(exp: Mapping[str, Any], recall: Mapping[str, Any]) -> float | str | None:
    """The share of left records whose match blocking missed, by the reading the
    estimate uses: the field model's, or the diagnostic's plus blank fields' (``*``
    where a part is suppressed)."""
    field = recall.get("field_model") or {}
    if field.get("used"):
        return field.get("share_of_left")
    parts = [exp.get("missed_by_blocking"), exp.get("missed_by_missing_fields", 0.0)]
    if any(isinstance(x, str) for x in parts):
        return SUPPRESSED
    return sum(x for x in parts if x is not None) if parts[0] is not None else None


def _label_free_table(pairs: list[LinkagePair]) -> Table | None:
    """Blocking recall, missed by blocking and false links, estimated without truth."""
    rows = []
    for p in pairs:
        prob = p["probabilistic"]
        recall = prob.get("blocking", {}).get("estimated_recall")
        false = prob.get("false_links")
        exp = prob["expected_match_rate"]
        if recall is None or false is None:
            continue
        if skipped(p):
            rows.append((hcell(pair_name(p)), *(tcell(NOT_ESTIMATED) for _ in range(5))))
            continue
        chance = exp.get("chance_only", {})
        few = too_few_matches(p, Thresholds())
        rows.append((hcell(pair_name(p)),
                     tcell(_range(recall) if few is None else few.value),
                     rcell(_missed(exp, recall)),
                     tcell(_range(false, "share")), tcell(count(false.get("expected"))),
                     tcell(_range({**chance, "estimate": exp.get("estimate")}))))
    if not rows:
        return None
    return Table("Label-free checks per pair (estimate, interval)",
                 ("pair", "blocking recall", "missed by blocking (share of left records)",
                  "false links among accepted", "expected false links",
                  "expected rate, chance-only interval"), tuple(rows),
                 note="Estimated without truth (docs/methods/match-rates.md). Blocking recall "
                      "is the share of expected matches the blocking rules compare (read from "
                      "the diagnostic sample and blank fields, or from how fields agree in "
                      "matches, whichever sees more misses); it cannot be read where the "
                      "model expects too few matches for a blocking that misses none to "
                      "reach 90% (docs/methods/match-rates.md). False "
                      "links are Σ(1 − p) over accepted links. The chance-only interval is "
                      "the spread if the model were exactly right: narrower, and not the "
                      "one to rely on.")


def _accuracy_table(pairs: list[LinkagePair], evs: dict[tuple[str, str], Any]) -> Table:
    rows = []
    exact = False
    for p in pairs:
        ev = evs.get((p["left"], p["right"]))
        if not ev:
            continue
        exact = bool(ev.get("_exact"))
        for key, label in (("deterministic", "NHS number only"),
                           ("probabilistic", "probabilistic"),
                           ("combined", "either")):
            m = ev[key]
            fp = not exact and is_suppressed(m["false_positives"])
            fn = not exact and is_suppressed(m["false_negatives"])
            lk = m.get("links", {})
            rows.append((hcell(f"{pair_name(p)}: {label}"),
                         rcell(m["precision"], hidden=fp),
                         rcell(lk.get("precision"),
                               hidden=not exact and is_suppressed(lk.get("false_links"))),
                         tcell(_n(lk.get("false_links"), exact)),
                         rcell(m["recall"], hidden=fn),
                         rcell(m["false_match_rate"], hidden=fp),
                         rcell(m["missed_match_rate"], hidden=fn),
                         rcell(m["gap"]["coverage"]),
                         # linkage error rests on the missed (and wrong) links: hide it
                         # with them, or it would reveal a count of 1–7.
                         rcell(m["gap"]["linkage_error"], hidden=fp or fn)))
    return Table("Accuracy against the truth (GUILD measures per left record; link "
                 "precision and false links over every link)",
                 ("pair: method", "precision", "link precision", "false links", "recall",
                  "false-match rate", "missed-match rate",
                  "unlinked: not in the other source", "unlinked: linkage error"),
                 tuple(rows),
                 note=("Precision judges each left record by its best link; link precision "
                       "judges every link the method makes, as the clusters of people use "
                       "them all, so a record linked to its own and to another person's "
                       "record lowers link precision only. "
                       + ("Figures against synthetic truth are exact: no real person is in "
                          "them." if exact else "* means a count of 1 to 7, not shown.")))


def _cluster_blocks(inp: ReportInputs) -> list[Block]:
    """How well the clusters recover people, from evaluation.json (truth only)."""
    c = (inp.evaluation or {}).get("clusters")
    if not c or "pairwise" not in c:
        return []
    exact = _exact(inp)
    rows = []
    for i, block in enumerate(c.get("by_source_set") or [{"sources": [], **c}]):
        label = ("all sources" if i == 0
                 else " + ".join(source_label(n) for n in block["sources"]))
        rows.append((hcell(label), tcell(_n(block["records"], exact)),
                     rcell(block["people_split_rate"]), rcell(block["clusters_merged_rate"]),
                     rcell(block["pairwise"]["precision"]), rcell(block["pairwise"]["recall"]),
                     rcell(block["bcubed"]["precision"]), rcell(block["bcubed"]["recall"])))
    split = rate_value(c["people_split_rate"])
    merged = rate_value(c["clusters_merged_rate"])
    take = (f"Over all sources, {pct(split)} of people are split over more than one cluster "
            f"and {pct(merged)} of clusters merge more than one person."
            if split is not None and merged is not None else "")
    return [
        Paragraph("Against the truth, the clusters can be wrong two ways: one person split "
                  "over several clusters (missed links), or several people merged into one "
                  "(false links). Pairwise measures count pairs of records, so big clusters "
                  "weigh most; B-cubed averages over records, each record counting once. "
                  + take),
        Table("How well the clusters recover people, per set of sources",
              ("sources", "records", "people split", "clusters merged",
               "pairwise precision", "pairwise recall", "B-cubed precision",
               "B-cubed recall"), tuple(rows),
              note="Each row keeps the records of its sources only, with the clusters made "
                   "over all sources. " + ("Exact figures: synthetic truth." if exact else
                                          "* means a count of 1 to 7, not shown.")),
    ]


def picture_section(inp: ReportInputs, number: int) -> Section:
    """Section 8: distinct people and the overlap between sources."""
    c = (inp.linkage or {}).get("clusters")
    if not c:
        return Section("picture", number, "The fuller picture", "Linkage was not run.",
                       (Paragraph("Run `linkready assess` to count distinct people."),))
    names = c["sources"]
    hist = c.get("in_sources_histogram", {})
    hist_rows = [{"sources": k, "people": v, "label": count(v)}
                 for k, v in sorted(hist.items(), key=lambda kv: int(kv[0]))
                 if isinstance(v, int)]
    one = hist.get("1")
    take = (f"About {count(c['distinct_people'])} distinct people are in the "
            f"{len(names)} sources; {count(one)} of them are in only one source.")
    hist_table = Table("People by the number of sources they appear in",
                       ("number of sources", "people"),
                       tuple((hcell(k), ccell(v)) for k, v in
                             sorted(hist.items(), key=lambda kv: int(kv[0]))))
    heat, rows = [], []
    for a in names:
        row = [hcell(source_label(a))]
        for b in names:
            people = c["overlap_people"][a][b]
            share = c["overlap_share"][a][b]
            hidden = is_suppressed(people) or rate_value(share) is None
            row.append(tcell(f"{count(people)} ({pct(share, hidden=hidden, digits=0)})"))
            if not hidden:
                heat.append({"row": source_label(a), "col": source_label(b), "share": share,
                             "label": pct(share, digits=0)})
            elif is_suppressed(people):
                heat.append(C.hidden_cell({"row": source_label(a), "col": source_label(b)}))
        rows.append(tuple(row))
    labels = [source_label(n) for n in names]
    overlap_table = Table("People in both sources (row source's people also in the column "
                          "source, share of the row source's people)",
                          ("people in … also in →", *labels), tuple(rows))
    best = sorted(((s, a, b) for a in names for b in names
                   if a != b and (s := rate_value(c["overlap_share"][a][b])) is not None),
                  reverse=True)
    otake = (f"{pct(best[0][0], digits=0)} of the people in {source_label(best[0][1])} are also "
             f"in {source_label(best[0][2])}, the largest overlap." if best else "")
    blocks: list[Block] = [
        Paragraph("Linking every pair and joining the links gives groups of records that "
                  "belong to one person. " + take),
        Chart("People by number of sources", "Bar chart of the number of people found in "
              "one, two, three or more sources. " + take,
              C.bars(hist_rows, title="People by the number of sources they are in",
                     x="sources", y="people", x_title="number of sources",
                     y_title="people"), take, hist_table),
        Chart("Overlap between sources", "A grid of sources by sources; each cell gives the "
              "share of the row source's people who are also in the column source. " + otake,
              C.heatmap(heat, title="Share of the row source's people also in the column "
                        "source", x="col", y="row", value="share", x_title=None,
                        y_title=None, y_order=labels, x_order=labels),
              otake, overlap_table),
    ]
    blocks += _cluster_blocks(inp)
    return Section("picture", number, "The fuller picture",
                   "How many distinct people the sources hold, and who is in more than one.",
                   tuple(blocks))


def _bias_chart(pairs: list[LinkagePair], evs: dict[tuple[str, str], Any], method: str,
                label: str, t: Thresholds) -> Chart | None:
    keys: dict[tuple[str, str], dict[str, Any]] = {}
    tests: dict[tuple[str, str, str], dict[str, Any]] = {}
    compared: dict[str, int] = {}
    for p in pairs:
        ev = evs.get((p["left"], p["right"]))
        if not ev:
            continue
        for dim, groups in ev.get("by_subgroup", {}).items():
            for g in groups:
                keys.setdefault((dim, str(g["group"])), {})[pair_name(p)] = g
        block = ev.get("bias", {}).get(method, {})
        compared[pair_name(p)] = block.get("groups_compared", 0)
        for row in block.get("groups", []):
            tests[(row["dimension"], str(row["group"]), pair_name(p))] = row
    if not keys:
        return None
    exact = any(ev.get("_exact") for ev in evs.values())
    pref = ("ethnic_group", "age_band", "sex", "imd_decile")
    order = sorted(keys, key=lambda k: (pref.index(k[0]) if k[0] in pref else 99, k[0],
                                        group_order(k[0], k[1])))
    pnames = [pair_name(p) for p in pairs if (p["left"], p["right"]) in evs]
    heat: list[dict[str, Any]] = []
    rows, flagged = [], []
    for dim, grp in order:
        glabel = f"{DIMENSION_LABELS.get(dim, dim)}: {group_label(dim, grp)}"
        row = [hcell(glabel)]
        for pn in pnames:
            g = keys[(dim, grp)].get(pn)
            if g is None:
                row.append(tcell(DASH))
                continue
            m = g[method]
            hidden = not exact and (is_suppressed(m["false_negatives"], m["true_positives"],
                                                  g["left_records"])
                                    or m["missed_match_rate"] == SUPPRESSED)
            rate = rate_value(m["missed_match_rate"])
            test = tests.get((dim, grp, pn), {})
            lo, hi = rate_value(test.get("lower")), rate_value(test.get("upper"))
            detail = ("" if hidden or lo is None or hi is None
                      else f"95% CI {interval(lo, hi)}")
            if test.get("flagged"):
                detail = (detail + "; " if detail else "") + "missed more than the rest"
                excess = rate_value(test.get("excess"))
                flagged.append((excess if excess is not None else -1.0, glabel, pn,
                                pct(rate, hidden=hidden)))
            row.append(Cell(f"{pct(rate, hidden=hidden)} of {_n(g['left_records'], exact)}",
                            "text", rag="amber" if test.get("flagged") else "none",
                            detail=detail))
            if not hidden and rate is not None:
                heat.append({"group": glabel, "pair": pn, "rate": rate,
                             "label": pct(rate, digits=0)})
            elif hidden:
                heat.append(C.hidden_cell({"group": glabel, "pair": pn}))
        rows.append(tuple(row))
    top = max((h["rate"] for h in heat if not h.get("hidden")), default=0.0)
    most = max(compared.values(), default=0)
    if flagged:
        excess, glabel, pn, shown = max(flagged)
        take = (f"{len(flagged)} subgroup(s) missed significantly more than the rest by "
                f"{label} (one-sided exact test, Holm-corrected over up to {most} subgroups "
                f"per pair); the largest excess: {glabel} in {pn}, {shown} missed"
                + (f", {100 * excess:.1f} points above the pair's rate." if excess >= 0
                   else "."))
    else:
        take = (f"No subgroup is missed significantly more than the rest by {label}, once "
                f"the number of subgroups compared (up to {most} per pair) is allowed for "
                "(one-sided exact test, Holm-corrected).")
    table = Table(f"Missed-match rate by subgroup, {label} (share of true matches missed, "
                  "of N left records, with 95% Wilson intervals)", ("subgroup", *pnames),
                  tuple(rows),
                  note=("Amber cells: missed significantly more than the rest of the pair "
                        f"(Holm-adjusted p < 0.05; subgroups of at least "
                        f"{_min_tested(evs, method)} true matches are tested). "
                        + ("Exact figures: synthetic truth." if exact else
                           "* means the number of missed matches is 1 to 7 and is not "
                           "shown.")))
    return Chart(f"Missed matches by subgroup: {label}",
                 f"A grid of subgroups (rows) by pair (columns); each cell gives the share of "
                 f"true matches missed by {label}. " + take,
                 C.heatmap(heat, title=f"Missed-match rate by subgroup: {label}", x="pair",
                           y="group", value="rate", x_title=None, y_title=None,
                           domain_max=max(0.1, top), scheme="oranges",
                           y_order=[h for h in dict.fromkeys(r["group"] for r in heat)],
                           x_order=pnames), take, table)


def _min_tested(evs: dict[tuple[str, str], Any], method: str) -> Any:
    for ev in evs.values():
        if "min_true_matches" in ev.get("bias", {}):
            return ev["bias"]["min_true_matches"]
    return DASH


def bias_section(inp: ReportInputs, number: int, t: Thresholds) -> Section:
    """Section 9: missed-match rates by ethnic group, age band, sex and deprivation."""
    evs = _eval_pairs(inp)
    pairs = inp.link_pairs
    title = "Linkage bias: who is missed"
    lead = "Whether some groups of people are missed more often than others."
    label_free = _subgroup_table(pairs, t)
    if not evs:
        return Section("bias", number, title, lead, (
            Paragraph("Missed-match rates need to know which records truly belong together. "
                      "That is known for synthetic data (run `linkready demo`), or can be "
                      "estimated by reviewing a sample of records by hand. Without it, the "
                      "table compares each group's linked share with the share the model "
                      "expects to have a match (GUILD's comparison of linked and unlinked "
                      "records). Section 5 shows which groups have fewer valid NHS numbers, "
                      "the main cause of missed matches in exact linkage."),
            *([label_free] if label_free is not None else [])))
    blocks: list[Block] = [Paragraph(
        "Linkage error is rarely random: people from ethnic minorities, younger adults and "
        "people in deprived areas are missed more often, which biases any analysis of the "
        "linked data. The charts give the share of true matches that were missed, for exact "
        "NHS-number linkage and for the full linkage (NHS number or probabilistic). With "
        "twenty or more subgroups, some are bound to look worse by chance: a subgroup is "
        "marked only when an exact test, corrected for the number of subgroups compared "
        "(Holm), says it is missed more than the rest of the pair.")]
    for method, label in (("deterministic", "NHS number only"),
                          ("combined", "NHS number or probabilistic")):
        chart = _bias_chart(pairs, evs, method, label, t)
        if chart:
            blocks.append(chart)
    if label_free is not None:
        blocks.append(label_free)
    return Section("bias", number, title, lead, tuple(blocks))


#: Groups per pair shown in the label-free subgroup table (largest shortfall first).
SUBGROUP_ROWS = 5


def _subgroup_table(pairs: list[LinkagePair], t: Thresholds) -> Table | None:
    """Per pair, the groups whose linked share falls furthest below their expected rate
    (label-free; groups of at least ``t.min_subgroup_records`` records)."""
    rows = []
    for p in pairs:
        by = p.get("combined", {}).get("by_subgroup", {}).get("by", {})
        found = []
        for dim, groups in by.items():
            for g in groups:
                n, share, exp = g.get("left_records"), g.get("linked_share"), \
                    g.get("expected_rate")
                if not (isinstance(n, int) and n >= t.min_subgroup_records
                        and isinstance(share, float) and isinstance(exp, float)):
                    continue
                found.append((exp - share, dim, g))
        for gap, dim, g in sorted(found, key=lambda x: -x[0])[:SUBGROUP_ROWS]:
            ci = (g["lower"], g["upper"]) if isinstance(g["lower"], float) else None
            rows.append((hcell(pair_name(p)),
                         tcell(f"{DIMENSION_LABELS.get(dim, dim)}: "
                               f"{group_label(dim, g['group'])}"),
                         ccell(g["left_records"]),
                         Cell(pct(g["linked_share"]), "rate",
                              detail="" if ci is None else f"95% CI {_ci(ci)}"),
                         rcell(g["expected_rate"]), tcell(f"{100 * gap:.1f} points")))
    if not rows:
        return None
    return Table("Linked share and expected rate by subgroup, without truth (groups with "
                 "the largest shortfall first)",
                 ("pair", "group", "left records", "linked share", "expected rate",
                  "shortfall"), tuple(rows),
                 note="Expected rate: Σ match probability / records of the group, from the "
                      "model (candidate pairs only). A large shortfall means the group's "
                      "plausible matches are linked less often: missed matches, or a "
                      "threshold that suits the group less. Groups under "
                      f"{t.min_subgroup_records} records are left out.")



def change_section(inp: ReportInputs, number: int) -> Section:
    """Section 10: what would change the picture: the levers in this project's figures,
    and how to measure a change (``whatif`` on these extracts; ``sweep`` on synthetic
    worlds, whose results have their own page and never appear here)."""
    title = "What would change the picture"
    lead = "Which improvements would raise match rates, and by how much."
    blocks: list[Block] = []
    levers = []
    for p in inp.link_pairs:
        d = rate_value(p["deterministic"]["match_rate"])
        pr = rate_value(p["probabilistic"]["match_rate"])
        if d is not None and pr is not None and pr - d >= 0.05:
            n = p["left_records"]
            levers.append(f"{pair_name(p)}: exact NHS-number linkage links "
                          f"{link_rate(p['deterministic'], n)}, probabilistic linkage "
                          f"{link_rate(p['probabilistic'], n)}. Recording a valid NHS number on "
                          f"more {source_label(p['left'])} records would let exact linkage "
                          "close this gap.")
    if levers:
        blocks += [Paragraph("Where probabilistic linkage finds many more matches than NHS "
                             "number alone, better NHS-number recording would pay off:"),
                   Bullets(tuple(levers))]
    # A sweep's pairs come from synthetic worlds, not from this project's extracts: it has
    # its own page (sweep.html) and is never drawn here.
    blocks.append(Paragraph(
        "To measure the effect of a change on these extracts, run `linkready whatif "
        "PROJECT.yaml` (e.g. `--nhs-complete SOURCE=0.9`). To see how linkage behaves as one "
        "setting changes in synthetic worlds, run a sweep, e.g. `linkready sweep default "
        "--vary sources.la_adult_social_care.errors.nhs_missing.rate=0.35,0.2,0.05 "
        "--population 5000 --out DIR`: it writes its own page, DIR/sweep.html."
        + (" A sweep was run beside these outputs: see sweep.html in this folder (synthetic "
           "worlds, not these extracts)." if inp.sweep else "")))
    return Section("change", number, title, lead, tuple(blocks))
