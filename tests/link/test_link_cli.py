"""The link, evaluate and sweep commands through Typer: outputs, tables, exit codes and
one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import RESULTS_DIRNAME, claim, register

runner = CliRunner()


@pytest.fixture(scope="module")
def cli_linked(world_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`linkready link` run once on the synthetic world (LA pair only, to stay quick)."""
    out = tmp_path_factory.mktemp("cli") / "out"
    result = runner.invoke(app, ["link", str(world_project), "--pairs",
                                 "la_adult_social_care:gp_register", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_link_writes_outputs(cli_linked: Path) -> None:
    """link writes the four documented outputs plus one model per pair."""
    for name in ("links.parquet", "clusters.parquet", "model.json", "linkage.json",
                 "models/la_adult_social_care__gp_register.json"):
        assert (cli_linked / name).is_file(), name
    summary = json.loads((cli_linked / "linkage.json").read_text())
    assert [p["left"] for p in summary["pairs"]] == ["la_adult_social_care"]


def test_evaluate_writes_evaluation(world_project: Path, cli_linked: Path) -> None:
    """evaluate reads the link outputs and truth and writes evaluation.json."""
    result = runner.invoke(app, ["evaluate", str(world_project), "--out", str(cli_linked)])
    assert result.exit_code == 0, result.output
    ev = json.loads((cli_linked / "evaluation.json").read_text())
    pair = ev["pairs"][0]
    assert pair["truth"]["overlap_rate"] > 0.9
    assert {"ethnic_group", "age_band", "sex", "imd_decile"} <= set(pair["by_subgroup"])


@pytest.mark.parametrize(("args", "fragment"), [
    pytest.param(["--pairs", "nope:gp_register"], "`nope` is not a source", id="unknown-source"),
    pytest.param(["--pairs", "la_adult_social_care"], "LEFT:RIGHT", id="malformed-pairs"),
    pytest.param(["--threshold", "1.5"], "strictly between 0 and 1", id="bad-threshold"),
])
def test_link_bad_input_is_one_line(world_project: Path, tmp_path: Path, args: list[str],
                                    fragment: str) -> None:
    """Bad input exits 2 with a one-line message and no traceback."""
    result = runner.invoke(app, ["link", str(world_project), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_evaluate_without_truth_is_a_clear_error(world_project: Path, tmp_path: Path) -> None:
    """A project without truth cannot be evaluated: exit 2 and say why, naming the
    project file and the key."""
    root = tmp_path / "p"
    root.mkdir()
    text = world_project.read_text().replace("truth: truth.parquet\n", "")
    (root / "project.yaml").write_text(text)
    results = claim(root / RESULTS_DIRNAME)
    shutil.copy(world_project.parent / RESULTS_DIRNAME / "linkready.duckdb",
                results / "linkready.duckdb")
    register(results, "workspace", ["linkready.duckdb"])
    result = runner.invoke(app, ["evaluate", str(root / "project.yaml")])
    assert result.exit_code == 2
    said = "".join(result.output.split())
    assert f"{root / 'project.yaml'}:truth:notset" in said


def test_sweep_table_and_json(tmp_path: Path) -> None:
    """sweep regenerates per value and reports match rates, overlap and F1 for each."""
    key = "sources.la_adult_social_care.errors.nhs_missing.rate"
    # 20% missing (not 0%) and 3,000 people: with (almost) every LA record linked, or only
    # a few LA records, the rate would rest on a count of 1–7 and be published as "*".
    result = runner.invoke(app, ["sweep", "default", "--vary", f"{key}=0.2,1",
                                 "--population", "3000", "--pairs",
                                 "la_adult_social_care:gp_register", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = json.loads((tmp_path / "sweep.json").read_text())["rows"]
    assert [r["value"] for r in rows] == [0.2, 1]
    assert rows[1]["deterministic_match_rate"] == 0.0
    assert rows[0]["deterministic_match_rate"] > 0.5
    # the completeness each world holds, measured: none at a missing rate of 1, and
    # below 80% at 0.2 (invalid and placeholder NHS numbers are errors too)
    assert rows[1]["left_valid_nhs_share"] == 0.0
    assert 0.5 < rows[0]["left_valid_nhs_share"] <= 0.8
    # a readable table per pair that fits 80 columns, and the sweep's own page
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "la_adult_social_care → gp_register" in result.output
    assert "valid NHS" in result.output
    page = (tmp_path / "sweep.html").read_text("utf-8")
    assert "Synthetic data: a made-up world" in page and "(measured)" in page


def test_sweep_bad_vary(tmp_path: Path) -> None:
    """A --vary without '=' is refused in one line."""
    result = runner.invoke(app, ["sweep", "default", "--vary", "nonsense", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 2
    assert "KEY=V1,V2" in result.output


def test_evaluate_links_first_when_there_are_no_links(world_project: Path,
                                                      tmp_path: Path) -> None:
    """evaluate on an empty output directory links first, then evaluates."""
    result = runner.invoke(app, ["evaluate", str(world_project), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "links.parquet").is_file()
    assert (tmp_path / "evaluation.json").is_file()


def test_cli_import_does_not_load_splink() -> None:
    """Importing the CLI (what `linkready --help` does) loads neither Splink nor DuckDB."""
    code = ("import sys, linkready.cli.app; "
            "print(sorted(m for m in ('splink', 'duckdb') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_link_package_names_load_on_first_use() -> None:
    """Importing a submodule of linkready.link (the CLI's check_backend) loads neither
    the evaluation nor pandas; the public names still import, from their modules."""
    code = ("import sys, linkready.link.backends; "
            "print(sorted(m for m in ('pandas', 'linkready.link.evaluate_run', "
            "'linkready.link.run') if m in sys.modules)); "
            "from linkready.link import TrainingConfig; "
            "import linkready.link as L, linkready.link.settings as S; "
            "print(TrainingConfig is S.TrainingConfig, 'evaluate_project' in dir(L), "
            "L.backends.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "True True linkready.link.backends"]
