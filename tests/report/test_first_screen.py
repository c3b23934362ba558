"""The report's first screen and wording: answers per pair with coverage apart from
linkage error, tiles that count one kind of thing, intervals, hidden cells, the
glossary, the synthetic banner and the title."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from linkready.report import build_report, read_outputs, render_html
from linkready.report._answers import key_figures, pair_answer
from linkready.report._build import explain_verdict
from linkready.report._charts import HIDDEN_LEGEND, heatmap, hidden_cell, to_svg
from linkready.report._fmt import interval, source_label, with_interval
from linkready.report._glossary import TERMS
from linkready.report._inputs import ReportInputs
from linkready.report._model import RuleResult, Verdict
from linkready.report._verdict import Thresholds, pair_verdict

if TYPE_CHECKING:
    from conftest import Assessed


@pytest.mark.parametrize(("lo", "hi", "shown"), [
    pytest.param(0.87412, 0.87449, "±<0.1 points", id="ends-print-equal"),
    pytest.param(0.851, 0.909, "85.1%–90.9%", id="ordinary"),
    pytest.param(0.87451, 0.8749, "±<0.1 points", id="round-up-equal"),
    pytest.param(0.874, 0.8751, "87.4%–87.5%", id="one-step-apart"),
    pytest.param("*", 0.9, "*", id="hidden"),
    pytest.param(None, 0.9, "—", id="unknown"),
])
def test_interval_to_a_tenth_of_a_point(lo: Any, hi: Any, shown: str) -> None:
    """Intervals print to 0.1 point, and as ±<0.1 when both ends would print the same."""
    assert interval(lo, hi) == shown


def test_rate_with_interval() -> None:
    """A rate with an interval too narrow to print reads '87.4% (±<0.1 points)'."""
    assert with_interval(0.8743, 0.8741, 0.8744) == "87.4% (±<0.1 points)"
    assert with_interval(0.883, 0.851, 0.909) == "88.3% (85.1%–90.9%)"


def _pair(**prob: Any) -> dict[str, Any]:
    """A linkage.json pair: 1,000 left records, 600 linked by NHS number, 850 in all."""
    return {"left": "la_housing", "right": "gp_register", "left_records": 1000,
            "deterministic": {"match_rate": 0.6, "linked_records": 600},
            "combined": {"match_rate": 0.85, "linked_records": 850},
            "probabilistic": {"match_rate": 0.8, "linked_records": 800,
                              "expected_match_rate": {"estimate": 0.9, "lower": 0.88,
                                                      "upper": 0.92},
                              "false_links": {"upper": 0.02, "accepted_records": 800},
                              **prob}}


def test_answer_without_truth_keeps_coverage_apart_from_linkage_error() -> None:
    """Without truth: coverage is 1 − the expected rate (10%); linkage error is the
    worst-case missed share and the false-link upper bound; the rating gives its rule."""
    p = _pair()
    v = pair_verdict(p, None, Thresholds())
    a = pair_answer(ReportInputs(linkage={"pairs": [p]}), p, v)
    assert a.subject == "LA housing → GP register" and a.rag == v.rag
    assert "85.0% of LA housing records link to GP register" in a.text
    assert "60.0% by NHS number alone" in a.text
    assert "the model expected 90.0% (88.0%–92.0%)" in a.text
    assert "about 10.0% not in GP register (coverage)" in a.text
    # missed at worst: 1 − (0.85 − 0.02 × 800 / 1000) / 0.92 = 9.3%
    assert "linkage error at most 9.3% of true matches missed and at most 2.0% of " \
           "accepted links false" in a.text
    assert f"Rated {v.rag}: " in a.text and "(green" in a.text


def test_answer_with_truth_uses_the_measured_gap() -> None:
    """With truth, the unlinked share splits into gap.coverage and gap.linkage_error."""
    p = _pair()
    ev = {"left": "la_housing", "right": "gp_register", "truth": {"overlap_rate": 0.88},
          "combined": {"gap": {"coverage": 0.12, "linkage_error": 0.03},
                       "missed_match_rate": 0.034, "false_negatives": 30,
                       "true_positives": 850, "false_match_rate": 0.0,
                       "false_positives": 0}}
    inp = ReportInputs(linkage={"pairs": [p]}, evaluation={"pairs": [ev], "synthetic": True})
    a = pair_answer(inp, p, pair_verdict(p, ev, Thresholds()))
    assert "Not linked: 12.0% not in GP register (coverage), 3.0% missed (linkage " \
           "error), against the known truth." in a.text
    figures = {k.label: k for k in key_figures(inp, [], [pair_verdict(p, ev, Thresholds())])}
    assert figures["lowest coverage"].value == "88.0%"
    assert "synthetic truth" in figures["lowest coverage"].detail
    assert figures["largest linkage error"].value == "3.4%"


def test_tiles_count_like_with_like(assessed: Assessed) -> None:
    """Sources and pairs are counted in tiles of their own, never together; coverage and
    linkage error each have a tile."""
    report = build_report(read_outputs(assessed.out, assessed.world))
    labels = [k.label for k in report.key_figures]
    assert labels[:2] == ["sources fit to link (green)", "pairs that link well (green)"]
    assert {"lowest coverage", "largest linkage error"} <= set(labels)
    n_sources = len(json.loads((assessed.out / "profile.json").read_text())["sources"])
    n_pairs = len(json.loads((assessed.out / "linkage.json").read_text())["pairs"])
    tiles = {k.label: k for k in report.key_figures}
    assert tiles["sources fit to link (green)"].value.endswith(f"of {n_sources}")
    assert tiles["pairs that link well (green)"].value.endswith(f"of {n_pairs}")
    assert not any("red ratings" in k.label for k in report.key_figures)


def test_title_is_the_project_name_and_synthetic_banner(assessed: Assessed) -> None:
    """generate names the project readably; the report's title is that name, and the
    synthetic banner says the figures are not a promise."""
    name = json.loads((assessed.out / "profile.json").read_text())["project"]
    assert name.startswith("Synthetic world: default scenario")
    assert f"<h1>{name}</h1>" in assessed.html
    assert "not a promise" in assessed.html and 'class="synthetic"' in assessed.html


def test_no_banner_on_real_data(assessed: Assessed, tmp_path: Path) -> None:
    """Outputs that are not synthetic (no evaluation, no manifest) carry no banner."""
    for name in ("profile.json", "linkage.json"):
        (tmp_path / name).write_text((assessed.out / name).read_text())
    html = render_html(build_report(read_outputs(tmp_path)))
    assert 'class="synthetic"' not in html
    assert "Can we link, and how well?" in html


def test_hidden_heatmap_cells_are_hatched_with_a_legend() -> None:
    """A suppressed heat-map cell is drawn with a hatch pattern defined in its own SVG,
    labelled *, not left blank."""
    rows = [{"x": "a", "y": "g", "v": 0.5, "label": "50%"},
            hidden_cell({"x": "b", "y": "g"})]
    svg = to_svg(heatmap(rows, title="t", x="x", y="y", value="v", x_title=None,
                         y_title=None), "t", "alt")
    assert "<pattern id=\"lr-hatch-" in svg and 'fill="url(#lr-hatch-' in svg
    assert "#fe01fe" not in svg


def test_hidden_table_cells_hatched_and_explained(assessed: Assessed) -> None:
    """Table cells showing * get the hatched class, and each table with one carries the
    legend."""
    assert 'supp">*' in assessed.html or 'supp">* ' in assessed.html
    assert HIDDEN_LEGEND in assessed.html


def test_rating_on_a_hidden_figure_gives_its_reason() -> None:
    """An amber or red rating resting on a * figure says it is hidden and rated on the
    worst case; 'found by NHS number' for a source without NHS numbers says so."""
    v = Verdict("LA housing → GP register", "pair", "amber",
                "Links, with care: missed matches * (1–7 records).", (
        RuleResult("missed", "missed matches", "* (1–7 records)", "green ≤ 2%", "amber"),
        RuleResult("f", "found by NHS number", "0.0%", "green ≥ 95%", "amber")))
    inp = ReportInputs(profile={"sources": {"la_housing": {"fields": {}}}})
    shown = explain_verdict(v, inp, {"left": "la_housing", "right": "gp_register"})
    missed, found = shown.reasons
    assert "hidden, fewer than 8 records; rated amber on the worst case" in missed.value
    assert found.value == "0.0% (LA housing holds no NHS number)"
    assert shown.rag == v.rag  # display only: the rating itself is unchanged
    assert "rated amber on the worst case" in shown.headline


def test_glossary_covers_the_terms_commissioners_meet(assessed: Assessed) -> None:
    """The glossary defines each term the issue lists, and is the report's last section."""
    terms = " ".join(t for t, _ in TERMS)
    for word in ("prior (λ)", "EM", "m and u", "blocking", "match weight", "threshold",
                 "coverage", "linkage error", "precision and recall", "deterministic",
                 "probabilistic", "suppression"):
        assert word in terms, word
    assert '<section id="glossary"' in assessed.html


