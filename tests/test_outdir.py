"""Output folders linkready owns: claiming, publishing sets, never touching other files."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linkready.errors import OutputError
from linkready.outdir import (
    MARKER,
    TMP_PREFIX,
    OutputSet,
    check_claimable,
    claim,
    previous_sets,
    read_marker,
    remove_stale_temporaries,
    write_json,
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_claim_creates_a_marked_folder(tmp_path: Path) -> None:
    """A missing folder is created and marked as linkready's."""
    out = claim(tmp_path / "a" / "b")
    assert out.is_dir()
    assert read_marker(out) == {"tool": "linkready", "sets": {}}


def test_claim_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    """A folder holding a file linkready did not write is refused and left as it was."""
    (tmp_path / "extract.csv").write_text("nhs\n")
    before = _snapshot(tmp_path)
    with pytest.raises(OutputError, match="did not create"):
        claim(tmp_path)
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / MARKER).exists()


def test_claim_refuses_a_file(tmp_path: Path) -> None:
    """An --out that names a file is refused."""
    f = tmp_path / "report.html"
    f.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        claim(f)
    assert f.read_text() == "x"


def test_claim_accepts_an_empty_folder(tmp_path: Path) -> None:
    """An empty folder may be used and becomes linkready's."""
    out = claim(tmp_path)
    assert read_marker(out) is not None


def test_check_claimable_changes_nothing(tmp_path: Path) -> None:
    """The dry check neither creates nor marks the folder."""
    target = tmp_path / "new"
    assert check_claimable(target) == target
    assert not target.exists()


def test_claim_reports_a_read_only_parent(tmp_path: Path) -> None:
    """A folder that cannot be created is an OutputError (exit 2), not an OSError."""
    if os.geteuid() == 0:
        ro = Path("/proc/linkready-cannot-exist")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
    with pytest.raises(OutputError, match="cannot"):
        claim(ro / "out")


def test_output_set_publishes_together(tmp_path: Path) -> None:
    """Files appear only when the set is complete, and the marker lists them."""
    with OutputSet(tmp_path / "out", "profile") as files:
        write_json(files.path("profile.json"), {"a": 1})
        write_json(files.path("expectations/s.json"), {"b": 2})
        assert not (tmp_path / "out" / "profile.json").exists()
    out = tmp_path / "out"
    assert json.loads((out / "profile.json").read_text()) == {"a": 1}
    assert (out / "expectations" / "s.json").is_file()
    assert read_marker(out)["sets"]["profile"] == ["expectations", "profile.json"]
    assert not [p for p in out.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_output_set_failure_leaves_the_previous_set(tmp_path: Path) -> None:
    """An error inside the set changes nothing: the previous files stay, no temporaries."""
    out = tmp_path / "out"
    with OutputSet(out, "link") as files:
        write_json(files.path("linkage.json"), {"run": 1})
    before = _snapshot(out)
    with pytest.raises(KeyboardInterrupt), OutputSet(out, "link") as files:
        write_json(files.path("linkage.json"), {"run": 2})
        raise KeyboardInterrupt
    assert _snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_failed_set_removes_a_folder_it_created(tmp_path: Path) -> None:
    """A folder created for a set that never published is removed again."""
    out = tmp_path / "fresh"
    with pytest.raises(RuntimeError), OutputSet(out, "report"):
        raise RuntimeError("boom")
    assert not out.exists()


def test_output_set_removes_files_its_command_no_longer_writes(tmp_path: Path) -> None:
    """A file of the previous set of the same command that the new set lacks goes."""
    out = tmp_path / "out"
    with OutputSet(out, "assess") as files:
        write_json(files.path("evaluation.json"), {})
        write_json(files.path("linkage.json"), {})
    with OutputSet(out, "assess") as files:
        write_json(files.path("linkage.json"), {"new": True})
    assert not (out / "evaluation.json").exists()
    assert json.loads((out / "linkage.json").read_text()) == {"new": True}


def test_output_set_keeps_files_another_command_wrote(tmp_path: Path) -> None:
    """Files listed by another command's set are never removed by this one."""
    out = tmp_path / "out"
    with OutputSet(out, "sweep") as files:
        write_json(files.path("sweep.json"), {})
    with OutputSet(out, "assess") as files:
        write_json(files.path("report.json"), {})
    with OutputSet(out, "assess") as files:
        write_json(files.path("other.json"), {})
    assert (out / "sweep.json").is_file()
    assert previous_sets(out) == {"sweep", "assess"}


def test_output_set_never_replaces_a_user_file(tmp_path: Path) -> None:
    """A name in an owned folder that linkready did not write is refused, untouched."""
    out = claim(tmp_path / "out")
    (out / "models").mkdir()
    (out / "models" / "my_model.pkl").write_bytes(b"m")
    with pytest.raises(OutputError, match="not written by linkready"), \
            OutputSet(out, "link") as files:
        write_json(files.path("models/a.json"), {})
    assert (out / "models" / "my_model.pkl").read_bytes() == b"m"
    assert not (out / "models" / "a.json").exists()


def test_output_set_refuses_a_name_outside_the_set(tmp_path: Path) -> None:
    """A name that climbs out of the set (a hostile source name) is refused."""
    with pytest.raises(OutputError, match="not a file name"), \
            OutputSet(tmp_path / "out", "validate") as files:
        files.path("expectations/../../../x.json")
    assert not (tmp_path / "x.json").exists()


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    """Temporaries left by a process that no longer runs go on the next claim."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    out = claim(tmp_path / "out")
    stale = out / f"{TMP_PREFIX}{pid}-assess"
    stale.mkdir()
    (stale / "links.parquet").write_bytes(b"x")
    mine = out / f"{TMP_PREFIX}{os.getpid()}-link"
    mine.mkdir()
    removed = remove_stale_temporaries(out)
    assert removed == [stale]
    assert mine.exists()


def test_full_disk_while_writing_is_an_output_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while a file is written becomes an OutputError and leaves no temporary."""
    def full(self: Path, *a: object, **k: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = claim(tmp_path / "out")
    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="No space left"):
        write_json(out / "profile.json", {})
    monkeypatch.undo()
    assert sorted(p.name for p in out.iterdir()) == [MARKER]


def test_aggregates_only_choice_is_recorded(tmp_path: Path) -> None:
    """The marker remembers whether the folder's last run was aggregates-only; a folder
    linkready does not own records nothing."""
    from linkready.outdir import chose_aggregates_only, claim, record_aggregates_only

    folder = claim(tmp_path / "out")
    assert not chose_aggregates_only(folder)
    record_aggregates_only(folder, True)
    assert chose_aggregates_only(folder)
    record_aggregates_only(folder, False)
    assert not chose_aggregates_only(folder)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    record_aggregates_only(foreign, True)
    assert not chose_aggregates_only(foreign) and not list(foreign.iterdir())
