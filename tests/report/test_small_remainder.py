"""A profile share published as * because the records it leaves out number 1 to 7 (185
of 190 valid; the JSON keeps the count and stars the share) was shown as "* of 190",
which a commissioner reads as "1 to 7 of 190"; it now reads "all but * of 190"."""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from linkready.report._render import hidden_figure
from linkready.report._sections_quality import _subgroup_chart
from linkready.report._verdict import Thresholds, source_verdict

#: A housing list that links nobody to the GP list (as Splink's fake_1000 against FEBRL):
#: the model expects 0–7.7%.
UNLINKED_HOUSING = {
    "left": "housing", "right": "gp_list", "left_records": 1000,
    "deterministic": {"match_rate": 0.0, "linked_records": 0},
    "combined": {"match_rate": 0.0, "linked_records": 0},
    "probabilistic": {"match_rate": 0.0, "linked_records": 0,
                      "expected_match_rate": {"estimate": 0.0144, "lower": 0.0,
                                              "upper": 0.0767},
                      "false_links": {"upper": 0.0, "accepted_records": 0}}}


def _group(group: str, count: Any, share: Any) -> dict[str, Any]:
    fig = {"count": count, "share": share}
    return {"dimension": "age_band", "group": group, "records": 190,
            "nhs_number_present": fig, "nhs_number_valid": fig,
            "linkable_probabilistic": fig}


def test_subgroup_share_hidden_for_a_small_remainder_says_all_but() -> None:
    src = {"gp": {"records": 5000, "subgroups": [
        _group("18-29", 185, "*"), _group("30-49", "*", "*"), _group("50-64", 95, 0.5)],
        "readiness": {"deterministic": {"count": 4865, "share": 0.9726}}}}
    rows = {r[0].text: r[1].text for r in _subgroup_chart(src).table.rows}
    assert rows == {"age band: 18–29": "all but * of 190", "age band: 30–49": "* of 190",
                    "age band: 50–64": "50.0% of 190"}
    assert hidden_figure("all but * of 190")  # the legend for * is shown with it


def test_source_verdict_linkable_all_but() -> None:
    doc = {"records": 5000, "fields": {"nhs_number": {"held": True}},
           "readiness": {"deterministic": {"count": 4865, "share": 0.9726},
                         "either": {"count": 4995, "share": "*"}},
           "dqmi": {"composite_held": 99.6}}
    reasons = {r.short: r for r in source_verdict("gp", doc, Thresholds()).reasons}
    assert reasons["linkable"].value == "all but *" and reasons["linkable"].rag == "green"


def test_a_source_without_nhs_number_is_said_to_link_on_what_it_holds() -> None:
    """Section 3 said every source without an NHS number "can only be linked on names,
    date of birth, sex and postcode", also of a housing list holding names and DOB only
    (Splink's fake_1000 shaped as a workbook); it now names what each one holds."""
    from linkready.report._sections_quality import no_nhs_summary

    held = {"held": True}
    src = {"gp": {"fields": {f: held for f in ("nhs_number", "given_name", "dob")}},
           "housing": {"fields": {"given_name": held, "family_name": held, "dob": held,
                                  "sex": {"held": False}, "ethnicity": held}},
           "asc": {"fields": {"given_name": held, "postcode": held, "address_line": held}}}
    assert no_nhs_summary(src) == (
        "Housing holds no NHS number, so can only be linked on given name, family name and "
        "date of birth. Asc holds no NHS number, so can only be linked on given name, "
        "postcode and address line.")
    assert no_nhs_summary({"gp": src["gp"]}) == "Every source holds an NHS number."


def test_true_overlap_is_not_called_synthetic_against_a_real_truth() -> None:
    """Section 7 said 'True overlap' is "known only because the data are synthetic" also
    when the truth was a real gold standard (FEBRL's own record ids, evaluated under
    disclosure control); it now says where the truth came from."""
    from types import SimpleNamespace

    from linkready.report._sections_link import truth_origin

    real = SimpleNamespace(evaluation={"disclosure_control": {"applied": True}})
    made_up = SimpleNamespace(evaluation={"disclosure_control": {"applied": False}})
    assert "synthetic" not in truth_origin(real) and "truth:" in truth_origin(real)
    assert truth_origin(made_up) == "known only because the data are synthetic"


