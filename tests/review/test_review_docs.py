"""docs/review.md matches the code: its sample-size table is the one the code computes,
and the README shows the five-command loop."""

from __future__ import annotations

from pathlib import Path

from linkready.review._guidance import sample_size_table

ROOT = Path(__file__).resolve().parents[2]


def test_sample_size_table_is_computed() -> None:
    """The table between the markers in docs/review.md equals sample_size_table()."""
    text = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    start = text.index("<!-- sample-size-table -->") + len("<!-- sample-size-table -->")
    end = text.index("<!-- /sample-size-table -->")
    assert text[start:end].strip() == sample_size_table()


def test_readme_and_docs_show_the_loop() -> None:
    """README and docs/review.md both show link → review sample → review score → report."""
    for path in (ROOT / "README.md", ROOT / "docs" / "review.md"):
        text = path.read_text(encoding="utf-8")
        order = [text.index(cmd) for cmd in ("linkready link", "linkready review sample",
                                             "linkready review score", "linkready report")]
        assert order == sorted(order), path
