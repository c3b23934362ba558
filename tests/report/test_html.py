"""report.html is one self-contained, accessible page: no script, no URL, charts as SVG
with text alternatives, headings in order, a print stylesheet."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Assessed


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.svgs: list[dict[str, str | None]] = []
        self.titles_in_svg = 0
        self._in_svg = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "svg":
            if not self._in_svg:
                self.svgs.append(dict(attrs))
            self._in_svg += 1
        if tag == "title" and self._in_svg:
            self.titles_in_svg += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_svg -= 1


def _outline(html: str) -> _Outline:
    p = _Outline()
    p.feed(html)
    return p


def test_self_contained(assessed: Assessed) -> None:
    """No script, stylesheet link, external URL, web font or remote image anywhere."""
    html = assessed.html
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), "a URL"
    for token in ("@import", "@font-face", "<img", "<iframe", "<object"):
        assert token not in html, token
    # url(#id) points inside the page (the hatch pattern of hidden heat-map cells); the
    # hatch of hidden table cells is an inline PNG (data: URI, inside the page too)
    assert not re.search(r'url\((?!#lr-hatch-|"data:image/png;base64,)', html), \
        "url( to something outside"


def test_headings_in_order(assessed: Assessed) -> None:
    """One h1 first, and no heading skips a level (h2 → h4)."""
    levels = _outline(assessed.html).headings
    assert levels[0] == 1 and levels.count(1) == 1
    for prev, cur in itertools.pairwise(levels):
        assert cur <= prev + 1, (prev, cur)


def test_charts_have_text_alternatives(assessed: Assessed) -> None:
    """Every chart SVG has role=img, an aria-label and a <title>."""
    o = _outline(assessed.html)
    assert len(o.svgs) >= 7
    for attrs in o.svgs:
        assert attrs.get("role") == "img"
        assert attrs.get("aria-label")
    assert o.titles_in_svg >= len(o.svgs)


def test_every_chart_has_a_table_and_takeaway(assessed: Assessed) -> None:
    """Each chart figure holds its SVG, an 'In short' line and a table of its numbers."""
    figures = re.findall(r'<figure class="chart(?: wide)?">(.*?)</figure>', assessed.html,
                         re.S)
    assert len(figures) >= 7
    for f in figures:
        assert "<svg" in f and "In short:" in f and "<table>" in f


def test_all_sections_present(assessed: Assessed) -> None:
    """The twelve sections appear, with the verdict first, then methods and the glossary
    last."""
    ids = re.findall(r'<section id="([^"]+)"', assessed.html)
    assert len(ids) == 12
    assert ids[0] == "verdict" and ids[-2:] == ["methods", "glossary"]


def test_print_and_narrow_screen_styles(assessed: Assessed) -> None:
    """The page declares a viewport, a print stylesheet and a narrow-screen layout."""
    html = assessed.html
    assert '<meta name="viewport"' in html
    assert "@media print" in html and "@media (max-width" in html


def test_colour_is_never_the_only_cue(assessed: Assessed) -> None:
    """Every RAG badge carries its rating as text, not colour alone."""
    badges = re.findall(r'<span class="badge rag-(\w+)">([^<]+)</span>', assessed.html)
    assert badges
    assert all(text == rag.upper() for rag, text in badges)


def test_templates_are_package_data() -> None:
    """The templates load through importlib.resources (so they ship in the wheel)."""
    from importlib import resources

    root = resources.files("linkready.report").joinpath("templates")
    assert root.joinpath("report.html.j2").is_file()
    assert root.joinpath("report.css").is_file()
