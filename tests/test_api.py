"""The public Python API: cheap to import, typed errors, projects from mappings/frames."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import linkready


def test_import_is_cheap_and_all_is_explicit() -> None:
    """`import linkready` loads no heavy library, and every name in __all__ resolves."""
    code = ("import sys, linkready; heavy = {'duckdb', 'splink', 'pandas', "
            "'great_expectations', 'altair'} & set(sys.modules); print(sorted(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    for name in linkready.__all__:
        assert getattr(linkready, name) is not None, name


def test_python_dash_m_linkready_runs() -> None:
    """`python -m linkready --help` prints the commands (a real subprocess)."""
    done = subprocess.run([sys.executable, "-m", "linkready", "--help"],
                          capture_output=True, text=True, check=True)
    assert "assess" in done.stdout and "generate" in done.stdout


def test_stage_packages_are_callable_and_still_packages() -> None:
    """linkready.profile is both the stage package and the API function."""
    import linkready.profile as profile_pkg

    assert callable(linkready.profile) and linkready.profile is profile_pkg
    assert hasattr(linkready.profile, "profile_workspace")
    assert callable(linkready.link) and hasattr(linkready.link, "link_project")


def test_load_project_from_a_mapping_hashes_its_yaml(tmp_path: Path) -> None:
    """A project built from a mapping validates like a file and hashes the YAML it would
    be saved as; an invalid mapping lists every problem."""
    from linkready.project import dump_project

    data = {"name": "p", "sources": {"a": {"path": "a.csv", "columns": {"record_id": "id"}}}}
    project = linkready.load_project(data, root=tmp_path)
    assert project.root == tmp_path.resolve()
    import hashlib

    assert project.config_hash() == hashlib.sha256(
        dump_project(project).encode("utf-8")).hexdigest()
    with pytest.raises(linkready.ConfigError) as err:
        linkready.load_project({"name": "p", "sources": {"a": {"path": "a.csv",
                                                               "columns": {"nhs": "x"}}}})
    assert err.value.lines()


def test_project_from_frames_refuses_bad_mappings_and_writes_nothing(tmp_path: Path) -> None:
    """A mapping naming a missing column or an unknown frame is one ConfigError listing
    each problem, before anything is written."""
    import pandas as pd

    frames = {"gp": pd.DataFrame({"id": ["1"]}), "la": pd.DataFrame({"ref": ["a"]})}
    with pytest.raises(linkready.ConfigError) as err:
        linkready.project_from_frames(
            frames, columns={"gp": {"record_id": "nope"}, "xx": {"record_id": "id"}},
            out=tmp_path / "out")
    text = " ".join(err.value.lines())
    assert "nope" in text and "`xx`" in text and "`la`" in text
    assert not (tmp_path / "out").exists()


def test_project_from_frames_writes_only_into_its_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """Frames go to OUT/frames only; the project's outputs default to OUT."""
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({"id": ["1", "2"], "born": pd.to_datetime(["2000-01-02", None])})
    project = linkready.project_from_frames(
        {"a": frame, "b": frame}, columns={s: {"record_id": "id", "dob": "born"}
                                           for s in ("a", "b")}, out="res")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert sorted(p.name for p in (tmp_path / "res" / "frames").iterdir()) == [
        "a.parquet", "b.parquet", "project.yaml"]
    stored = pd.read_parquet(tmp_path / "res" / "frames" / "a.parquet")
    assert stored["born"].tolist()[0] == "2000-01-02"
    assert project.results_home() == (tmp_path / "res").resolve()


def test_spark_settings_need_the_spark_backend(tmp_path: Path) -> None:
    """`spark=` without backend="spark" is a ConfigError before any work: nothing written."""
    from hand_world import write_world

    project = write_world(tmp_path, with_nhs=20)
    before = sorted(tmp_path.iterdir())
    settings = linkready.SparkSettings(master="local[1]")
    for call in (linkready.link, linkready.assess):
        with pytest.raises(linkready.ConfigError, match="only with backend='spark'"):
            call(project, tmp_path / "out", spark=settings)
    assert sorted(tmp_path.iterdir()) == before


def test_generate_overrides_are_checked_by_key(tmp_path: Path) -> None:
    """A misspelt override names the option and the key, and nothing is written; a good
    one changes the world (here: no acute extract misses an NHS number)."""
    with pytest.raises(linkready.ConfigError, match="overrides") as err:
        linkready.generate("default", tmp_path / "bad", population=300,
                           overrides={"sources.acute.errors.nhs_misssing.rate": 0.1})
    assert any("nhs_misssing" in p for p in err.value.problems)
    assert not (tmp_path / "bad").exists()
    world = linkready.generate("default", tmp_path / "good", population=300,
                               overrides={"sources.acute.errors.nhs_missing.rate": 0.0})
    assert world.manifest["errors"]["acute"].get("nhs_missing", 0) == 0


@pytest.mark.parametrize("pairs", ["src:nowhere", [("src", "nowhere")], "src", [("src",)],
                                   ["src:other"]])
def test_bad_pairs_are_refused_before_any_work(tmp_path: Path, pairs: object) -> None:
    """`link(pairs=...)` with a source the project lacks, or not in (left, right) form, is
    a ConfigError before ingest: no output folder appears (it left a workspace behind,
    and a string such as "a:b" was an IndexError)."""
    from lr_extracts import one_source, person

    project = one_source(tmp_path, [person(i) for i in range(3)])
    out = tmp_path / "out"
    with pytest.raises(linkready.ConfigError) as info:
        linkready.link(project, out, pairs=pairs)  # type: ignore[arg-type]
    assert "pairs" in str(info.value)
    assert not out.exists()


def test_pairs_may_be_written_as_on_the_command_line(tmp_path: Path) -> None:
    """`pairs="a:b"` is read as `--pairs a:b` is: here it names an unknown source, and the
    error says which."""
    from lr_extracts import one_source, person

    project = one_source(tmp_path, [person(i) for i in range(3)])
    with pytest.raises(linkready.ConfigError, match="`zz` is not a source"):
        linkready.link(project, tmp_path / "out", pairs="src:zz")