def test_threshold_chart_from_the_outputs(assessed: Assessed) -> None:
    """Section 7 holds a threshold-sensitivity chart whose match rates are linkage.json's
    by_threshold figures and whose precision and recall are evaluation.json's pr_curve."""
    report = build_report(read_outputs(assessed.out, assessed.world))
    section = next(s for s in report.sections if s.id == "match-rates")
    chart = next(b for b in section.blocks if getattr(b, "title", "") ==
                 "Threshold sensitivity")
    values = chart.spec["data"]["values"]
    link = json.loads((assessed.out / "linkage.json").read_text())
    ev = json.loads((assessed.out / "evaluation.json").read_text())
    label = f"{source_label(link['pairs'][0]['left'])} → {source_label(link['pairs'][0]['right'])}"
    by_t = {r["threshold"]: r for r in link["pairs"][0]["probabilistic"]["by_threshold"]}
    curve = {c["threshold"]: c for c in ev["pairs"][0]["pr_curve"]}
    mine = [r for r in values if r["pair"] == label]
    assert mine
    for row in mine:
        t = float(row["threshold"])
        if row["measure"] == "match rate":
            assert row["rate"] == by_t[t]["match_rate"]
        else:
            assert row["rate"] == curve[t][row["measure"]]
    assert {r["measure"] for r in values} == {"match rate", "precision", "recall"}


