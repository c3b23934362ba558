"""assess keeps the validation a validate run just wrote only when its inputs are the same
(``inputs_sha256``: records, suites, project file, versions), and runs it again when
anything it depends on changed, even behind an unchanged file size and time."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from linkready import pipeline
from linkready.project import load_project
from lr_extracts import VALID_NHS, one_source, person

ROWS = 40


def _nhs_check(doc: dict[str, Any]) -> dict[str, Any]:
    (e,) = [e for e in doc["sources"]["src"]["expectations"]
            if e["expectation"] == "expect_column_values_to_be_valid_nhs_number"]
    return e


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A one-source project (assess then links nothing), validated once."""
    d = tmp_path_factory.mktemp("reuse")
    project_file = one_source(d, [person(i) for i in range(ROWS)])
    pipeline.validate(load_project(project_file), project_file=project_file).run()
    return project_file, (d / "linkready-results" / "validation.json").read_bytes()


def _assess(project_file: Path) -> tuple[bool, bytes]:
    result = pipeline.assess(load_project(project_file), project_file=project_file).run()
    assert result.validation is not None
    return result.validation.reused, result.validation.path.read_bytes()


def test_assess_keeps_the_validation_of_the_same_inputs(validated: tuple[Path, bytes]
                                                        ) -> None:
    """Right after validate, assess keeps validation.json byte for byte (its created_at
    included: GX did not run again) and says so in its result."""
    project_file, before = validated
    assert json.loads(before)["inputs_sha256"]
    reused, after = _assess(project_file)
    assert reused and after == before


def test_a_changed_value_behind_the_same_size_and_time_is_validated_again(
        validated: tuple[Path, bytes]) -> None:
    """One NHS number made invalid, with the file's size and modification time put back
    (the workspace fingerprint cannot see it): assess validates again and the failure
    shows; a second assess then keeps that new validation."""
    project_file, before = validated
    extract = project_file.parent / "src.csv"
    st = extract.stat()
    data = extract.read_bytes()
    good = VALID_NHS[3].encode()
    assert good in data
    extract.write_bytes(data.replace(good, good[:-1] + b"0", 1))
    os.utime(extract, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert extract.stat().st_size == st.st_size

    reused, after = _assess(project_file)
    doc = json.loads(after)
    assert not reused
    assert doc["inputs_sha256"] != json.loads(before)["inputs_sha256"]
    assert _nhs_check(json.loads(before))["success"] and not _nhs_check(doc)["success"]


def _key(project_file: Path, workspace: Path) -> str:
    from linkready.ingest import ingest_project, open_workspace
    from linkready.validate import inputs_key

    project = load_project(project_file)
    ingest_project(project, workspace, project_file=project_file)
    con = open_workspace(workspace)
    try:
        return inputs_key(project, con)
    finally:
        con.close()


def test_the_key_follows_the_project_file_and_linkready(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same extract: the same key from a fresh ingest; another key after any edit of the
    project file (here `mostly`, which changes a suite) or of linkready's source (same
    __version__, as in an editable install); and a folder's validation is kept only
    under its own key."""
    from linkready.validate import _reuse, previous_validation

    project_file = one_source(tmp_path, [person(i) for i in range(ROWS)])
    ws = tmp_path / "w.duckdb"
    key = _key(project_file, ws)
    assert _key(project_file, ws) == key
    with monkeypatch.context() as m:
        m.setattr(_reuse, "code_digest", lambda: "0" * 64)
        assert _key(project_file, ws) != key
    text = project_file.read_text(encoding="utf-8")
    project_file.write_text(text + "validation: {mostly: {nhs_number: 0.99}}\n",
                            encoding="utf-8")
    assert _key(project_file, ws) != key

    folder = tmp_path / "out"
    (folder / "expectations").mkdir(parents=True)
    doc = {"inputs_sha256": key, "sources": {"src": {}}}
    (folder / "validation.json").write_text(json.dumps(doc), encoding="utf-8")
    (folder / "expectations" / "src.json").write_text("{}", encoding="utf-8")
    assert previous_validation(folder, key) == (doc, {"src": {}})
    assert previous_validation(folder, "f" * 64) is None
    (folder / "expectations" / "src.json").unlink()
    assert previous_validation(folder, key) is None
