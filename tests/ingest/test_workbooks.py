"""Excel extracts: an .xlsx workbook is read (first sheet; NHS numbers in number cells
stay ten digits, dates typed into Excel are read as dates), a workbook linkready cannot
read is refused with the exact fix."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from typer.testing import CliRunner

from linkready.cli.app import app
from lr_extracts import COLUMNS, VALID_NHS, write_csv, write_project

runner = CliRunner()
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
EXCEL_EPOCH = date(1899, 12, 30)


def _cell(ref: str, value: object, strings: list[str]) -> str:
    """A cell as Excel writes it: text in the shared strings, numbers as numbers, dates
    as serial numbers with a date style (s=1 built-in d/m/yyyy, s=2 custom)."""
    if value is None:
        return ""
    if isinstance(value, tuple):  # (date, style)
        d, style = value
        return f'<c r="{ref}" s="{style}"><v>{(d - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if str(value).startswith("="):  # a raw <v> text, e.g. an exponent form
        return f'<c r="{ref}"><v>{str(value)[1:]}</v></c>'
    strings.append(str(value))
    return f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>'


def write_xlsx(path: Path, rows: list[list[object]], before: tuple[str, ...] = ()) -> Path:
    """A minimal but valid .xlsx: workbook, relationships, the sheet `Clients` holding
    ``rows``, strings, styles; ``before`` names sheets (one note each) ahead of it."""
    strings: list[str] = []
    body = "".join(
        f'<row r="{r + 1}">' + "".join(_cell(f"{chr(65 + c)}{r + 1}", v, strings)
                                       for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate(rows))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        sheets = [*before, "Clients"]
        z.writestr("xl/workbook.xml", f'<workbook {NS} {RNS}><sheets>' + "".join(
            f'<sheet name="{escape(n)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, n in enumerate(sheets)) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships">' + "".join(
                       f'<Relationship Id="rId{i + 1}" Target="worksheets/sheet{i + 1}.xml" '
                       'Type="worksheet"/>' for i in range(len(sheets))) + "</Relationships>")
        for i in range(len(before)):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", f'<worksheet {NS}><sheetData>'
                       '<row r="1"><c r="A1" t="inlineStr"><is><t>Notes</t></is></c></row>'
                       "</sheetData></worksheet>")
        z.writestr(f"xl/worksheets/sheet{len(sheets)}.xml",
                   f"<worksheet {NS}><sheetData>{body}</sheetData></worksheet>")
        z.writestr("xl/sharedStrings.xml", f"<sst {NS}>" + "".join(
            f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
        z.writestr("xl/styles.xml", f'<styleSheet {NS}><numFmts><numFmt numFmtId="164" '
                                    'formatCode="dd/mm/yyyy;@"/></numFmts><cellXfs>'
                                    '<xf numFmtId="0"/><xf numFmtId="14"/>'
                                    '<xf numFmtId="164"/></cellXfs></styleSheet>')
    return path


def test_an_xlsx_extract_is_read(tmp_path: Path) -> None:
    header = [COLUMNS[f] for f in ("record_id", "nhs_number", "given_name", "family_name",
                                   "dob", "sex", "postcode")]
    dobs = [date(1950 + i, 1 + i % 12, 1 + i % 28) for i in range(10)]
    rows: list[list[object]] = [header]
    for i in range(10):
        nhs: object = int(VALID_NHS[i])  # a number cell, as Excel stores a typed number
        if i == 1:
            nhs = "=" + f"{int(VALID_NHS[i]) / 1e9:.9f}E9"  # exponent form, no digit lost
        rows.append([f"R{i:03d}", nhs, "Ada", "Lovelace", (dobs[i], 1 + i % 2), i % 2 + 1,
                     "NW1 2AB"])
    write_xlsx(tmp_path / "clients.xlsx", rows)
    project = write_project(tmp_path, {"la": {"path": "clients.xlsx", "columns": {
        f: COLUMNS[f] for f in ("record_id", "nhs_number", "given_name", "family_name",
                                "dob", "sex", "postcode")}, "dob_format": "%d/%m/%Y"}})
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    results = tmp_path / "linkready-results"
    doc = json.loads((results / "profile.json").read_text(encoding="utf-8"))
    la = doc["sources"]["la"]
    assert la["readiness"]["deterministic"]["count"] == 10  # every NHS number valid
    assert la["fields"]["dob"]["issues"]["unparseable"]["count"] == 0
    assert doc["alerts"] == []
    # The values themselves, from the workspace (record-level, read only by this test).
    from linkready.ingest import open_workspace

    con = open_workspace(results / "linkready.duckdb")
    try:
        got = con.execute("SELECT nhs_number, dob FROM records ORDER BY record_id").fetchall()
    finally:
        con.close()
    assert [g[0] for g in got] == VALID_NHS[:10]
    assert [g[1] for g in got] == dobs
    assert not [p for p in results.rglob("*") if ".csv.tmp" in p.name or
                p.name.startswith(".linkready-tmp-")]


@pytest.mark.parametrize("name", ["clients.xls", "clients.xlsx", "clients.csv"])
def test_a_workbook_it_cannot_read_is_refused_with_the_fix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name == "clients.xls" or name == "clients.csv":  # legacy binary Excel (OLE2)
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    else:  # named .xlsx but no workbook inside
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("notes.txt", "not a workbook")
    project = write_project(tmp_path, {"la": {"path": name, "columns": COLUMNS}})
    result = runner.invoke(app, ["profile", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "an Excel workbook linkready cannot read" in text and "(sources.la.path)" in text
    assert 'Save As > "CSV UTF-8 (Comma delimited)"' in text
    assert not (tmp_path / "linkready-results").exists()


def _clients(tmp_path: Path, before: tuple[str, ...], **spec: object) -> Path:
    """Ten clients on the sheet `Clients`, after the sheets ``before``."""
    fields = ("record_id", "nhs_number", "given_name", "family_name", "sex")
    rows: list[list[object]] = [[COLUMNS[f] for f in fields]]
    rows += [[f"R{i:03d}", VALID_NHS[i], "Ada", "Lovelace", 2] for i in range(10)]
    write_xlsx(tmp_path / "clients.xlsx", rows, before)
    return write_project(tmp_path, {"la": {"path": "clients.xlsx",
                                           "columns": {f: COLUMNS[f] for f in fields},
                                           **spec}})


def _refused(tmp_path: Path, project: Path) -> str:
    result = runner.invoke(app, ["profile", str(project)], env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert not (tmp_path / "linkready-results").exists()
    assert not [p for p in tmp_path.rglob("*") if ".csv.tmp" in p.name]
    return lines[0]


def test_a_workbook_of_several_sheets_needs_sheet(tmp_path: Path) -> None:
    """A notes sheet ahead of the records: refused naming every sheet and `sheet:`,
    rather than reading the notes as the extract."""
    line = _refused(tmp_path, _clients(tmp_path, ("Notes",)))
    assert "clients.xlsx" in line and "(sources.la.sheet)" in line
    assert "2 worksheets (`Notes`, `Clients`)" in line and "`sheet: NAME`" in line


def test_sheet_names_the_worksheet_to_read(tmp_path: Path) -> None:
    project = _clients(tmp_path, ("Notes", "Summary"), sheet="Clients")
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    assert doc["sources"]["la"]["readiness"]["deterministic"]["count"] == 10


def test_a_sheet_that_is_not_there_is_refused(tmp_path: Path) -> None:
    line = _refused(tmp_path, _clients(tmp_path, ("Notes",), sheet="Client"))
    assert "no worksheet named `Client`" in line and "use one of `Notes`, `Clients`" in line


def test_sheet_on_a_csv_is_refused(tmp_path: Path) -> None:
    write_csv(tmp_path / "clients.csv", ["ID", "NHS"], [["R1", VALID_NHS[0]]])
    project = write_project(tmp_path, {"la": {"path": "clients.csv", "sheet": "Clients",
                                              "columns": {"record_id": "ID",
                                                          "nhs_number": "NHS"}}})
    line = _refused(tmp_path, project)
    assert "(sources.la.sheet)" in line and "remove `sheet:`" in line


def test_blank_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    """A sheet whose first row is empty (Excel writes a formatted blank row) is read from
    its first row holding a value, the header; it was refused as 'empty'."""
    fields = ("record_id", "nhs_number", "given_name", "family_name", "sex")
    rows: list[list[object]] = [[None], [None, None], [COLUMNS[f] for f in fields]]
    rows += [[f"R{i:03d}", VALID_NHS[i], "Ada", "Lovelace", 2] for i in range(10)]
    write_xlsx(tmp_path / "clients.xlsx", rows)
    project = write_project(tmp_path, {"la": {"path": "clients.xlsx",
                                              "columns": {f: COLUMNS[f] for f in fields}}})
    result = runner.invoke(app, ["profile", str(project)])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "linkready-results" / "profile.json").read_text())
    assert doc["sources"]["la"]["records"] == 10


def test_an_empty_sheet_is_refused_as_empty(tmp_path: Path) -> None:
    """A sheet with no value at all: the message says so (it said 'cannot be read as an
    Excel workbook (ValueError)')."""
    write_xlsx(tmp_path / "clients.xlsx", [[None]])
    project = write_project(tmp_path, {"la": {"path": "clients.xlsx", "columns": COLUMNS}})
    line = _refused(tmp_path, project)
    assert "clients.xlsx" in line and "(sources.la.path)" in line
    assert "no value" in line and "ValueError" not in line
