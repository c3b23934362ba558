"""Excel ``.xlsx`` extracts, read with the standard library (no spreadsheet package).

An ``.xlsx`` file is a zip of XML parts. Its worksheet (the only one, or the one the
source names with ``sheet:``; a workbook of several sheets without ``sheet:`` is refused
naming them) is streamed row by row into a
private UTF-8 CSV copy in the ingest scratch folder (like a transcoded CSV), which is then
read like any CSV extract and removed afterwards. Cells are written as text:

- shared and inline strings as they are;
- numbers as Excel stored them, so an NHS number kept in a number cell stays its ten
  digits (``9990000018``, never ``9.99E+09``); an integral number Excel stored in
  exponent form is written back as digits;
- numbers in a date format (dates of birth typed into Excel) as dates, written in the
  source's first ``dob_format`` so that the declared format reads them;
- booleans as ``TRUE``/``FALSE``, errors (``#N/A``) as empty cells.

Only the ``.xlsx``/``.xlsm`` format is read; legacy ``.xls`` and binary ``.xlsb``
workbooks are refused with the fix (save as CSV UTF-8).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

from linkready.errors import InputError
from linkready.project import printable

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: Built-in number formats that are dates (ECMA-376 18.8.30).
_BUILTIN_DATES = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47,
                            50, 57})
_EXPONENT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+")
_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, after its 1900-02-29 bug


def is_xlsx(path: Path) -> bool:
    """Whether ``path`` is a zip holding an Excel workbook part."""
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    out: list[str] = []
    with z.open("xl/sharedStrings.xml") as fh:
        for _, el in ET.iterparse(fh):
            if el.tag == f"{_NS}si":
                out.append("".join(t.text or "" for t in el.iter(f"{_NS}t")))
                el.clear()
    return out


def _is_date_format(code: str) -> bool:
    """Whether a custom number format code shows a date (d, m or y outside quotes and
    brackets; not elapsed time such as [h]:mm)."""
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    if "d" in plain or "y" in plain:
        return True
    return "m" in plain and "h" not in plain and "s" not in plain  # m alone: months


def _date_styles(z: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles (``s=`` attribute) whose number format is a date."""
    if "xl/styles.xml" not in z.namelist():
        return set()
    root = ET.fromstring(z.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
              for f in root.iter(f"{_NS}numFmt")}
    xfs = root.find(f"{_NS}cellXfs")
    dates: set[int] = set()
    for i, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _BUILTIN_DATES or (fmt in custom and _is_date_format(custom[fmt])):
            dates.add(i)
    return dates


def _sheet(z: zipfile.ZipFile, path: Path, wanted: str | None, source: str) -> str:
    """The zip path of the worksheet to read: the one named ``wanted``, or the only one.

    Raises:
        InputError: ``wanted`` is not a sheet, or the workbook has several sheets and
            ``wanted`` is None (reading the first could read a notes or summary sheet).
    """
    book = ET.fromstring(z.read("xl/workbook.xml"))
    sheets = [(s.get("name", ""), s.get(f"{_REL}id")) for s in book.iter(f"{_NS}sheet")]
    if not sheets:
        raise ValueError("no worksheet")
    names = ", ".join(f"`{printable(n)}`" for n, _ in sheets[:10])
    names += " …" if len(sheets) > 10 else ""
    if wanted is None and len(sheets) > 1:
        raise InputError(
            f"{path}: the workbook has {len(sheets)} worksheets ({names}) "
            f"(sources.{source}.sheet); say which one holds the records with "
            f"`sheet: NAME` under sources.{source}")
    if wanted is not None:
        sheets = [s for s in sheets if s[0] == wanted]
        if not sheets:
            raise InputError(
                f"{path}: no worksheet named `{printable(wanted)}` "
                f"(sources.{source}.sheet); use one of {names}")
    rid = sheets[0][1]
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")
                  if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _column(ref: str) -> int:
    """0-based column of a cell reference such as ``AB12``."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch.upper()) - 64)
    return n - 1


def _number(raw: str, is_date: bool, date_format: str) -> str:
    if is_date:
        try:
            return (_EPOCH + timedelta(days=int(float(raw)))).strftime(date_format)
        except (ValueError, OverflowError):
            return raw
    if _EXPONENT.fullmatch(raw):
        value = float(raw)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
    return raw


def _rows(z: zipfile.ZipFile, sheet: str, date_format: str) -> Iterator[list[str]]:
    strings = _shared_strings(z)
    dates = _date_styles(z)
    with z.open(sheet) as fh:
        for _, el in ET.iterparse(fh):
            if el.tag != f"{_NS}row":
                continue
            cells: dict[int, str] = {}
            for i, c in enumerate(el.iter(f"{_NS}c")):
                col = _column(c.get("r", "")) if c.get("r") else i
                kind = c.get("t", "n")
                v = c.find(f"{_NS}v")
                raw = v.text or "" if v is not None else ""
                if kind == "s":
                    value = strings[int(raw)] if raw.isdigit() and int(raw) < len(strings) \
                        else ""
                elif kind == "inlineStr":
                    value = "".join(t.text or "" for t in c.iter(f"{_NS}t"))
                elif kind == "b":
                    value = "TRUE" if raw == "1" else "FALSE"
                elif kind == "e":
                    value = ""
                elif kind == "n" and raw:
                    value = _number(raw, int(c.get("s", "0")) in dates, date_format)
                else:  # "str" (a formula's text) and anything else: as stored
                    value = raw
                cells[col] = value
            el.clear()
            width = max(cells) + 1 if cells else 0
            yield [cells.get(i, "") for i in range(width)]


def xlsx_to_csv(path: Path, copy: Path, *, delimiter: str, date_format: str,
                source: str, sheet: str | None = None) -> Path:
    """Write one worksheet of ``path`` (``sheet``, or the workbook's only one) as a UTF-8
    CSV at ``copy``; return ``copy``.

    Raises:
        InputError: the workbook cannot be read (damaged, encrypted, no worksheet), or
            which sheet to read is not clear (see ``_sheet``).
    """
    key = f"sources.{source}.path"
    try:
        with zipfile.ZipFile(path) as z:
            name = _sheet(z, path, sheet, source)
        with zipfile.ZipFile(path) as z, copy.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=delimiter)
            rows = _rows(z, name, date_format)
            # The header is the first row holding a value: Excel writes blank rows that
            # carry formatting, and a sheet may start lower down.
            header = next((r for r in rows if any(r)), None)
            if header is None:
                raise InputError(
                    f"{path}: the worksheet holds no value, no header row ({key}); export "
                    "it with a header row and at least one record")
            writer.writerow(header)
            for row in rows:
                if any(row):
                    writer.writerow(row[:len(header)] + [""] * (len(header) - len(row)))
    except InputError:
        copy.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, ET.ParseError, StopIteration,
            RuntimeError) as exc:
        copy.unlink(missing_ok=True)
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}) ({key}); "
            "open it in Excel and save the sheet as \"CSV UTF-8 (Comma delimited)\"") from None
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return copy
