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
            context = browser.new_context(viewport={"width": 1200, "height": 900},
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
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            narrow = page.evaluate("() => document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "report-narrow.png"), full_page=False)
            page.emulate_media(media="print")
            nav_printed = page.evaluate(
                "() => getComputedStyle(document.querySelector('nav')).display")
            page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
        finally:
            browser.close()
    return {"console": console, "failed": failed, "outside": outside, "sizes": sizes,
            "width": overflow, "narrow_width": narrow, "nav_printed": nav_printed}


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
    assert page_report["width"] <= 1200


def test_prints_with_print_stylesheet(page_report: dict[str, Any]) -> None:
    """Under print media the contents list is hidden and the page prints to an A4 PDF."""
    assert page_report["nav_printed"] == "none"
    pdf = ARTIFACTS / "report.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 10_000


def test_screenshot_saved(page_report: dict[str, Any]) -> None:
    """A full-page screenshot is saved as a test artifact."""
    shot = ARTIFACTS / "report.png"
    assert shot.is_file() and shot.stat().st_size > 10_000
