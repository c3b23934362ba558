"""Every lesson still demonstrates what it claims: the direction and rough size of its
effect, measured at a small population (see ``Lesson.test_population``); its prose
follows the measured figures (a claim that an exercise can overturn is worded from the
run, so the text never contradicts the numbers beside it); and its page and JSON are
self-contained, measured and aggregate-only.

All in one file so that, under ``make test``'s ``--dist loadfile``, one worker runs each
lesson once (``lesson_run`` caches per session, i.e. per worker); a second file reading
the same runs would run every lesson again on the other worker."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from linkready.lessons import LESSONS, LessonRun, run_lesson, write_lesson

Run = Callable[[str], LessonRun]
NOTHING = "nothing to join on"


def fig(run: LessonRun, key: str) -> float:
    value = run.result.value(key)
    assert isinstance(value, int | float), (key, value)
    return float(value)


def test_no_nhs_number(lesson_run: Run) -> None:
    """1: probabilistic linkage beats exact NHS-number matching by more than 50 points."""
    r = lesson_run("no_nhs_number")
    assert fig(r, "deterministic_match_rate") == 0.0
    assert fig(r, "probabilistic_match_rate") - fig(r, "deterministic_match_rate") > 0.5
    assert fig(r, "probabilistic_precision") > 0.9


def test_placeholders(lesson_run: Run) -> None:
    """2: kept placeholders create exact-NHS-number false matches (set to NULL they do
    not), and default DOBs make most chance DOB agreements between strangers."""
    r = lesson_run("placeholders")
    assert fig(r, "chance_dob_agreement_from_default") > 0.5
    assert fig(r, "dob_partners_default") > 5 * fig(r, "dob_partners_real")
    assert fig(r, "deterministic_false_match_rate_kept") > 0.02
    assert fig(r, "deterministic_false_match_rate_null") < 0.01
    assert (fig(r, "probabilistic_false_match_rate_kept")
            >= fig(r, "probabilistic_false_match_rate_null"))


def test_formats(lesson_run: Run) -> None:
    """3: raw joins lose most matches to format; standardisation recovers them; misread
    dates silently corrupt a third or more of the dates."""
    r = lesson_run("formats")
    assert fig(r, "rule1_standardised") - fig(r, "rule1_raw") > 0.5
    assert fig(r, "rule5_standardised") - fig(r, "rule5_raw") > 0.5
    assert fig(r, "dob_wrong_format_silently_wrong") > 0.2
    assert fig(r, "nhs_dob_misread_dates") < fig(r, "rule2_standardised") - 0.5


def test_name_variants(lesson_run: Run) -> None:
    """4: exact name matching misses Asian people more than white people; fuzzy
    probabilistic linkage closes most of the gap."""
    r = lesson_run("name_variants")
    assert fig(r, "missed_exact_asian") - fig(r, "missed_exact_white") > 0.05
    assert fig(r, "missed_probabilistic_asian") < fig(r, "missed_exact_asian") - 0.1


def test_moves(lesson_run: Run) -> None:
    """5: postcodes disagree more for young adults, and requiring them costs matches."""
    r = lesson_run("moves")
    assert fig(r, "postcode_differs_young") - fig(r, "postcode_differs_50_plus") > 0.02
    assert fig(r, "postcode_rule_extra_missed") > 0.03


def test_twins(lesson_run: Run) -> None:
    """6: false matches rise when twins are added, above all for a surname + DOB +
    postcode rule, and they go to someone in the same household."""
    r = lesson_run("twins")
    assert fig(r, "prob_false_match_rate_twins") > fig(r, "prob_false_match_rate_no_twins")
    assert fig(r, "rule_false_match_increase") > 0.05
    assert fig(r, "rule_false_matches_to_household") > 0.9


def test_duplicates(lesson_run: Run) -> None:
    """7: duplicates inflate person counts and create one-to-many links."""
    r = lesson_run("duplicates")
    assert fig(r, "naive_error_increase") > 0.03
    assert fig(r, "cluster_people_error_duplicates") > fig(
        r, "cluster_people_error_no_duplicates") + 0.02
    assert fig(r, "one_to_many_duplicates") > fig(r, "one_to_many_no_duplicates") + 0.03


def test_thresholds(lesson_run: Run) -> None:
    """8: a higher threshold trades recall for precision and lowers the match rate."""
    r = lesson_run("thresholds")
    assert fig(r, "recall_low") - fig(r, "recall_high") > 0.01
    assert fig(r, "precision_high") >= fig(r, "precision_low")
    assert fig(r, "match_rate_spread") > 0.01


def test_blocking(lesson_run: Run) -> None:
    """9: over-tight blocking loses recall while precision stays high."""
    r = lesson_run("blocking")
    assert fig(r, "never_compared_standard") < 0.02
    assert fig(r, "never_compared_names_dob") > 0.05
    assert fig(r, "recall_standard") - fig(r, "recall_names_dob") > 0.05
    assert fig(r, "precision_names_dob") > 0.95


def test_overlap(lesson_run: Run) -> None:
    """10: similar deterministic match rates, one from coverage and one from linkage error."""
    r = lesson_run("overlap")
    assert fig(r, "deterministic_difference") < 0.1
    assert fig(r, "coverage_share_low_overlap") > 0.8
    assert fig(r, "coverage_share_poor_identifiers") < 0.3
    # The gap is about the variant's blank + invalid NHS numbers (35 %) times the overlap
    # (≈ 0.9): ≈ 0.3, so the margin is 0.25.
    assert fig(r, "expected_poor_identifiers") - fig(r, "deterministic_poor_identifiers") > 0.25


def test_analysis_bias(lesson_run: Run) -> None:
    """11: NHS-number linkage flattens a real deprivation gradient; probabilistic
    linkage keeps it."""
    r = lesson_run("analysis_bias")
    assert fig(r, "true_gap") > 0.05
    assert fig(r, "det_gap") < fig(r, "true_gap") - 0.04
    assert fig(r, "det_underestimate_most") > fig(r, "det_underestimate_least") + 0.04
    assert abs(fig(r, "comb_gap") - fig(r, "true_gap")) < 0.04


def test_hashed_ids(lesson_run: Run) -> None:
    """12: exact matching on hashed fields recovers no fuzzy match and loses recall."""
    r = lesson_run("hashed_ids")
    assert fig(r, "hashed_exact_recall_fuzzy") == 0.0
    assert fig(r, "fuzzy_share") > 0.03
    assert fig(r, "clear_recall") - fig(r, "hashed_exact_recall") > 0.02


# --- Wording: the prose agrees with the figures of its own run ---------------------------

def test_no_nhs_number_says_nothing_only_when_nothing_joins(lesson_run: Run) -> None:
    """Default run: no NHS numbers, 'nothing to join on'. The lesson's own exercise
    (`nhs_missing` 0.35) gives two LA records in three their number back: the text must
    then say what the exact join did, not that there was nothing to join on."""
    base = lesson_run("no_nhs_number").result
    assert base.value("deterministic_match_rate") < 0.01
    assert NOTHING in base.findings[0]
    exercise = next(e for e in LESSONS["no_nhs_number"].exercises if "0.35" in e.command)
    key, value = exercise.command.split("--set ")[1].split("=")
    run = run_lesson("no_nhs_number", population=LESSONS["no_nhs_number"].test_population,
                     sets={key: float(value)}).result
    det, prob = run.value("deterministic_match_rate"), run.value("probabilistic_match_rate")
    assert det > 0.2
    assert NOTHING not in run.findings[0]
    assert run.text("deterministic_match_rate") in run.findings[0]
    assert ("more than" in run.findings[1]) == (prob - det > 0.005)


def _says(finding: str, phrase: str) -> bool:
    return phrase in finding


@pytest.mark.parametrize("name", ["analysis_bias", "blocking", "overlap", "placeholders",
                                  "hashed_ids", "duplicates"])
def test_directional_words_match_the_figures(lesson_run: Run, name: str) -> None:
    """Each lesson's directional wording agrees with the figures of its own run."""
    r = lesson_run(name).result
    text = " ".join(r.findings)
    if name == "analysis_bias":
        worse_most = r.value("det_underestimate_most") - r.value("det_underestimate_least")
        assert _says(text, "apparently lower service use") == (worse_most > 0.005)
        close = abs(r.value("comb_gap") - r.value("true_gap")) <= max(
            0.005, abs(r.value("det_gap") - r.value("true_gap")) / 2)
        assert _says(text, "close to the truth") == close
    elif name == "blocking":
        fell = r.value("recall_standard") - r.value("recall_names_dob") > 0.002
        assert _says(text, "recall fell to") == fell
        lost_movers = (r.value("never_compared_postcode_dob")
                       - r.value("never_compared_standard") > 0.002)
        assert _says(text, "lost the movers instead") == lost_movers
    elif name == "overlap":
        alike = abs(r.value("deterministic_low_overlap")
                    - r.value("deterministic_poor_identifiers")) <= 0.05
        assert _says(text, "they look alike") == alike
        apart = abs(r.value("expected_low_overlap")
                    - r.value("expected_poor_identifiers")) > 0.03
        assert _says(text, "rate tells them apart") == apart
    elif name == "placeholders":
        exact_worse = (r.value("deterministic_false_match_rate_kept")
                       - r.value("probabilistic_false_match_rate_kept") > 0.001)
        assert _says(text, "damage is done by exact rules") == exact_worse
    elif name == "hashed_ids":
        fell = r.value("clear_recall") - r.value("hashed_exact_recall") > 0.001
        assert _says(text, "Overall recall fell") == fell
    elif name == "duplicates":
        over = r.value("naive_people_error_duplicates") > 0
        assert _says(text, "links overcounts") == over


