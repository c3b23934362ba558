"""report.html in a real headless Chromium, offline: no console errors, no failed or
outside requests, every chart drawn at a non-zero size, and a full-page screenshot.

Uses Debian's ``chromium`` (``.ci/run`` installs it) through Playwright for Python; a
browser is never downloaded. Skipped, with the reason, only when no Chromium exists.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Assessed

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("LINKREADY_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


#: Tables (and the alerts box) whose content is wider than their box: cut off in print,
#: or hidden behind a sideways scroll on a desktop screen.
CLIPPED = """() => Array.from(document.querySelectorAll('.tablewrap, .alerts, .answers'))
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => [e.getAttribute('aria-label') || e.className, e.scrollWidth, e.clientWidth])"""
#: The smallest chart text as drawn on screen (font size × the SVG's scale), in px.
SMALLEST_CHART_TEXT = """(figures = 'figure.chart') => {
  let least = Infinity, what = '';
  for (const t of document.querySelectorAll(figures + ' svg text')) {
    if (!t.textContent.trim()) continue;
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (px < least) { least = px; what = t.textContent; }
  }
  return [least, what];
}"""
#: Where the first screen's parts are: top (px from the page top), and for the synthetic
#: banner its title's font size; the answers list's items.
FIRST_SCREEN = """() => {
  const top = s => { const e = document.querySelector(s);
                     return e ? e.getBoundingClientRect().top + window.scrollY : null; };
  const banner = document.querySelector('.synthetic-title');
  return {banner: top('.synthetic'), alerts: top('.alerts'), answers: top('#answers-h'),
          banner_px: banner ? parseFloat(getComputedStyle(banner).fontSize) : null,
          answers_items: document.querySelectorAll('.answers li').length,
          answers_text: Array.from(document.querySelectorAll('.answers li'))
                             .map(li => li.textContent),
          alerts_items: document.querySelectorAll('.alerts li').length,
          height: window.innerHeight};
}"""


@pytest.fixture(scope="module")
def page_report(assessed: Assessed) -> dict[str, Any]:
    """Load the report once (desktop width) with every non-file request blocked."""
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium binary at /usr/bin/chromium or on PATH "
                    "(install Debian's `chromium` package; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright (Python package) is not installed")
    path = assessed.out / "report.html"
    console: list[str] = []
    failed: list[str] = []
    outside: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900},
                                          offline=True)
            page = context.new_page()

            def route(r: Any) -> None:
                url = r.request.url
                if url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    outside.append(url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            sizes = page.evaluate(
                "() => Array.from(document.querySelectorAll('figure.chart svg'))"
                ".map(s => { const b = s.getBoundingClientRect();"
                " return [b.width, b.height, s.querySelectorAll('path,rect,text').length]; })")
            overflow = page.evaluate("() => document.documentElement.scrollWidth")
            wide = {"clipped": page.evaluate(CLIPPED), "first": page.evaluate(FIRST_SCREEN),
                    "font": page.evaluate(SMALLEST_CHART_TEXT)}
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            narrow = page.evaluate("() => document.documentElement.scrollWidth")
            phone = {"font": page.evaluate(SMALLEST_CHART_TEXT),
                     "first": page.evaluate(FIRST_SCREEN)}
            page.screenshot(path=str(ARTIFACTS / "report-narrow.png"), full_page=False)
            # A4 with 15 mm margins leaves 180 mm = 680 CSS px for the content.
            page.set_viewport_size({"width": 680, "height": 960})
            page.emulate_media(media="print")
            nav_printed = page.evaluate(
                "() => getComputedStyle(document.querySelector('nav')).display")
            printed = {"clipped": page.evaluate(CLIPPED),
                       "width": page.evaluate("() => document.documentElement.scrollWidth"),
                       "font": page.evaluate(SMALLEST_CHART_TEXT,
                                             "figure.chart:not(.wide)"),
                       "first": page.evaluate(FIRST_SCREEN),
                       "wide": page.evaluate(
                           "() => document.querySelectorAll('figure.chart.wide').length"),
                       "hatch": page.evaluate(
                           "() => Array.from(document.querySelectorAll('td.supp'))"
                           ".map(e => getComputedStyle(e).backgroundImage)")}
            # Charts wider than the portrait page print on landscape pages (267 mm =
            # 1009 CSS px between the margins), at their own size.
            page.set_viewport_size({"width": 1009, "height": 680})
            printed["landscape_font"] = page.evaluate(SMALLEST_CHART_TEXT,
                                                      "figure.chart.wide")
            page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
        finally:
            browser.close()
    return {"console": console, "failed": failed, "outside": outside, "sizes": sizes,
            "width": overflow, "narrow_width": narrow, "nav_printed": nav_printed,
            "wide": wide, "phone": phone, "print": printed}


def test_no_console_errors(page_report: dict[str, Any]) -> None:
    """Loading the report logs no console error or warning and raises no page error."""
    assert page_report["console"] == []


def test_no_failed_or_outside_requests(page_report: dict[str, Any]) -> None:
    """The page asks for nothing beyond itself: no request fails, none leaves file:."""
    assert page_report["failed"] == []
    assert page_report["outside"] == []


def test_every_chart_rendered(page_report: dict[str, Any]) -> None:
    """Every chart is an SVG drawn with a non-zero size and marks inside it."""
    sizes = page_report["sizes"]
    assert len(sizes) >= 7
    for width, height, marks in sizes:
        assert width > 0 and height > 0 and marks > 0


def test_reads_on_a_narrow_screen(page_report: dict[str, Any]) -> None:
    """At phone width (390 px) the page itself does not scroll sideways; wide tables and
    charts scroll inside their own boxes."""
    assert page_report["narrow_width"] <= 390
    assert page_report["width"] <= 1280


def test_no_table_clipped_at_1280_or_in_print(page_report: dict[str, Any]) -> None:
    """At 1280 px and printed on A4, every table, the alerts box and the answers fit their
    box (scrollWidth ≤ clientWidth): nothing is cut off or hidden behind a scroll."""
    assert page_report["wide"]["clipped"] == []
    assert page_report["print"]["clipped"] == []
    assert page_report["print"]["width"] <= 680


@pytest.mark.parametrize("where", ["wide", "phone", "print"])
def test_chart_text_readable(page_report: dict[str, Any], where: str) -> None:
    """At 1280 px, at 390 px and printed (A4 width) every chart's text is drawn at 10 px
    or more (charts keep their size and scroll in their box instead of shrinking)."""
    least, what = page_report[where]["font"]
    assert least >= 10, f"{where}: chart text {what!r} drawn at {least:.1f} px"


def test_wide_charts_print_on_landscape_pages(page_report: dict[str, Any]) -> None:
    """A chart wider than the A4 portrait column prints on a landscape page at 10 px or
    more: the PDF holds landscape pages exactly when the report has such charts."""
    import re

    pdf = (ARTIFACTS / "report.pdf").read_bytes()
    boxes = [tuple(float(v) for v in m.split()) for m in
             re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)]
    assert boxes, "no page sizes found in the PDF"
    landscape = [b for b in boxes if b[2] > b[3]]
    assert bool(landscape) == (page_report["print"]["wide"] > 0)
    if page_report["print"]["wide"]:
        least, what = page_report["print"]["landscape_font"]
        assert least >= 10, f"landscape: chart text {what!r} drawn at {least:.1f} px"


def test_printed_report_keeps_banner_alerts_and_answers(page_report: dict[str, Any]) -> None:
    """Printed, the banner, the alerts box and the answers are all there, in that order."""
    first = page_report["print"]["first"]
    assert first["banner"] is not None
    assert first["banner"] < first["alerts"] < first["answers"]
    assert first["alerts_items"] >= 1 and first["answers_items"] >= 1


def test_first_screen_answers_the_question(page_report: dict[str, Any],
                                           assessed: Assessed) -> None:
    """At 1280 px the first screen holds the synthetic banner (large), the alerts box and
    the start of "Can we link, and how well?", which has one sentence per linked pair
    naming coverage and linkage error apart."""
    import json

    first = page_report["wide"]["first"]
    pairs = json.loads((assessed.out / "linkage.json").read_text())["pairs"]
    assert first["banner"] is not None and first["banner"] < first["alerts"]
    assert first["banner_px"] >= 20
    assert first["alerts_items"] >= 1
    assert first["alerts"] < first["answers"] < first["height"]
    assert first["answers_items"] == len(pairs)
    for text in first["answers_text"]:
        assert "(coverage)" in text and "linkage error" in text
        assert any(f"Rated {rag}" in text for rag in ("green", "amber", "red"))
    # on a phone the banner still comes first and the answers follow the alerts
    phone = page_report["phone"]["first"]
    assert phone["banner"] < phone["alerts"] < phone["answers"]


def test_prints_with_print_stylesheet(page_report: dict[str, Any]) -> None:
    """Under print media the contents list is hidden, hidden figures keep their hatch,
    and the page prints to an A4 PDF of a sensible size (hatched cells drawn with a CSS
    gradient once made it 21 MB and took 30 s to print; a PNG tile, under 1 MB)."""
    assert page_report["nav_printed"] == "none"
    hatch = page_report["print"]["hatch"]
    assert hatch and all(h.startswith('url("data:image/png') for h in hatch), hatch[:3]
    pdf = ARTIFACTS / "report.pdf"
    assert pdf.is_file() and 10_000 < pdf.stat().st_size < 5_000_000


def test_screenshot_saved(page_report: dict[str, Any]) -> None:
    """A full-page screenshot is saved as a test artifact."""
    shot = ARTIFACTS / "report.png"
    assert shot.is_file() and shot.stat().st_size > 10_000
