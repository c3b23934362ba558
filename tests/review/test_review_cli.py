"""``linkready review sample`` / ``score`` end to end, with and without truth, and every
refusal as one line and exit 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import linkready
from linkready.cli.app import app
from linkready.review._render import labels_csv

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def _sample(project: Path, out: Path, *extra: str) -> dict:
    code, _, err = _invoke("review", "sample", str(project), "--out", str(out), *extra)
    assert code == 0, err
    return json.loads((out / "review.json").read_text())


def _error_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("error:")]


@pytest.fixture(scope="module")
def drawn(truth_project: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 60-per-pair sample of the world with truth."""
    out = tmp_path_factory.mktemp("drawn") / "review"
    return out, _sample(truth_project, out, "--size", "60", "--seed", "3")


def test_sample_writes_the_three_record_level_files(drawn: tuple[Path, dict]) -> None:
    """review.html (banner, no outside resource), review.csv (a label column) and
    review.json (strata with populations, one item per label, no field values)."""
    out, design = drawn
    html = (out / "review.html").read_text()
    assert "Record-level personal data" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    csv = pd.read_csv(out / "review.csv", dtype=str)
    assert list(csv.columns)[-1] == "label" and len(csv) == len(design["items"]) == 120
    assert {"left_given_name", "right_given_name", "left_dob"} <= set(csv.columns)
    for p in design["pairs"]:
        assert sum(s["sample"] for s in p["strata"]) == 60
        assert sum(s["population"] for s in p["strata"]) == p["left_records"]
    names = set(csv["left_given_name"].dropna())
    text = (out / "review.json").read_text()
    assert not any(f'"{n}"' in text for n in names)


def test_sample_is_reproducible(truth_project: Path, drawn: tuple[Path, dict],
                                tmp_path: Path) -> None:
    """The same seed gives the same review.json byte for byte; another seed another
    sample id."""
    out, _ = drawn
    again = tmp_path / "again"
    _sample(truth_project, again, "--size", "60", "--seed", "3")
    assert (again / "review.json").read_bytes() == (out / "review.json").read_bytes()
    other = _sample(truth_project, tmp_path / "other", "--size", "60", "--seed", "4")
    assert other["sample_id"] != json.loads((out / "review.json").read_text())["sample_id"]


def test_auto_label_intervals_cover_the_evaluation(truth_project: Path,
                                                   drawn: tuple[Path, dict],
                                                   tmp_path: Path) -> None:
    """--auto-label (no wrong labels) gives intervals that contain the exact precision
    and recall `evaluate` measures against the same truth, for every pair."""
    out, _ = drawn
    code, _, err = _invoke("review", "score", str(truth_project), "--auto-label", "--sample",
                           str(out), "--out", str(tmp_path))
    assert code == 0, err
    doc = json.loads((tmp_path / "review_estimates.json").read_text())
    # The session's links, evaluated by `linkready.evaluate` in a folder of their own
    # (the project's results folder is shared with the other review tests).
    ev_dir = tmp_path / "evaluated"
    shutil.copytree(truth_project.parent / "linkready-results", ev_dir)
    ev = linkready.evaluate(truth_project, ev_dir).exact()
    truth = {(p["left"], p["right"]): p["combined"] for p in ev["pairs"]}
    assert len(doc["pairs"]) == 2
    for p in doc["pairs"]:
        t = truth[(p["left"], p["right"])]
        for m in ("precision", "recall"):
            assert p[m]["lower"] <= t[m] <= p[m]["upper"], (p["left"], m, p[m], t[m])


def test_estimates_hold_aggregates_only(truth_project: Path, drawn: tuple[Path, dict],
                                        tmp_path: Path) -> None:
    """review_estimates.json holds no record id, name or NHS number, and every count in
    it is 0, `*` or a multiple of 5."""
    out, _ = drawn
    _invoke("review", "score", str(truth_project), "--auto-label", "--sample", str(out),
            "--out", str(tmp_path))
    text = (tmp_path / "review_estimates.json").read_text()
    csv = pd.read_csv(out / "review.csv", dtype=str)
    for col in ("left_record_id", "left_family_name", "right_nhs_number"):
        for v in csv[col].dropna().unique():
            assert f'"{v}"' not in text, col
    doc = json.loads(text)
    for p in doc["pairs"]:
        for s in p["strata"]:
            for k in ("population", "labelled", "match", "non_match", "unsure"):
                assert s[k] == "*" or s[k] % 5 == 0, (s["id"], k, s[k])


def test_no_truth_project_end_to_end(real_project: Path, tmp_path: Path) -> None:
    """Without `truth:`: sample, label (as the page saves), score and report all work;
    --auto-label is refused in one line with exit 2."""
    out = tmp_path / "review"
    design = _sample(real_project, out, "--size", "30")
    labels = {it["item"]: ("match" if it["stratum"].startswith("linked") else "non-match")
              for it in design["items"]}
    (out / "labels.csv").write_text(labels_csv(design["sample_id"], labels))
    code, _, err = _invoke("review", "score", str(real_project), "--labels",
                                str(out / "labels.csv"))
    assert code == 0, err
    results = real_project.parent / "linkready-results"
    est = json.loads((results / "review_estimates.json").read_text())
    assert all(p["precision"]["estimate"] == 1.0 and p["recall"]["estimate"] == 1.0
               for p in est["pairs"])
    code, _, err = _invoke("review", "score", str(real_project), "--auto-label")
    assert code == 2 and len(_error_lines(err)) == 1
    assert f"{real_project}: truth: not set" in " ".join(_error_lines(err))
    code, _, err = _invoke("report", str(real_project))
    assert code == 0, err
    html = (results / "report.html").read_text()
    assert "Checked by clerical review" in html
    assert design["sample_id"] in html  # the section names the sample it rests on


