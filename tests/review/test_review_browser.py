"""review.html in a real headless Chromium with the network blocked: ten pairs labelled
by keyboard (with a step back and a reload in between), the labels saved as a download,
and `review score` reads the file back.

Uses Debian's ``chromium`` through Playwright, as tests/report/test_browser.py does;
skipped, with the reason, only when no Chromium exists.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app

pytestmark = pytest.mark.browser

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The keys pressed, in order: `b` steps back and relabels the item before.
KEYS = ["m", "n", "u", "b", "m", "m", "n", "m", "m", "n", "m", "u"]
#: The labels those keys leave on items 1–10.
EXPECTED = ["match", "n", "match", "match", "n", "match", "match", "n", "match", "unsure"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("LINKREADY_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def test_label_ten_pairs_by_keyboard_and_score_them(truth_project: Path,
                                                    tmp_path: Path) -> None:
    """Keyboard labels survive a reload, the saved file holds them, and `review score`
    reads it back (exit 0, ten labels); no console error and no request leaves file:."""
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium binary at /usr/bin/chromium or on PATH "
                    "(install Debian's `chromium` package; .ci/run does)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright (Python package) is not installed")
    out = tmp_path / "review"
    runner = CliRunner()
    r = runner.invoke(app, ["review", "sample", str(truth_project), "--out", str(out),
                            "--pairs", "la_adult_social_care:gp_register", "--size", "10"])
    assert r.exit_code == 0, r.stderr
    design = json.loads((out / "review.json").read_text())
    assert len(design["items"]) == 10
    console: list[str] = []
    outside: list[str] = []
    saved = tmp_path / "labels.csv"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=ARGS)
        try:
            context = browser.new_context(offline=True, accept_downloads=True)
            page = context.new_page()

            def route(req: Any) -> None:
                if req.request.url.startswith(("file:", "data:", "blob:")):
                    req.continue_()
                else:
                    outside.append(req.request.url)
                    req.abort()

            page.route("**/*", route)
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
            page.goto((out / "review.html").as_uri(), wait_until="load")
            cells = page.evaluate("() => document.querySelectorAll('#rows td').length")
            for key in KEYS[:6]:
                page.keyboard.press(key)
            page.reload(wait_until="load")
            after_reload = page.inner_text("#count")
            for key in KEYS[6:]:
                page.keyboard.press(key)
            progress = page.inner_text("#count")
            with page.expect_download() as download:
                page.keyboard.press("s")
            download.value.save_as(saved)
            suggested = download.value.suggested_filename
            page.click("#btn-copy")
            copied = page.input_value("#text")
        finally:
            browser.close()
    assert console == [] and outside == []
    assert cells >= 8  # at least four fields, two records
    assert after_reload.startswith("4 of 10")  # m n u b m m: items 1–4
    assert progress.startswith("10 of 10")
    assert suggested == f"labels-{design['sample_id']}.csv"
    rows = list(csv.DictReader(saved.open(encoding="utf-8")))
    assert [r["label"] for r in rows] == [
        {"n": "non-match"}.get(x, x) for x in EXPECTED]
    assert copied.replace("\r\n", "\n") == saved.read_text().replace("\r\n", "\n")
    r = runner.invoke(app, ["review", "score", str(truth_project), "--labels", str(saved),
                            "--sample", str(out), "--out", str(tmp_path / "est")])
    assert r.exit_code == 0, r.stderr
    doc = json.loads((tmp_path / "est" / "review_estimates.json").read_text())
    assert doc["sample_id"] == design["sample_id"]
    assert doc["pairs"][0]["labelled"] == 10
