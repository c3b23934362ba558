"""The CLI never destroys a user's files, never leaves half a set, never shows a traceback.

Each test reproduces a case from the safety issue (a user's folder, a workspace path that
names an extract, a lock held elsewhere, an interrupt, an internal error).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.lr_extracts import COLUMNS, write_csv, write_project
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import MARKER, TMP_PREFIX

runner = CliRunner()

HEADER = list(COLUMNS.values())
ROWS = [[f"r{i}", "", f"Ann{chr(97 + i % 26)}", f"Lee{chr(97 + i // 26)}", "01/02/1980", "2",
         "NW1 2AB", "A"] for i in range(40)]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A one-source project with its extract, in a folder the user owns."""
    write_csv(tmp_path / "a.csv", HEADER, ROWS)
    return write_project(tmp_path, {"a": {"path": "a.csv", "columns": dict(COLUMNS),
                                          "dob_format": "%d/%m/%Y"}})


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_generate_into_a_folder_with_user_files_is_refused(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """`generate --out . --overwrite` in a folder of the user's changes nothing; exit 2."""
    (tmp_path / "mine.txt").write_text("only copy")
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    for out in (".", ""):
        res = runner.invoke(app, ["generate", "default", "-n", "300", "--out", out,
                                  "--overwrite"])
        assert res.exit_code == 2, res.output
        assert "did not create" in res.output
        _no_traceback(res.output)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("target", ["a.csv", "project.yaml"])
def test_workspace_naming_a_user_file_is_refused(project: Path, target: str) -> None:
    """`--workspace` pointing at an extract or the project file never replaces it."""
    before = _snapshot(project.parent)
    res = runner.invoke(app, ["profile", str(project), "--workspace",
                              str(project.parent / target)])
    assert res.exit_code == 2, res.output
    assert "not a linkready workspace" in res.output
    after = _snapshot(project.parent)
    assert {k: v for k, v in after.items() if k in before} == before


def test_default_output_place_is_beside_the_project(project: Path) -> None:
    """profile without --out writes into linkready-results/, the workspace inside it."""
    (project.parent / "models").mkdir()
    (project.parent / "models" / "my_model.pkl").write_bytes(b"m")
    (project.parent / "expectations").mkdir()
    before = _snapshot(project.parent)
    res = runner.invoke(app, ["validate", str(project)])
    assert res.exit_code == 0, res.output
    results = project.parent / "linkready-results"
    assert (results / "validation.json").is_file()
    assert (results / "linkready.duckdb").is_file()
    assert (results / MARKER).is_file()
    after = _snapshot(project.parent)
    assert {k: v for k, v in after.items() if k in before} == before
    assert not (project.parent / "linkready.duckdb").exists()


def test_out_with_a_user_folder_of_an_output_name_is_refused_before_work(project: Path
                                                                        ) -> None:
    """A user's `expectations/` in an owned --out is refused before anything runs."""
    out = project.parent / "linkready-results"
    assert runner.invoke(app, ["profile", str(project)]).exit_code == 0
    (out / "expectations").mkdir()
    (out / "expectations" / "mine.json").write_text("{}")
    res = runner.invoke(app, ["validate", str(project)])
    assert res.exit_code == 2, res.output
    assert "not written by linkready" in res.output
    assert (out / "expectations" / "mine.json").read_text() == "{}"
    assert not (out / "validation.json").exists()


def test_a_locked_workspace_is_reported_and_left_alone(project: Path) -> None:
    """A workspace open in another process: exit 2, the file and its log untouched."""
    assert runner.invoke(app, ["profile", str(project)]).exit_code == 0
    ws = project.parent / "linkready-results" / "linkready.duckdb"
    (project.parent / "a.csv").write_text(  # changed extract: ingest wants to rebuild
        (project.parent / "a.csv").read_text() + "r99,,Bob,Ray,01/01/1970,1,NW1 2AB,A\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(60)", str(ws)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = ws.read_bytes()
        res = runner.invoke(app, ["profile", str(project)])
        assert res.exit_code == 2, res.output
        assert "open in another program" in res.output
        assert ws.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 0, res.output
    assert not list(ws.parent.glob(f"{TMP_PREFIX}*"))


def test_an_internal_error_is_exit_3_with_a_log_and_no_traceback(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug becomes one line naming a log file (exit 3); the traceback is in the log."""
    import linkready.profile as profile_pkg

    value = "999" + "0000018"  # built at run time: the log shows source lines, not data

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError(f"bug with '{value}' inside")

    monkeypatch.setattr(profile_pkg, "profile_workspace", broken)
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 3, res.output
    _no_traceback(res.output)
    # The run published nothing (not even a workspace: it is moved into place only with
    # the outputs), so its new results folder was removed and the log is a temp file.
    log = Path(re.search(r"details in (\S+\.log)", " ".join(res.output.split()))[1])
    text = log.read_text()
    assert "Traceback" in text and "RuntimeError" in text
    assert "9990000018" not in text
    assert not (project.parent / "linkready-results" / "profile.json").exists()
    if project.parent not in log.parents:
        log.unlink()


def test_a_full_disk_is_exit_2(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC from any writer is one line and exit 2, and no output appears."""
    import errno

    import linkready.outdir as outdir

    def full(path: Path, text: str) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(outdir, "write_text", full)
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 2, res.output
    _no_traceback(res.output)
    assert "No space left" in res.output or "no space left" in res.output
    assert not (project.parent / "linkready-results" / "profile.json").exists()


def test_messages_are_one_short_line_without_control_characters(tmp_path: Path) -> None:
    """A hostile path is printed escaped, on one line of at most 300 characters."""
    weird = tmp_path / ("\x1b[31m" + "x" * 200) / ("y" * 200)
    weird.parent.mkdir()
    weird.write_text("x")
    res = runner.invoke(app, ["generate", "default", "-n", "300", "--out", str(weird)])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1
    assert "\x1b" not in lines[0]
    assert len(lines[0]) <= len("error: ") + 300


def test_rich_markup_in_a_path_is_printed_literally(tmp_path: Path) -> None:
    """An --out holding `[/]` does not crash the console."""
    out = tmp_path / "[/]x"
    res = runner.invoke(app, ["generate", "default", "-n", "300", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "project.yaml").is_file()


def _wait_for_sigterm_handler(pid: int, timeout: float = 60.0) -> None:
    """Wait until the process catches SIGTERM (the CLI has started), read from /proc."""
    status = Path(f"/proc/{pid}/status")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            caught = next(int(ln.split()[1], 16) for ln in status.read_text().splitlines()
                          if ln.startswith("SigCgt:"))
        except (OSError, StopIteration):
            caught = 0
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.05)
    raise AssertionError("the CLI never installed its SIGTERM handler")


def _as_from_a_shell() -> None:
    """In the command's process before it starts: SIGINT and SIGTERM with their default
    action and not blocked, as a shell starts a command. A pytest-xdist worker can hand
    its children SIGINT ignored or blocked (seen in full runs only: the command then ran
    to the end and exited 0 whatever linkready does); this test is about linkready."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX signals, /proc")
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupt_leaves_nothing_behind(tmp_path: Path, sig: int, code: int) -> None:
    """SIGTERM or SIGINT while generating: exit 143/130, no temporaries, nothing published.

    The world is the largest a scenario allows (about 17 s to generate on a quiet 2-core
    machine, stopped after about 1 s), so that a test process starved of CPU for a few
    seconds still signals a command at work."""
    out = tmp_path / "world"
    exe = Path(sys.executable).parent / "linkready"
    proc = subprocess.Popen([str(exe), "generate", "default", "-n", "900000", "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "100"},
                            preexec_fn=_as_from_a_shell)
    _wait_for_sigterm_handler(proc.pid)
    time.sleep(1.0)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    _no_traceback(err)
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(TMP_PREFIX)]
    assert leftovers == []
    assert not (out / "project.yaml").exists()


def _enospc(*args: object, **kwargs: object) -> None:
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(("target", "fmt"), [
    pytest.param("pyarrow.csv.write_csv", "csv", id="extract-csv"),
    pytest.param("pyarrow.parquet.write_table", "parquet", id="extract-parquet"),
])
def test_a_full_disk_while_generating_is_exit_2(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                target: str, fmt: str) -> None:
    """ENOSPC from generate's writers: exit 2, one line, no folder and no temporaries."""
    monkeypatch.setattr(target, _enospc)
    out = tmp_path / "world"
    res = runner.invoke(app, ["generate", "default", "-n", "300", "--format", fmt,
                              "--out", str(out)])
    assert res.exit_code == 2, res.output
    _no_traceback(res.output)
    assert "no space left" in res.output.lower()
    assert not out.exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(TMP_PREFIX)]


def test_a_full_disk_while_writing_link_outputs_is_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC when links.parquet is written: exit 2, the previous set of outputs intact."""
    world = tmp_path / "world"
    assert runner.invoke(app, ["generate", "default", "-n", "600", "--out",
                               str(world)]).exit_code == 0
    args = ["link", str(world / "project.yaml"), "--pairs", "acute:gp_register"]
    assert runner.invoke(app, args).exit_code == 0
    results = world / "linkready-results"
    before = {p.name: p.read_bytes() for p in results.iterdir() if p.is_file()
              and p.suffix in (".json", ".parquet")}
    monkeypatch.setattr("pyarrow.parquet.write_table", _enospc)
    res = runner.invoke(app, [*args, "--threshold", "0.5"])
    assert res.exit_code == 2, res.output
    _no_traceback(res.output)
    after = {p.name: p.read_bytes() for p in results.iterdir() if p.is_file()
             and p.suffix in (".json", ".parquet")}
    assert after == before
    assert not [p for p in results.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_ctrl_c_inside_a_duckdb_query_run_by_another_library_is_an_interrupt(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB reports Ctrl-C during a query run through Splink as a bare
    RuntimeError("Query interrupted"): exit 130 and "interrupted", not an internal error."""
    import linkready.profile as profile_pkg

    def interrupted(*a: object, **k: object) -> None:
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(profile_pkg, "profile_workspace", interrupted)
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 130, res.output
    assert "interrupted; no output was changed" in res.output
    assert not (project.parent / "linkready-results" / "profile.json").exists()


def test_ctrl_c_inside_a_query_splink_runs_is_an_interrupt(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Splink wraps DuckDB's interrupt in a SplinkException (raised from it): still exit
    130 and "interrupted", not an internal error; any other SplinkException stays one."""
    from splink.internals.exceptions import SplinkException

    import linkready.profile as profile_pkg

    def interrupted(*a: object, **k: object) -> None:
        try:
            raise RuntimeError("Query interrupted")
        except RuntimeError as exc:
            raise SplinkException("Error executing the following sql ...") from exc

    monkeypatch.setattr(profile_pkg, "profile_workspace", interrupted)
    res = runner.invoke(app, ["profile", str(project)])
    assert res.exit_code == 130, res.output
    assert "interrupted; no output was changed" in res.output

    def failed(*a: object, **k: object) -> None:
        raise SplinkException("Error executing the following sql ...") from ValueError("x")

    monkeypatch.setattr(profile_pkg, "profile_workspace", failed)
    assert runner.invoke(app, ["profile", str(project)]).exit_code == 3


def test_an_interrupt_after_ingest_leaves_the_workspace_as_it_was(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during assess after the workspace was rebuilt (assess always rebuilds)
    but before the outputs were published: the message says no output was changed, and
    it is true of every file, the workspace included (it is built under a temporary
    name and moved into place only with the outputs, as the next profile's is)."""
    import linkready.profile as profile_pkg

    assert runner.invoke(app, ["profile", str(project)]).exit_code == 0
    results = project.parent / "linkready-results"
    before = _snapshot(results)
    (project.parent / "a.csv").write_text(  # changed extract: ingest rebuilds
        (project.parent / "a.csv").read_text() + "r99,,Bob,Ray,01/01/1970,1,NW1 2AB,A\n")

    def interrupted(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(profile_pkg, "profile_workspace", interrupted)
    res = runner.invoke(app, ["assess", str(project)])
    assert res.exit_code == 130, res.output
    assert "interrupted; no output was changed" in res.output
    assert _snapshot(results) == before
    assert not [p for p in results.iterdir() if p.name.startswith(TMP_PREFIX)]
    monkeypatch.undo()
    assert runner.invoke(app, ["profile", str(project)]).exit_code == 0
    assert _snapshot(results)["linkready.duckdb"] != before["linkready.duckdb"]