def test_labels_from_another_sample_are_refused(truth_project: Path, drawn: tuple[Path, dict],
                                                tmp_path: Path) -> None:
    """A labels file whose sample id is not the design's: one line naming the file, exit 2,
    nothing written."""
    out, design = drawn
    bad = tmp_path / "labels.csv"
    bad.write_text(labels_csv("0123456789ab", {it["item"]: "match" for it in design["items"]}))
    code, _, err = _invoke("review", "score", str(truth_project), "--labels", str(bad),
                           "--sample", str(out), "--out", str(tmp_path / "est"))
    assert code == 2
    lines = _error_lines(err)
    assert len(lines) == 1 and str(bad) in lines[0] and "another project or sample" in lines[0]
    assert not (tmp_path / "est").exists()


def test_design_from_another_project_is_refused(real_project: Path, drawn: tuple[Path, dict],
                                                tmp_path: Path) -> None:
    """A review.json drawn for another project (or another link run) is refused in one
    line."""
    out, design = drawn
    other = tmp_path / "other"
    shutil.copytree(out, other)
    doc = json.loads((other / "review.json").read_text())
    doc["project"] = "somebody-else"
    (other / "review.json").write_text(json.dumps(doc))
    (other / "l.csv").write_text(labels_csv(design["sample_id"],
                                            {it["item"]: "match" for it in design["items"]}))
    code, _, err = _invoke("review", "score", str(real_project), "--labels",
                           str(other / "l.csv"))
    assert code == 2 and len(_error_lines(err)) == 1 and "somebody-else" in err


def test_bad_and_missing_labels_one_line_each(truth_project: Path, drawn: tuple[Path, dict],
                                              tmp_path: Path) -> None:
    """Two unreadable labels, one unknown item and the unlabelled items: one line each,
    exit 2; with --partial only the real errors remain."""
    out, design = drawn
    items = [it["item"] for it in design["items"]]
    labels = {i: "m" for i in items[:100]}
    labels[items[0]] = "maybe"
    labels[items[1]] = "perhaps"
    labels["9999"] = "n"
    path = tmp_path / "labels.csv"
    path.write_text(labels_csv(design["sample_id"], labels))
    code, _, err = _invoke("review", "score", str(truth_project), "--labels", str(path),
                           "--sample", str(out), "--out", str(tmp_path / "est"))
    lines = _error_lines(err)
    assert code == 2
    assert sum("is not match, non-match or unsure" in ln for ln in lines) == 2
    assert sum("is not in sample" in ln for ln in lines) == 1
    assert sum("has no label" in ln for ln in lines) == len(items) - 100
    code, _, err = _invoke("review", "score", str(truth_project), "--labels", str(path),
                           "--sample", str(out), "--out", str(tmp_path / "est"), "--partial")
    assert code == 2 and len(_error_lines(err)) == 3
    del labels["9999"], labels[items[0]], labels[items[1]]
    path.write_text(labels_csv(design["sample_id"], labels))
    code, _, err = _invoke("review", "score", str(truth_project), "--labels", str(path),
                           "--sample", str(out), "--out", str(tmp_path / "est"), "--partial")
    assert code == 0, err


def test_out_with_foreign_files_is_refused(truth_project: Path, tmp_path: Path) -> None:
    """--out holding a file linkready did not write: one line, exit 2, the file untouched and
    nothing added."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = _invoke("review", "sample", str(truth_project), "--out", str(out))
    assert code == 2 and len(_error_lines(err)) == 1 and "did not create" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_sample_again_into_its_own_folder(truth_project: Path, tmp_path: Path) -> None:
    """Drawing again into a folder review wrote replaces its files (they are review's)."""
    out = tmp_path / "again"
    first = _sample(truth_project, out, "--size", "20", "--seed", "1")
    second = _sample(truth_project, out, "--size", "20", "--seed", "2")
    assert first["sample_id"] != second["sample_id"]
    assert json.loads((out / "review.json").read_text())["sample_id"] == second["sample_id"]


def test_sample_needs_a_link_run_and_a_size(real_project: Path, tmp_path: Path) -> None:
    """No link outputs where --linkage points, or --size 0: one line, exit 2, nothing
    written."""
    code, _, err = _invoke("review", "sample", str(real_project), "--out", str(tmp_path / "a"),
                           "--linkage", str(tmp_path))
    assert code == 2 and len(_error_lines(err)) == 1 and "linkready link" in err
    code, _, err = _invoke("review", "sample", str(real_project), "--out", str(tmp_path / "b"),
                           "--size", "0")
    assert code == 2 and len(_error_lines(err)) == 1 and "--size" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_sample_after_an_aggregates_only_link_says_so(tmp_path: Path) -> None:
    """linkage.json without links.parquet (link --aggregates-only): the line says the links
    were not kept and how to get them (it said 'no linkage.json', which was there)."""
    (tmp_path / "linkage.json").write_text("{}")
    from tests.lr_extracts import one_source, person

    from linkready.errors import InputError
    from linkready.project import load_project
    from linkready.review._sample import find_link_dir

    project = load_project(one_source(tmp_path, [person(1)]))
    with pytest.raises(InputError) as info:
        find_link_dir(project, tmp_path)
    line = str(info.value)
    assert "links.parquet" in line and "--aggregates-only" in line
    assert "no linkage.json" not in line
