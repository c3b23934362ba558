"""Labels: spellings accepted, truth-made labels (with a set share flipped), and the
record-level switch."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from linkready.errors import ConfigError, InputError
from linkready.review._labels import auto_labels, read_labels
from linkready.review._render import labels_csv
from linkready.review._run import check_record_level

DESIGN = {"sample_id": "s1", "items": [
    {"item": f"{i:04d}", "pair": "a:b", "record_id_l": f"L{i}", "record_id_r": f"R{i}"}
    for i in range(1, 401)]}


def test_spellings_and_excel_item_numbers(tmp_path: Path) -> None:
    """m/yes/1, n/no/0, u/? are read; item numbers a spreadsheet stripped of their zeros
    ("7" for "0007") still match."""
    path = tmp_path / "l.csv"
    rows = ["sample_id,item,label", "s1,1,yes", "s1,0002,N", "s1,3,?", "s1,0004,1",
            *[f"s1,{i:04d},m" for i in range(5, 401)]]
    path.write_text("\n".join(rows) + "\n")
    labels = read_labels(path, DESIGN)
    assert [labels[k] for k in ("0001", "0002", "0003", "0004")] == [
        "match", "non-match", "unsure", "match"]


def test_labels_file_without_columns(tmp_path: Path) -> None:
    """A CSV without the label columns is refused in one line naming the columns."""
    path = tmp_path / "l.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as err:
        read_labels(path, DESIGN)
    assert len(err.value.lines()) == 1 and "`sample_id`" in str(err.value)


def test_auto_labels_flip_the_share_asked() -> None:
    """Truth-made labels are right for every item, and with --wrong-labels 0.1 about a
    tenth are flipped (seeded)."""
    truth = pd.DataFrame({"source": ["a"] * 400 + ["b"] * 400,
                          "record_id": [f"L{i}" for i in range(1, 401)]
                          + [f"R{i}" for i in range(1, 401)],
                          "person_id": list(range(400)) + [i if i % 2 else -i - 1
                                                           for i in range(400)]})
    exact = auto_labels(DESIGN, truth)
    assert sum(v == "match" for v in exact.values()) == 200
    noisy = auto_labels(DESIGN, truth, wrong=0.1, seed=1)
    flipped = sum(exact[k] != noisy[k] for k in exact)
    assert 20 <= flipped <= 60
    assert noisy == auto_labels(DESIGN, truth, wrong=0.1, seed=1)
    with pytest.raises(InputError):
        auto_labels(DESIGN, truth, wrong=0.6)
    assert labels_csv("s1", {"0001": "match"}).startswith("sample_id,item,label")


def test_record_level_switch_refuses() -> None:
    """A project whose record-level outputs are switched off cannot be reviewed."""
    off = SimpleNamespace(name="p", outputs=SimpleNamespace(record_level=False))
    with pytest.raises(ConfigError, match="record-level outputs are switched off"):
        check_record_level(off)  # type: ignore[arg-type]
    check_record_level(SimpleNamespace(name="p"))  # type: ignore[arg-type]
