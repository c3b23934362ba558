"""The walk-through in docs/python-api.md runs as written (a notebook, top to bottom)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def code_blocks(text: str) -> list[str]:
    """The ```python blocks of a markdown text, in order."""
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every python block of docs/python-api.md runs, in order, in one namespace, in an
    empty folder, and writes only into that folder."""
    text = DOC.read_text(encoding="utf-8")
    blocks = code_blocks(text)
    # Every fenced block is a python block that runs: none is skipped by its spelling.
    fences = re.findall(r"^```(\S*)", text, flags=re.M)
    assert fences[1::2] == [""] * len(blocks) and set(fences[::2]) == {"python"}
    assert len(blocks) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "walkthrough"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name}[block {i}]", "exec"), namespace)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assessed", "data", "mine", "results", "sweep"]
    assert (tmp_path / "mine" / "frames" / "gp.parquet").is_file()
    assert (tmp_path / "mine" / "profile.json").is_file()