def test_formats_text_follows_its_exercises(lesson_run: Run) -> None:
    """Default run: dashed NHS numbers and mm/dd/yyyy dates break raw joins, and the text
    says so. With both of the lesson's exercises applied (the acute system writes NHS
    numbers spaced and dates dd/mm/yyyy, as the GP does), it must not."""
    base = lesson_run("formats").result
    assert "never equals" in base.findings[0] and "fail to parse" in base.findings[1]
    sets = {}
    for exercise in LESSONS["formats"].exercises:
        key, value = exercise.command.split("--set ")[1].split("=")
        sets[key] = value
    run = run_lesson("formats", population=LESSONS["formats"].test_population,
                     sets=sets).result
    assert run.value("dob_wrong_format_unparseable") == 0
    assert run.value("dob_wrong_format_silently_wrong") == 0
    assert "fail to parse" not in run.findings[1] and "changes nothing" in run.findings[1]
    alike = run.value("rule1_standardised") - run.value("rule1_raw") <= 0.01
    assert alike and "never equals" not in run.findings[0]


# --- Pages and JSON: self-contained, measured, aggregate-only ---------------------------
def _published_counts(payload: dict) -> list:
    counts = [f["value"] for f in payload["figures"].values() if f["kind"] == "count"]
    for t in payload["tables"]:
        keys = [c["key"] for c in t["columns"] if c["kind"] == "count"]
        counts += [row[k] for row in t["rows"] for k in keys]
    for v in payload["variants"]:
        counts += [int(n.replace(",", "")) if n != "*" else n for n in v["records"].values()]
    return counts


