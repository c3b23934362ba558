"""Writing a world: files, determinism, truth, per-source formats, atomic output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from linkready import nhs
from linkready.errors import ConfigError, OutputError
from linkready.generate.api import generate_to_dir
from linkready.generate.scenario import SOURCE_KINDS, load_scenario
from linkready.project import load_project


def _digests(directory: Path) -> dict[str, str]:
    """The generated files (not linkready's hidden ownership marker and lock)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir()) if not p.name.startswith(".")}


def test_writes_every_file(small_world: Path) -> None:
    """Extracts, truth, population, project and manifest are all written."""
    names = {p.name for p in small_world.iterdir()}
    assert {f"{k}.csv" for k in SOURCE_KINDS} <= names
    assert {"truth.parquet", "population.parquet", "project.yaml", "manifest.json"} <= names
    manifest = json.loads((small_world / "manifest.json").read_text())
    assert set(manifest["errors"]) == set(SOURCE_KINDS)
    assert manifest["seed"] == load_scenario("default").seed
    assert len(manifest["config_hash"]) == 16


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_same_bytes(tmp_path: Path, fmt: str) -> None:
    """The same scenario and seed give byte-identical files; another seed does not."""
    scenario = load_scenario("default", population=800)
    generate_to_dir(scenario, tmp_path / "a", fmt=fmt)
    generate_to_dir(scenario, tmp_path / "b", fmt=fmt)
    generate_to_dir(load_scenario("default", population=800, seed=99), tmp_path / "c", fmt=fmt)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a")[f"gp_register.{fmt}"] != _digests(tmp_path / "c")[
        f"gp_register.{fmt}"]


def test_truth_consistency(small_world: Path) -> None:
    """Every record maps to exactly one person; duplicates map to the same person."""
    truth = pq.read_table(small_world / "truth.parquet")
    manifest = json.loads((small_world / "manifest.json").read_text())
    population = pq.read_table(small_world / "population.parquet")
    assert truth.num_rows == sum(manifest["row_counts"].values())
    keys = pc.binary_join_element_wise(truth["source"], truth["record_id"], "|")
    assert pc.count_distinct(keys).as_py() == truth.num_rows
    assert set(truth["person_id"].to_pylist()) <= set(population["person_id"].to_pylist())
    project = load_project(small_world / "project.yaml")
    for name, spec in project.sources.items():
        table = pacsv.read_csv(small_world / spec.path,
                               convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                                                                    column_types={}))
        ids = set(table[spec.columns["record_id"]].cast("string").to_pylist())
        rows = truth.filter(pc.equal(truth["source"], name))
        assert ids == set(rows["record_id"].to_pylist())
        people = rows["person_id"].to_numpy()
        extra_records = people.size - np.unique(people).size
        assert extra_records == manifest["errors"][name]["duplicates"]


def test_formats_differ_between_sources(small_world: Path) -> None:
    """Column names, date formats and sex codes differ per system, as declared."""
    project = load_project(small_world / "project.yaml")
    specs = project.sources
    assert len({s.columns["record_id"] for s in specs.values()}) == len(specs)
    assert len({s.dob_formats[0] for s in specs.values()}) >= 5
    assert len({tuple(sorted(s.values["sex"])) for s in specs.values()}) >= 4
    assert "nhs_number" not in specs["childrens_social_care"].columns
    assert specs["childrens_social_care"].columns["local_id"] == "UPN"
    gp = (small_world / "gp_register.csv").read_text().splitlines()[1]
    assert "999 " in gp  # spaced NHS numbers in the GP extract
    la = (small_world / "la_adult_social_care.csv").read_text()
    assert "White - British" in la  # descriptions, not codes


def test_existing_dir_refused_then_overwritten(tmp_path: Path) -> None:
    """A folder of the user's is refused and left alone; a generated one is replaced only
    with overwrite, and then only the files generate wrote."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "stale.txt").write_text("old")
    scenario = load_scenario("default", population=200)
    with pytest.raises(OutputError, match="did not create"):
        generate_to_dir(scenario, mine, overwrite=True)
    assert [p.name for p in mine.iterdir()] == ["stale.txt"]

    out = tmp_path / "w"
    generate_to_dir(scenario, out)
    (out / "notes.txt").write_text("the user's")
    with pytest.raises(OutputError, match="--overwrite"):
        generate_to_dir(scenario, out)
    generate_to_dir(load_scenario("default", population=300), out, overwrite=True)
    assert (out / "notes.txt").read_text() == "the user's"
    assert json.loads((out / "manifest.json").read_text())["population"] == 300
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "w"]
    assert not [p for p in out.iterdir() if p.name.startswith(".linkready-tmp-")]


def test_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while writing removes the temporary directory and creates no DIR."""
    import linkready.generate.api as api

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(api.pq, "write_table", boom)
    with pytest.raises(RuntimeError):
        generate_to_dir(load_scenario("default", population=200), tmp_path / "w")
    assert list(tmp_path.iterdir()) == []


def _exact_valid_match_rate(directory: Path, left: str, right: str) -> float:
    project = load_project(directory / "project.yaml")

    def numbers(name: str) -> np.ndarray:
        spec = project.sources[name]
        raw = pacsv.read_csv(directory / spec.path)[spec.columns["nhs_number"]]
        digits = pc.replace_substring_regex(raw.cast("string"), r"\D", "")
        values = np.array([int(x) if x and len(x) == 10 else -1 for x in digits.to_pylist()])
        ok = values >= 0
        ok[ok] = nhs.is_valid(values[ok])
        return np.where(ok, values, -1)

    a, b = numbers(left), numbers(right)
    return float(((a >= 0) & np.isin(a, b[b >= 0])).mean())


def test_primary_acute_lands_in_seed_paper_range(tmp_path: Path) -> None:
    """An exact join on valid NHS numbers matches 65–70% of acute records to the GP register."""
    out = tmp_path / "pa"
    generate_to_dir(load_scenario("primary_acute"), out)
    rate = _exact_valid_match_rate(out, "acute", "gp_register")
    assert 0.65 <= rate <= 0.70, rate


def test_la_without_nhs_number_has_none(tmp_path: Path) -> None:
    """In la_without_nhs_number, council extracts carry no NHS number at all."""
    out = tmp_path / "la"
    generate_to_dir(load_scenario("la_without_nhs_number", population=3000), out)
    for name in ("la_adult_social_care", "la_housing"):
        assert _exact_valid_match_rate(out, name, "gp_register") == 0.0


def test_tiny_population_with_empty_sources_is_refused(tmp_path: Path) -> None:
    """A population so small that a source would hold nobody is refused (an extract with a
    header only cannot be assessed), naming the fix; nothing is written."""
    with pytest.raises(ConfigError, match="--population"):
        generate_to_dir(load_scenario("default", population=30), tmp_path / "t")
    assert not (tmp_path / "t").exists()


def test_committed_sample_matches_code(tmp_path: Path) -> None:
    """synthetic_data/sample is exactly what the code generates today (so its README holds)."""
    sample = Path(__file__).resolve().parents[2] / "synthetic_data" / "sample"
    generate_to_dir(load_scenario("default", population=2000), tmp_path / "s")
    assert _digests(tmp_path / "s") == _digests(sample)