def test_banner_follows_is_synthetic(assessed: Assessed, tmp_path: Path) -> None:
    """`linkready report` asks linkready.synthetic: a generated project whose extract was
    edited is real data, so its report carries no synthetic banner."""
    import shutil

    from typer.testing import CliRunner

    from linkready.cli.app import app

    world = tmp_path / "world"
    shutil.copytree(assessed.world, world)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("profile.json", "linkage.json"):
        shutil.copy(assessed.out / name, out / name)
    runner = CliRunner()
    args = ["report", str(world / "project.yaml"), "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    assert 'class="synthetic"' in (out / "report.html").read_text("utf-8")
    with (world / "acute.csv").open("a", encoding="utf-8") as f:
        f.write("\n")  # the manifest's hash no longer matches: real data
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert 'class="synthetic"' not in (out / "report.html").read_text("utf-8")


def test_pair_tile_counts_the_pairs_not_rated() -> None:
    """A pair linked with --no-estimates is rated "none": the pairs tile says so rather
    than "0 amber, 0 red" beside "0 of 1" (which reads as if the pair were missing)."""
    from linkready.report._model import Verdict

    verdicts = [Verdict("a → b", "pair", "none", "Not rated", ()),
                Verdict("c → b", "pair", "amber", "Links, with care", ())]
    tiles = {k.label: k for k in key_figures(ReportInputs(linkage={"pairs": []}), [],
                                             verdicts)}
    assert tiles["pairs that link well (green)"].value == "0 of 2"
    assert tiles["pairs that link well (green)"].detail == "1 amber, 0 red, 1 not rated"
