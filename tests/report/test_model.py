"""The report model: verdict rules, formatting, and figures read from the JSON outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from linkready.report import Rule, Thresholds, build_report, read_outputs, render_html
from linkready.report._fmt import count, pct, share_value, wilson
from linkready.report._model import Chart, Table, VerdictBlock
from linkready.report._verdict import pair_verdict, source_verdict

if TYPE_CHECKING:
    from conftest import Assessed


@pytest.mark.parametrize(("value", "higher", "expected"), [
    pytest.param(0.96, True, "green", id="above-green"),
    pytest.param(0.95, True, "green", id="at-green"),
    pytest.param(0.85, True, "amber", id="between"),
    pytest.param(0.50, True, "red", id="below-amber"),
    pytest.param(0.01, False, "green", id="low-is-good"),
    pytest.param(0.07, False, "amber", id="low-between"),
    pytest.param(0.20, False, "red", id="low-too-high"),
])
def test_rule_rag(value: float, higher: bool, expected: str) -> None:
    """A rule is green at its green threshold, amber down to its amber one, red beyond."""
    rule = Rule("r", "r", 0.95 if higher else 0.02, 0.80 if higher else 0.10, higher)
    assert rule.rag(value) == expected


def test_rule_without_amber_is_never_red() -> None:
    """A rule with no amber threshold is amber at worst (e.g. reliance on probabilistic)."""
    assert Rule("r", "r", 0.95, None, True).rag(0.0) == "amber"


@pytest.mark.parametrize(("value", "shown"), [
    pytest.param(0, "0", id="zero"),
    pytest.param(3, "*", id="small"),
    pytest.param(7, "*", id="seven"),
    pytest.param(8, "10", id="eight-rounds"),
    pytest.param(1234, "1,235", id="rounded"),
    pytest.param("*", "*", id="already-suppressed"),
    pytest.param(None, "—", id="absent"),
])
def test_count_is_suppressed(value: object, shown: str) -> None:
    """Every displayed count goes through disclosure control, idempotently."""
    assert count(value) == shown


def test_rate_hidden_when_its_count_is_suppressed() -> None:
    """A rate resting on a count of 1–7 is shown as * rather than revealing the count."""
    assert pct(0.031, hidden=True) == "*"
    assert pct(0.031) == "3.1%"


def test_wilson_interval_brackets_the_rate() -> None:
    """The Wilson interval contains the rate and narrows as the denominator grows."""
    lo, hi = wilson(0.5, 100) or (0, 0)
    lo2, hi2 = wilson(0.5, 10_000) or (0, 0)
    assert lo < 0.5 < hi and hi2 - lo2 < hi - lo
    assert wilson(0.5, "*") is None


def test_source_verdict_reads_a_starred_share() -> None:
    """A profile share shown as * because 1–7 records are left over (995 of 1,000 valid)
    is judged on the published counts and printed as "all but *" (a bare * read as 1–7
    of 1,000); one whose count is 1–7 is not
    judged (the report cannot tell 1 from 7)."""
    doc = {"records": 1000, "fields": {"nhs_number": {"held": True}},
           "readiness": {"deterministic": {"count": 995, "share": "*"},
                         "either": {"count": "*", "share": "*"}},
           "dqmi": {"composite_held": 99.0}}
    assert share_value(doc["readiness"]["deterministic"], 1000) == 0.995
    assert share_value(doc["readiness"]["either"], 1000) is None
    assert share_value({"count": 40, "share": 0.0413}, 1000) == 0.0413
    v = source_verdict("gp", doc, Thresholds())
    nhs = v.reason("valid NHS number")
    assert nhs.value == "all but *" and nhs.rag == "green"
    assert v.reason("linkable") is None and len(v.reasons) == 2


def test_source_without_nhs_number_is_red(assessed: Assessed) -> None:
    """A source that holds no NHS number is red on the NHS-number rule, whatever else."""
    doc = json.loads((assessed.out / "profile.json").read_text())
    v = source_verdict("childrens_social_care", doc["sources"]["childrens_social_care"],
                       Thresholds())
    assert v.rag == "red" and v.reason("valid NHS number").value == "not held"


def test_pair_verdict_uses_truth_only_when_given(assessed: Assessed) -> None:
    """Without evaluation.json a pair is judged on label-free rules only."""
    link = json.loads((assessed.out / "linkage.json").read_text())
    ev = json.loads((assessed.out / "evaluation.json").read_text())
    p = link["pairs"][0]
    without = pair_verdict(p, None, Thresholds())
    with_truth = pair_verdict(p, ev["pairs"][0], Thresholds())
    assert {r.short for r in without.reasons} == {
        "found by NHS number", "missed (estimated, worst case)", "blocking recall (lower)",
        "false links (estimated, upper)"}
    assert "missed matches" in {r.short for r in with_truth.reasons}


def test_match_rates_are_read_from_linkage_json(assessed: Assessed) -> None:
    """Section 7's table shows each pair's rates exactly as linkage.json gives them (or *
    where disclosure control hides them)."""
    inputs = read_outputs(assessed.out, assessed.world)
    report = build_report(inputs)
    section = next(s for s in report.sections if s.id == "match-rates")
    table = next(b.table for b in section.blocks if isinstance(b, Chart))
    for p, row in zip(inputs.linkage["pairs"], table.rows, strict=True):  # type: ignore[index]
        assert row[2].text.startswith(pct(p["deterministic"]["match_rate"])) or \
            row[2].text.startswith("*")
        assert row[4].text.startswith(pct(p["probabilistic"]["match_rate"])) or \
            row[4].text.startswith("*")
        assert row[5].text.startswith(
            (pct(p["probabilistic"]["expected_match_rate"]["estimate"]), "*"))


def test_report_has_twelve_sections_and_verdicts(assessed: Assessed) -> None:
    """The model has the 12 sections in order (the glossary last), and a verdict per
    source and per pair."""
    inputs = read_outputs(assessed.out, assessed.world)
    report = build_report(inputs)
    assert [s.number for s in report.sections] == list(range(1, 13))
    assert report.sections[-1].id == "glossary"
    blocks = [b for b in report.sections[0].blocks if isinstance(b, VerdictBlock)]
    assert len(blocks[0].verdicts) == len(inputs.profile["sources"])  # type: ignore[index]
    assert len(blocks[1].verdicts) == len(inputs.linkage["pairs"])  # type: ignore[index]


def test_every_chart_has_a_table_and_takeaway(assessed: Assessed) -> None:
    """Each chart carries the table of its numbers, a one-line takeaway and a text alternative."""
    report = build_report(read_outputs(assessed.out, assessed.world))
    charts = report.charts()
    assert len(charts) >= 7
    for c in charts:
        assert isinstance(c.table, Table) and c.table.rows, c.title
        assert c.takeaway and c.alt and c.title


def test_profile_only_report_marks_linkage_sections_not_run(assessed: Assessed,
                                                            tmp_path: Path) -> None:
    """With profile.json alone, sections 7–10 say the stage was not run."""
    (tmp_path / "profile.json").write_text((assessed.out / "profile.json").read_text())
    report = build_report(read_outputs(tmp_path))
    assert report.missing == ("validation", "linkage", "evaluation")
    assert all("not run" in s.summary for s in report.sections[6:10])


def _sweep_doc(shares: tuple[float | None, float | None] = (0.52, 0.81)) -> dict:
    rows = [{"value": v, "left": "la_adult_social_care", "right": "gp_register",
             "left_valid_nhs_share": share,
             "deterministic_match_rate": d, "probabilistic_match_rate": 0.95,
             "expected_match_rate": 0.95, "truth_overlap_rate": 0.96,
             "deterministic_f1": None, "probabilistic_f1": None}
            for v, d, share in ((0.5, 0.45, shares[0]), (0.2, 0.76, shares[1]))]
    return {"schema_version": "1.0", "tool_version": "0", "scenario": "default",
            "key": "sources.la_adult_social_care.errors.nhs_missing.rate",
            "values": [0.5, 0.2], "population": 5000, "seed": 1, "threshold": 0.9,
            "rows": rows}


def test_sweep_never_enters_a_project_report(assessed: Assessed, tmp_path: Path) -> None:
    """A sweep.json beside a project's outputs adds no synthetic pair, chart or table to
    the project's report: section 10 only points to the sweep's own page."""
    for name in ("profile.json", "linkage.json"):
        (tmp_path / name).write_text((assessed.out / name).read_text())
    (tmp_path / "sweep.json").write_text(json.dumps(_sweep_doc()))
    report = build_report(read_outputs(tmp_path))
    section = next(s for s in report.sections if s.id == "change")
    assert not any(isinstance(b, Chart | Table) for b in section.blocks)
    assert any("sweep.html" in getattr(b, "text", "") for b in section.blocks)
    assert "45.0%" not in render_html(report)


def test_sweep_page_plots_measured_completeness() -> None:
    """sweep.html's chart has the measured valid-NHS share (not the configured missing
    rate) on its x-axis, one panel per pair, and says so in its sentence."""
    from linkready.report.sweep_page import build_sweep_page, render_sweep_page

    page = build_sweep_page(_sweep_doc())
    chart = page.charts()[0]
    xs = sorted(r["x"] for r in chart.spec["data"]["values"])
    assert xs[0] == 0.52 and xs[-1] == 0.81  # measured, not 1 − 0.5 and 1 − 0.2
    assert "(measured)" in chart.spec["spec"]["layer"][0]["encoding"]["x"]["title"]
    assert "from 52.0% to 81.0% (measured)" in page.answers[0].text
    assert "from 45.0% to 76.0%" in page.answers[0].text
    assert page.synthetic and "Sweep" in page.title
    html = render_sweep_page(_sweep_doc())
    assert "Synthetic data: a made-up world" in html and "<svg" in html


def test_without_sweep_section_10_says_how_to_run_one(assessed: Assessed,
                                                      tmp_path: Path) -> None:
    """Without sweep.json, section 10 gives the sweep command instead of a chart."""
    (tmp_path / "linkage.json").write_text((assessed.out / "linkage.json").read_text())
    report = build_report(read_outputs(tmp_path))
    section = next(s for s in report.sections if s.id == "change")
    assert not any(isinstance(b, Chart) for b in section.blocks)
    assert any("linkready sweep" in getattr(b, "text", "") for b in section.blocks)


@pytest.mark.parametrize(("rate", "n", "hidden"), [
    pytest.param(29 / 30, 30, True, id="one-left-out"),
    pytest.param(0.5, 30, False, id="half"),
    pytest.param(1.0, 30, False, id="none-left-out"),
    pytest.param(0.99, 1000, False, id="ten-left-out"),
    pytest.param(0.995, 1000, True, id="five-left-out"),
])
def test_small_complement_hides_rate(rate: float, n: int, hidden: bool) -> None:
    """A rate that leaves out 1–7 records (e.g. 96.7% of 30) is shown as *."""
    from linkready.report._fmt import link_rate

    shown = link_rate({"match_rate": rate, "linked_records": round(rate * n)}, n)
    assert (shown == "*") is hidden


def test_tables_have_a_header_per_column(assessed: Assessed, tmp_path: Path) -> None:
    """Every table row has as many cells as the table has columns, with and without truth."""
    for name in ("profile.json", "validation.json", "linkage.json"):
        (tmp_path / name).write_text((assessed.out / name).read_text())
    for out in (assessed.out, tmp_path):
        report = build_report(read_outputs(out))
        tables = [b.table if isinstance(b, Chart) else b for s in report.sections
                  for b in s.blocks if isinstance(b, Chart | Table)]
        for t in tables:
            for row in t.rows:
                assert len(row) == len(t.columns), t.caption
