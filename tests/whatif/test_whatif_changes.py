"""What-if changes are checked before any work: every mistake is one line naming the
option, the item and the fix, and the command exits 2 writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import linkready
from hand_world import write_world
from linkready.errors import ConfigError
from linkready.whatif import Change, parse_changes

COLS = {"record_id": "id", "nhs_number": "nhs", "given_name": "g", "dob": "d"}
PROJECT = linkready.load_project({"name": "p", "pairs": [["la", "gp"]], "sources": {
    "la": {"path": "la.csv", "columns": COLS}, "gp": {"path": "gp.csv", "columns": COLS},
    "acute": {"path": "a.csv", "columns": COLS}}})


def test_parse_changes_reads_both_forms() -> None:
    """SOURCE=SHARE for the NHS number, SOURCE.FIELD=SHARE for any compared field; 90%
    is 0.9."""
    assert parse_changes(PROJECT, nhs_complete=["la=0.9"], complete=["gp.dob=90%"]) == [
        Change("la", "nhs_number", 0.9), Change("gp", "dob", 0.9)]


@pytest.mark.parametrize(("nhs", "complete", "fragment"), [
    pytest.param(["nope=0.9"], [], "`nope` is not a source", id="unknown-source"),
    pytest.param(["la=1.2"], [], "not a number from 0 to 1", id="share-above-1"),
    pytest.param(["la=-0.1"], [], "not a number from 0 to 1", id="negative-share"),
    pytest.param(["la=nan"], [], "not a number from 0 to 1", id="nan-share"),
    pytest.param(["la"], [], "is not SOURCE=SHARE", id="no-share"),
    pytest.param([], ["la=0.5"], "is not SOURCE.FIELD=SHARE", id="no-field"),
    pytest.param([], ["la.ethnicity=0.5"], "not a field the linkage compares",
                 id="field-not-compared"),
    pytest.param([], ["la.postcode=0.5"], "does not map `postcode`", id="field-not-mapped"),
    pytest.param(["la=0.5"], ["la.nhs_number=0.6"], "named twice", id="twice"),
    pytest.param([], [], "no change asked for", id="nothing"),
])
def test_bad_changes_are_one_line(nhs: list[str], complete: list[str], fragment: str) -> None:
    """Each malformed or impossible change is refused with one line naming it."""
    with pytest.raises(ConfigError) as info:
        parse_changes(PROJECT, nhs_complete=nhs, complete=complete)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_source_in_no_pair_is_refused() -> None:
    """A change on a source no pair links cannot be measured: say which pair to add."""
    from linkready.whatif import affected_pairs

    with pytest.raises(ConfigError, match="`acute` is in no pair"):
        affected_pairs(PROJECT, [Change("acute", "nhs_number", 0.5)])


@pytest.mark.parametrize("args", [
    pytest.param(["--nhs-complete", "council=2"], id="share"),
    pytest.param(["--complete", "council.sex=0.5", "--threshold", "1.5"], id="threshold"),
    pytest.param(["--nhs-complete", "nowhere=0.5"], id="source"),
])
def test_cli_exits_2_and_writes_nothing(tmp_path: Path, args: list[str]) -> None:
    """`linkready whatif` with a bad change exits 2 with one error line, no traceback,
    and creates no output folder."""
    from linkready.cli.app import app

    project = write_world(tmp_path, with_nhs=20)
    result = CliRunner().invoke(app, ["whatif", str(project), *args])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "Traceback" not in result.output
    assert not (tmp_path / "linkready-results").exists()


def test_other_fields_are_always_relinked() -> None:
    """Only the NHS number feeds the deterministic stage: any other field needs a relink."""
    from linkready.whatif import needs_relink

    assert not needs_relink([Change("la", "nhs_number", 0.5)])
    assert needs_relink([Change("la", "nhs_number", 0.5), Change("la", "dob", 0.9)])
