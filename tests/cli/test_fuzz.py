"""Hostile project files and extracts: every run ends in exit 0 or 2, never a traceback,
never a change to the user's files, never a file outside the output folder.

Hypothesis mutates a small valid project (its YAML and its CSV bytes) and runs the
commands in process. Budgets keep the whole module to about a minute on 2 cores.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.lr_extracts import COLUMNS
from typer.testing import CliRunner

from linkready.cli.app import app
from linkready.outdir import RESULTS_DIRNAME

runner = CliRunner()

HEADER = ",".join(COLUMNS.values())
GOOD_ROWS = [
    f"r{i},{'9990000018' if i % 3 == 0 else ''},Ann{i % 7},Lee{i % 5},0{1 + i % 9}/02/1980,"
    f"{1 + i % 2},NW1 {i % 9}AB,A"
    for i in range(30)
]

#: Text a hostile extract may hold: separators, quotes, line breaks, NUL, other scripts,
#: numbers in Excel's forms, very long runs.
FIELD = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["", '"', '""', "'9990000018", "9990000018.0", "9.99E+09", "محمد",
                     "王", "Łódź", "\x00", "\r\n", "a,b", "=1+1", "NULL", "31/02/1980",
                     "1980-13-45", "x" * 5000]),
)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    """A CSV that starts from a valid one and is then damaged."""
    rows = list(GOOD_ROWS)
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(rows) - 1))
        cells = rows[i].split(",")
        j = draw(st.integers(0, len(cells) - 1))
        cells[j] = draw(FIELD)
        rows[i] = ",".join(cells)
    header = draw(st.one_of(st.just(HEADER), st.just(""), st.just(GOOD_ROWS[0]),
                            st.text(max_size=40)))
    text = "\n".join([header, *rows]) + draw(st.sampled_from(["\n", "", "\r\n", '"']))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut]
    return data


def _source(path: str) -> dict[str, Any]:
    return {"path": path, "columns": dict(COLUMNS), "dob_format": "%d/%m/%Y"}


@st.composite
def project_docs(draw: st.DrawFn) -> dict[str, Any] | str:
    """A project mapping, damaged in one of the ways a hand-written file can be."""
    doc: dict[str, Any] = {"name": "fuzz", "reference_date": "2025-01-01",
                           "sources": {"a": _source("a.csv"), "b": _source("b.csv")}}
    kind = draw(st.sampled_from(["ok", "encoding", "delimiter", "dob", "column", "name",
                                 "values", "raw", "path", "key"]))
    src = doc["sources"]["a"]
    if kind == "encoding":
        src["encoding"] = draw(st.sampled_from(["utf-16", "no-such-codec", "", "ascii"]))
    elif kind == "delimiter":
        src["delimiter"] = draw(st.sampled_from([";", "", "ab", "\n", '"', "\x00"]))
    elif kind == "dob":
        src["dob_format"] = draw(st.sampled_from(["dd/mm/yyyy", "%Y-%m-%d", "", "%Q", 7]))
    elif kind == "column":
        field = draw(st.sampled_from(sorted(COLUMNS)))
        src["columns"][field] = draw(st.sampled_from(["MISSING", "", "NHS", None, 3]))
    elif kind == "name":
        doc["sources"][draw(st.sampled_from(["king's", "../x", "[/]", "", "a b", "é"]))] = \
            doc["sources"].pop("b")
    elif kind == "values":
        src["values"] = {"sex": draw(st.sampled_from([{"M": "1"}, "x", {"1": None}, []]))}
    elif kind == "path":
        src["path"] = draw(st.sampled_from(["missing.csv", "", ".", "a.csv\x00", "/",
                                            "a.txt", "a.parquet"]))
    elif kind == "key":
        doc[draw(st.sampled_from(["truth", "spine", "pairs", "bogus"]))] = draw(
            st.sampled_from(["a.csv", [["a", "zz"]], "zz", {"x": 1}]))
    elif kind == "raw":
        return draw(st.sampled_from(["", "- a\n- b", "sources: [", "{" * 2000,
                                     "name: x\nsources: 5", "\x00\x01", "a: b: c"]))
    return doc


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and RESULTS_DIRNAME not in p.relative_to(folder).parts}


def _run(args: list[str], folder: Path) -> None:
    before = _files(folder)
    res = runner.invoke(app, args)
    assert res.exit_code in (0, 2), (res.exit_code, res.output[-2000:], res.exception)
    assert "Traceback" not in res.output
    errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert all(len(ln) <= 320 for ln in errors)
    assert _files(folder) == before, "a user file changed or appeared outside the output"


def _write(folder: Path, doc: dict[str, Any] | str, a: bytes, b: bytes) -> Path:
    (folder / "a.csv").write_bytes(a)
    (folder / "b.csv").write_bytes(b)
    text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True)
    project = folder / "project.yaml"
    project.write_text(text, encoding="utf-8")
    return project


FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(doc=project_docs(), a=csv_bytes())
def test_profile_survives_hostile_projects_and_extracts(doc: dict[str, Any] | str,
                                                        a: bytes) -> None:
    """profile: exit 0 or 2, no traceback, the user's files unchanged."""
    folder = Path(tempfile.mkdtemp(prefix="lr-fuzz-"))
    try:
        project = _write(folder, doc, a, "\n".join([HEADER, *GOOD_ROWS]).encode())
        _run(["profile", str(project)], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@SLOW
@given(doc=project_docs(), a=csv_bytes())
def test_link_and_assess_survive_hostile_input(doc: dict[str, Any] | str, a: bytes) -> None:
    """link and assess: exit 0 or 2, no traceback, the user's files unchanged."""
    folder = Path(tempfile.mkdtemp(prefix="lr-fuzz-"))
    try:
        project = _write(folder, doc, a, "\n".join([HEADER, *GOOD_ROWS]).encode())
        _run(["link", str(project)], folder)
        _run(["assess", str(project)], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