@pytest.mark.parametrize("name", list(LESSONS))
def test_counts_are_disclosure_controlled(lesson_run: Run, name: str) -> None:
    """Every published count is 0, * or a multiple of 5 (no count of 1–7 escapes)."""
    payload = lesson_run(name).payload
    for value in _published_counts(payload):
        assert value == "*" or (isinstance(value, int) and value % 5 == 0), (name, value)


def test_page_is_self_contained_and_holds_no_identifiers(lesson_run: Run) -> None:
    """The page has inline CSS and SVG, no script, no URL, no NHS number or date of birth."""
    html = lesson_run("no_nhs_number").html
    assert "<style>" in html and "<svg" in html
    assert "<script" not in html.lower()
    assert "http" not in html and "//" not in re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    assert not re.search(r"\b999\s?\d{3}\s?\d{4}\b", html)
    assert not re.search(r"\b\d{2}/\d{2}/(19|20)\d{2}\b", html)


def test_page_shows_every_measured_figure(lesson_run: Run) -> None:
    """Each figure of the result appears on the page as formatted, with its label."""
    run = lesson_run("formats")
    for f in run.result.figures.values():
        assert f.text() in run.html and f.label.split(":")[0] in run.html


def test_written_json_matches_the_run(lesson_run: Run, tmp_path: Path) -> None:
    """lesson.json carries the schema version, the lesson and exactly the run's figures."""
    run = lesson_run("twins")
    html, js = write_lesson(run, tmp_path / "out")
    payload = json.loads(js.read_text())
    assert payload["schema_version"] and payload["lesson"] == "twins"
    assert set(payload["figures"]) == set(run.result.figures)
    assert [v["key"] for v in payload["variants"]] == ["no_twins", "twins"]
    assert html.read_text().startswith("<!doctype html>")


@pytest.mark.parametrize("name", list(LESSONS))
def test_findings_are_built_from_figures(lesson_run: Run, name: str) -> None:
    """A lesson reports at least two findings and three measured figures."""
    result = lesson_run(name).result
    assert len(result.findings) >= 2 and len(result.figures) >= 3
