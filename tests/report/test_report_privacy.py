"""No identifier from any input record appears anywhere in report.html, and every count
shown is published (``*``, 0 or a multiple of 5)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
import yaml

from linkready.ingest import _rules as R

if TYPE_CHECKING:
    from conftest import Assessed

SRC = Path(__file__).resolve().parents[2] / "src" / "linkready"
#: Names shorter than this are not scanned: two- and three-letter names ("AL", "ED",
#: "LEE") are everyday words and abbreviations, so a hit would say nothing.
MIN_NAME = 4


def _extract_values(world: Path) -> dict[str, set[str]]:
    """Every given name, family name, NHS number and DOB string in the raw extracts."""
    project = yaml.safe_load((world / "project.yaml").read_text())
    found: dict[str, set[str]] = {"name": set(), "nhs": set(), "dob": set()}
    for spec in project["sources"].values():
        df = pd.read_csv(world / spec["path"], dtype=str, keep_default_na=False)
        cols = spec["columns"]
        fmts = spec.get("dob_format", "%Y-%m-%d")
        fmts = [fmts] if isinstance(fmts, str) else fmts
        for f in ("given_name", "family_name"):
            if f in cols:
                for v in df[cols[f]]:
                    found["name"] |= {t.upper() for t in re.split(r"[^A-Za-z]+", v)
                                      if len(t) >= MIN_NAME}
        if "nhs_number" in cols:
            for v in df[cols["nhs_number"]]:
                digits = re.sub(r"\D", "", v)
                if v.strip():
                    found["nhs"].add(v.strip())
                if len(digits) == 10:
                    found["nhs"] |= {digits, f"{digits[:3]} {digits[3:6]} {digits[6:]}",
                                     f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}
        if "dob" in cols:
            for v in df[cols["dob"]]:
                v = v.strip()
                if not v:
                    continue
                found["dob"].add(v)
                for fmt in fmts:
                    try:
                        d = datetime.strptime(v, fmt).date()
                    except ValueError:
                        continue
                    found["dob"] |= {d.isoformat(), d.strftime("%d/%m/%Y"),
                                     d.strftime("%d-%m-%Y"), d.strftime("%d.%m.%Y"),
                                     d.strftime("%Y%m%d"), d.strftime("%d %B %Y"),
                                     d.strftime("%d-%b-%Y")}
    return found


def _tool_vocabulary() -> set[str]:
    """Every word in linkready's own source and templates: words the tool writes itself."""
    words: set[str] = set()
    for path in [*SRC.rglob("*.py"), *SRC.rglob("*.j2"), *SRC.rglob("*.css")]:
        words |= {w.upper() for w in re.findall(r"[A-Za-z]+", path.read_text("utf-8"))}
    return words


def _bounded(needle: str) -> re.Pattern[str]:
    return re.compile(r"(?<![0-9A-Za-z])" + re.escape(needle) + r"(?![0-9A-Za-z])")


def find_names(html: str, names: set[str], allowed: set[str]) -> set[str]:
    """Input names that occur in the HTML as whole words and are not the tool's own words."""
    words = {w.upper() for w in re.findall(r"[A-Za-z]+", html)}
    return (words & names) - allowed


def find_strings(html: str, needles: set[str]) -> set[str]:
    """Needles that occur in the HTML, not as part of a longer run of digits or letters."""
    return {n for n in needles if n in html and _bounded(n).search(html)}


def test_no_input_name_appears(assessed: Assessed) -> None:
    """No given or family name of 4+ letters from any extract appears in report.html.

    The report is cut into whole words (text, attributes and SVG labels alike) and compared
    with every name token in the raw extracts. Words that linkready itself writes (any word
    in its source code and templates, e.g. "White" as an ethnic group or "Green" as a
    rating) cannot have come from a record, so they are set aside; names under four
    letters are not scanned because they collide with ordinary words. What remains must
    be empty.
    """
    names = _extract_values(assessed.world)["name"]
    assert len(names) > 200  # the scan has something to look for
    leaked = find_names(assessed.html, names, _tool_vocabulary())
    assert not leaked, f"names from the input in report.html: {sorted(leaked)[:10]}"


def test_no_nhs_number_appears(assessed: Assessed) -> None:
    """No NHS number from any extract appears, as typed or as 10 digits, 3-3-4 or 3-3-4
    with hyphens."""
    nhs = _extract_values(assessed.world)["nhs"]
    assert len(nhs) > 1000
    leaked = find_strings(assessed.html, nhs)
    assert not leaked, f"NHS numbers in report.html: {sorted(leaked)[:5]}"


def test_no_date_of_birth_appears(assessed: Assessed) -> None:
    """No date of birth from any extract appears, as typed or in common date formats.

    The default dates that the ingest rules treat as 'not known' (e.g. 1900-01-01) are set
    aside: the report names them as rules, and they are placeholders, not anyone's birth
    date.
    """
    sentinels = {d.isoformat() for d in R.SENTINEL_DOBS}
    dobs = _extract_values(assessed.world)["dob"]
    assert len(dobs) > 1000
    leaked = {d for d in find_strings(assessed.html, dobs) if d not in sentinels}
    leaked = {d for d in leaked
              if not any(s in {d} or _same_date(d, s) for s in sentinels)}
    assert not leaked, f"dates of birth in report.html: {sorted(leaked)[:5]}"


def _same_date(text: str, iso: str) -> bool:
    y, m, d = iso.split("-")
    return text in {f"{d}/{m}/{y}", f"{d}-{m}-{y}", f"{d}.{m}.{y}", f"{y}{m}{d}"}


def test_scanner_finds_a_planted_identifier(assessed: Assessed) -> None:
    """The scan is not vacuous: a name, NHS number and DOB planted in the HTML are found."""
    v = _extract_values(assessed.world)
    allowed = _tool_vocabulary()
    name = next(n for n in sorted(v["name"]) if n not in allowed)
    nhs = next(n for n in sorted(v["nhs"]) if len(n) == 10)
    dob = sorted(v["dob"])[0]
    planted = assessed.html.replace("</main>", f"<p>{name.title()} {nhs} {dob}</p></main>")
    assert find_names(planted, v["name"], allowed) == {name}
    assert nhs in find_strings(planted, v["nhs"])
    assert dob in find_strings(planted, v["dob"])


@pytest.mark.parametrize("cls", ["k-count"])
def test_every_count_cell_is_published(assessed: Assessed, cls: str) -> None:
    """Every count cell in the HTML is *, 0 or a multiple of 5 (never an exact small count)."""
    cells = re.findall(rf'<td class="{cls}[^"]*">([^<]*)</td>', assessed.html)
    assert len(cells) > 100
    for text in cells:
        if text in ("*", "—"):
            continue
        n = int(text.replace(",", ""))
        assert n == 0 or (n >= 10 and n % 5 == 0), text