def test_profile_summary_in_the_terminal_says_all_but_and_not_held() -> None:
    """`linkready profile`'s table showed "*" (header: * = 1–7) for 4,995 of 5,000
    linkable, and "0.0%" valid NHS numbers for a source that holds none; now "all but *"
    and "not held", as the report says."""
    from rich.console import Console

    from linkready.cli.profile import summary_table

    def src(nhs_held: bool, det: dict[str, Any], either: dict[str, Any]) -> dict[str, Any]:
        return {"records": 5000, "fields": {"nhs_number": {"held": nhs_held}},
                "readiness": {"deterministic": det, "probabilistic": {"count": 0, "share": 0.0},
                              "either": either},
                "dqmi": {"composite": 90.0, "items": []}}

    doc = {"project": "p", "sources": {
        "gp": src(True, {"count": 4865, "share": 0.973}, {"count": 4995, "share": "*"}),
        "housing": src(False, {"count": 0, "share": 0.0}, {"count": 0, "share": 0.0})}}
    console = Console(width=200, record=True)
    console.print(summary_table(doc))
    lines = {ln.split()[1]: ln for ln in console.export_text().splitlines()
             if ln.startswith("│")}
    assert "all but *" in lines["gp"] and "97.3%" in lines["gp"]
    assert "not held" in lines["housing"]


def test_worst_case_linkage_error_tile_gives_its_scale() -> None:
    """A housing list sharing nobody with the GP list (Splink's fake_1000 against FEBRL):
    nothing linked, the model expects 0–7.7%, so the worst case is "100.0% of true
    matches missed", the first screen's largest linkage error. The tile now says how
    many records that worst case is about (at most 75 of 1,000, from published figures)."""
    from linkready.report._answers import key_figures
    from linkready.report._inputs import ReportInputs

    p = deepcopy(UNLINKED_HOUSING)
    tiles = {k.label: k for k in key_figures(ReportInputs(linkage={"pairs": [p]}), [], [])}
    tile = tiles["largest linkage error"]
    assert tile.value == "100.0%"
    assert "at most 75 of 1,000 Housing records" in tile.detail


def test_whatif_from_another_project_file_says_which_runs_to_repeat() -> None:
    """`truth:` added to project.yaml after assess, then whatif: the report hid the
    what-if saying "run `linkready whatif` again", which changes nothing (whatif.json is
    the current one; linkage.json is older). It now says to run both on the project file
    as it is now."""
    from linkready.report._inputs import ReportInputs
    from linkready.report._sections_whatif import own_pairs

    inp = ReportInputs(linkage={"config_hash": "old", "pairs": []},
                       whatif={"config_hash": "new", "pairs": []})
    pairs, why = own_pairs(inp)
    assert pairs == [] and why is not None
    assert "linkready assess" in why and "linkready whatif" in why


def test_whatif_change_names_the_field_as_the_report_does() -> None:
    """The what-if section's change table said "Asc: nhs number" where every other
    table says "NHS number"."""
    from linkready.report._inputs import ReportInputs
    from linkready.report._model import Table
    from linkready.report._sections_whatif import whatif_section

    change = {"source": "asc", "field": "nhs_number", "baseline_share": 0.553,
              "target_share": 0.9, "reached_share": 0.9, "method": "traced"}
    inp = ReportInputs(linkage={"config_hash": "h", "pairs": []},
                       whatif={"config_hash": "h", "changes": [change], "pairs": []})
    [table] = [b for b in whatif_section(inp, 11).blocks
               if isinstance(b, Table) and b.caption == "The change asked for"]
    assert table.rows[0][0].text == "Asc: NHS number"


def test_pair_the_truth_does_not_cover_is_answered_without_truth() -> None:
    """`truth:` covering the GP list and the council but not the housing workbook: the
    housing pair's answer read "Not linked: not known not in GP list (coverage), not
    known missed (linkage error), against the known truth." It now says the truth holds
    none of its records and gives the estimates without truth."""
    from linkready.report._answers import pair_answer
    from linkready.report._inputs import ReportInputs
    from linkready.report._verdict import Thresholds, pair_verdict

    p = deepcopy(UNLINKED_HOUSING)
    ev = {"left": "housing", "right": "gp_list",
          "truth": {"overlap_rate": None, "overlap_records": 0},
          "combined": {"left_records": 0, "missed_match_rate": None,
                       "gap": {"unlinked": None, "coverage": None, "linkage_error": None}}}
    inp = ReportInputs(linkage={"pairs": [p]}, evaluation={"pairs": [ev]})
    text = pair_answer(inp, p, pair_verdict(p, None, Thresholds())).text
    assert "not known" not in text and "against the known truth" not in text
    assert "The truth holds none of Housing's records" in text
    assert "about 98.6% not in GP list (coverage)" in text
