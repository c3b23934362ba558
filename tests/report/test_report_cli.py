"""assess, report and demo through Typer: outputs, summary, exit codes, one-line errors,
and nothing half-written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.readme_run import own_extracts
from typer.testing import CliRunner

from linkready.cli.app import app

if TYPE_CHECKING:
    from conftest import Assessed

runner = CliRunner()


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_assess_writes_every_output(assessed: Assessed) -> None:
    """assess publishes the four JSON outputs, the expectation suites, the link outputs
    and report.html as its own set (the folder's marker lists each under assess). It
    writes profile.json and report.html itself; what the README's validate, link and
    evaluate had just written from the same inputs it keeps, unchanged (below)."""
    from linkready.outdir import MARKER

    marker = json.loads((assessed.out / MARKER).read_text(encoding="utf-8"))
    published = set(marker["sets"]["assess"])
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json",
                 "report.html", "links.parquet", "clusters.parquet", "model.json",
                 "models", "expectations/gp_register.json"):
        assert (assessed.out / name).exists(), name
        assert name.split("/")[0] in published, name
    for name in ("profile.json", "report.html"):
        assert (assessed.out / name).stat().st_mtime >= assessed.started, name
    assert not list(assessed.out.glob(".assess.*")), "staging directory left behind"


def test_assess_keeps_the_linkage_and_evaluation_link_and_evaluate_just_wrote(
        assessed: Assessed) -> None:
    """The README runs link and evaluate, then (extracts, project and settings
    unchanged) assess: assess keeps their files (written before it started, each with
    its inputs_sha256) and says so. tests/test_assess_reuse.py checks that changed inputs are
    linked and evaluated again, and that a fresh run writes the same bytes."""
    out = assessed.output.replace("\n", " ")
    for name, said in (("linkage.json", "linkage: kept the linkage.json"),
                       ("evaluation.json", "evaluation: kept the evaluation.json")):
        doc = json.loads((assessed.out / name).read_text(encoding="utf-8"))
        assert doc["inputs_sha256"], name
        assert (assessed.out / name).stat().st_mtime < assessed.started, name
        assert said in out, name
    assert (assessed.out / "links.parquet").stat().st_mtime < assessed.started


def test_assess_keeps_the_validation_validate_just_wrote(assessed: Assessed) -> None:
    """The README runs validate, then (extracts and project unchanged) assess: assess
    keeps that validation (same inputs_sha256, computed before assess started) and says
    so. tests/validate/test_reuse.py checks that changed inputs are validated again."""
    doc = json.loads((assessed.out / "validation.json").read_text(encoding="utf-8"))
    assert doc["inputs_sha256"]
    ran = datetime.fromisoformat(doc["created_at"]).timestamp()
    assert ran < assessed.started
    assert "validation: kept the validation.json there" in assessed.output.replace("\n", " ")


def test_assess_prints_key_figures_and_report_path(assessed: Assessed) -> None:
    """The summary gives the key figures, a verdict per source and pair, and the report."""
    out = assessed.output
    assert "distinct people" in out and "GP register" in out
    assert f"report: {assessed.written_to / 'report.html'}" in out.replace("\n", "")


def test_report_rebuilds_from_json_alone(assessed: Assessed, tmp_path: Path) -> None:
    """report rebuilds report.html from the JSON outputs, without the workspace or extracts."""
    for name in ("profile.json", "validation.json", "linkage.json", "evaluation.json"):
        shutil.copy(assessed.out / name, tmp_path / name)
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rebuilt = (tmp_path / "report.html").read_text("utf-8")
    # Same figures: the match-rate section is identical to the one assess wrote.
    section = r'<section id="match-rates".*?</section>'
    assert re.search(section, rebuilt, re.S).group(0) == \
        re.search(section, assessed.html, re.S).group(0)  # type: ignore[union-attr]


def test_report_refuses_a_folder_with_other_files(assessed: Assessed, tmp_path: Path) -> None:
    """A folder holding files that are not linkready's is refused; nothing is written."""
    shutil.copy(assessed.out / "profile.json", tmp_path / "profile.json")
    (tmp_path / "notes.docx").write_bytes(b"mine")
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "did not create" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.docx", "profile.json"]


def test_report_without_outputs_is_one_line_error(assessed: Assessed, tmp_path: Path) -> None:
    """report with no JSON outputs exits 2 with one error line and writes nothing."""
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert len(_error_lines(result.output)) == 1
    assert "no profile.json or linkage.json" in result.output
    assert list(tmp_path.iterdir()) == []


def test_report_with_broken_json_is_one_line_error(tmp_path: Path,
                                                   assessed: Assessed) -> None:
    """A corrupt or future-version JSON output is a one-line error, exit 2."""
    (tmp_path / "profile.json").write_text("{not json")
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    (tmp_path / "profile.json").write_text(json.dumps({"schema_version": "9.0"}))
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not supported" in result.output
    assert not (tmp_path / "report.html").exists()


def test_assess_missing_project_file(tmp_path: Path) -> None:
    """assess on a project file that does not exist exits 2 without a traceback."""
    result = runner.invoke(app, ["assess", str(tmp_path / "nope.yaml"), "--out",
                                 str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_assess_bad_extract_writes_nothing(assessed: Assessed, tmp_path: Path) -> None:
    """If a stage fails (an extract is missing), assess exits 2 and writes no outputs."""
    world = tmp_path / "world"
    shutil.copytree(assessed.world, world, ignore=shutil.ignore_patterns("*.duckdb*"))
    (world / "acute.csv").unlink()
    out = tmp_path / "out"
    result = runner.invoke(app, ["assess", str(world / "project.yaml"), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert len(_error_lines(result.output)) == 1
    assert list(out.iterdir()) == [] if out.exists() else True


def test_demo_refuses_a_folder_of_the_users(tmp_path: Path) -> None:
    """demo never writes into a folder holding the user's files, even with --overwrite."""
    (tmp_path / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["demo", "--out", str(tmp_path), "--overwrite"])
    assert result.exit_code == 2 and "did not create" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_help_lists_assess_and_report() -> None:
    """`linkready --help` (a real subprocess) lists the new commands."""
    code = "from linkready.cli.app import main; main()"
    done = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True,
                          text=True, check=True)
    assert "assess" in done.stdout and "report" in done.stdout


def test_demo_generates_and_assesses(tmp_path: Path) -> None:
    """demo (a small population, no sweep) writes extracts to DIR/data and the outputs and
    report.html to DIR; a second run needs --overwrite and keeps files it did not write."""
    out = tmp_path / "demo"
    # 800 people: at 400 the harder world (people who left the area) can leave children's
    # social care empty, which generate rightly refuses.
    args = ["demo", "--out", str(out), "--population", "800", "--no-sweep"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "data" / "project.yaml").is_file()
    for name in ("profile.json", "linkage.json", "evaluation.json", "report.html"):
        assert (out / name).is_file(), name
    assert "report:" in result.output
    (out / "notes.txt").write_text("the user's")
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert (out / "notes.txt").read_text() == "the user's"


def test_assess_without_truth_skips_evaluation(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """On a project without `truth:` (real data: the README's walk-through on two sample
    extracts, with no manifest), assess skips evaluate and the report rates pairs on
    label-free rules only."""
    run = own_extracts(tmp_path_factory)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    project = (run.work / "mine" / "project.yaml").read_text(encoding="utf-8")
    assert "truth:" not in project and not (run.work / "mine" / "manifest.json").exists()
    out = run.results
    assert (out / "linkage.json").is_file() and not (out / "evaluation.json").exists()
    html = (out / "report.html").read_text("utf-8")
    assert "label-free measures only" in html
    assert "synthetic data" not in html.split("</header>")[0]


@pytest.mark.parametrize("change", ["threshold", "pairs"])
def test_report_refuses_an_evaluation_of_other_links(assessed: Assessed, tmp_path: Path,
                                                     change: str) -> None:
    """`link -t 0.5` after `assess` replaced linkage.json but left evaluation.json (of
    the links at 0.9); the report showed both side by side. Now: one line saying the
    evaluation is of other links and to run evaluate again; nothing written."""
    for name in ("profile.json", "linkage.json", "evaluation.json"):
        shutil.copy(assessed.out / name, tmp_path / name)
    linkage = json.loads((tmp_path / "linkage.json").read_text())
    if change == "threshold":
        linkage["threshold"] = 0.5
    else:
        linkage["pairs"] = linkage["pairs"][1:]
    (tmp_path / "linkage.json").write_text(json.dumps(linkage))
    result = runner.invoke(app, ["report", str(assessed.world / "project.yaml"),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    (line,) = _error_lines(result.output)
    assert "evaluation.json" in line and "linkready evaluate" in line
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("name", ["evaluation", "review_estimates"])
@pytest.mark.parametrize("pair, threshold", [(["a", "b"], 0.5), (["a", "c"], 0.9)])
def test_documents_of_other_links_are_refused(tmp_path: Path, name: str, pair: list[str],
                                              threshold: float) -> None:
    """evaluation.json and review_estimates.json measured on links linkage.json no
    longer holds (another threshold, another pair) are refused by name, with the fix."""
    from linkready.errors import InputError
    from linkready.report import read_outputs

    (tmp_path / "linkage.json").write_text(json.dumps(
        {"schema_version": "1.1", "threshold": 0.9, "pairs": [{"left": "a", "right": "b"}]}))
    doc = {"schema_version": "1.1", "pairs": [{"left": pair[0], "right": pair[1]}]}
    if name == "evaluation":
        doc["threshold"] = threshold
    else:
        doc["pairs"][0]["threshold"] = threshold
    (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match=f"{name}.json: measures"):
        read_outputs(tmp_path)
    doc["pairs"] = [{"left": "a", "right": "b", "threshold": 0.9}]
    doc["threshold"] = 0.9
    (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    assert getattr(read_outputs(tmp_path), name) is not None


def test_an_evaluation_of_a_replaced_linkage_is_refused(tmp_path: Path) -> None:
    """Same threshold, same pairs, but linkage.json replaced since (link run again on
    changed extracts): evaluation.json records the digest of the linkage.json it read,
    so the report refuses it with the fix; the linkage it read is accepted."""
    from linkready.documents import linkage_digest
    from linkready.errors import InputError
    from linkready.report import read_outputs

    linkage = {"schema_version": "1.1", "threshold": 0.9,
               "pairs": [{"left": "a", "right": "b", "left_records": 40}]}
    (tmp_path / "linkage.json").write_text(json.dumps(linkage))
    (tmp_path / "evaluation.json").write_text(json.dumps(
        {"schema_version": "1.1", "threshold": 0.9, "linkage_sha256": linkage_digest(linkage),
         "pairs": [{"left": "a", "right": "b"}]}))
    assert read_outputs(tmp_path).evaluation is not None
    linkage["pairs"][0]["left_records"] = 41
    (tmp_path / "linkage.json").write_text(json.dumps(linkage, indent=2))
    with pytest.raises(InputError, match=r"evaluation.json: measures other links.*"
                                         r"linkready evaluate"):
        read_outputs(tmp_path)
