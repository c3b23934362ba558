"""Refusals that need the staged rows: a declaration that reads but cannot be right.

Each check counts over the ``stage`` table (never fetching a value) and raises one
:class:`~linkready.errors.InputError` naming the file, the field and the fix:

- ``record_id`` holds NHS numbers (it would be written to links.parquet);
- the NHS number column went through a spreadsheet and is in scientific notation, or is
  stored as a number type too narrow to hold ten digits;
- ``dob_format`` does not fit the dates (another common format does).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from linkready.errors import InputError
from linkready.ingest import _rules as R
from linkready.ingest._sql import lit, looks_like_nhs_sql, read_formats, strptime_sql
from linkready.project import SourceSpec, printable

if TYPE_CHECKING:
    import duckdb


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _field(spec: SourceSpec, name: str, field: str) -> str:
    return f"column `{printable(spec.column(field), 40)}` (sources.{name}.columns.{field})"


def check_types(path: Path, name: str, spec: SourceSpec, types: dict[str, str],
                project_file: Path) -> None:
    """Refuse an NHS number stored as a number type that cannot hold ten digits."""
    from linkready.ingest._pass import NARROW_NUMBERS

    if not spec.held("nhs_number"):
        return
    typ = types.get(spec.column("nhs_number"), "VARCHAR").upper()
    if typ in NARROW_NUMBERS:
        raise InputError(
            f"{path}: {_field(spec, name, 'nhs_number')} is stored as {typ}, which cannot "
            "hold a 10-digit NHS number exactly; store the column as text and export the "
            f"file again (see {project_file})"
        )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, ...]:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    return tuple(int(x or 0) for x in con.execute(sql).fetchall()[0])


def check_record_id(con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: SourceSpec,
                    project_file: Path) -> None:
    """Refuse a record_id that holds NHS numbers, unless the source opts in."""
    if spec.record_id_is_identifier:
        return
    raw = "record_id__raw"
    present, nhs = _scalar(con, f"SELECT count({raw}) FILTER (WHERE trim({raw}) <> ''), "
                                f"count(*) FILTER (WHERE {looks_like_nhs_sql(raw)}) FROM stage")
    if present and nhs / present >= R.RECORD_ID_NHS_SHARE:
        raise InputError(
            f"{path}: {_pct(nhs / present)} of the values in {_field(spec, name, 'record_id')} "
            "are valid NHS numbers, and record ids go into links.parquet; map record_id to a "
            f"row id, or set `record_id_is_identifier: true` on sources.{name}"
        )


def check_scientific(con: duckdb.DuckDBPyConnection, path: Path, name: str,
                     spec: SourceSpec, project_file: Path) -> None:
    """Refuse NHS numbers that a spreadsheet turned into scientific notation."""
    if not spec.held("nhs_number") or spec.nhs_tokens:
        return
    present, sci = _scalar(
        con, "SELECT count(nhs_number__t), count(*) FILTER (WHERE regexp_full_match("
             f"nhs_number__r, {lit(R.SCIENTIFIC_REGEX)})) FROM stage")
    if present and sci / present >= R.SCIENTIFIC_REFUSE_SHARE:
        raise InputError(
            f"{path}: {_pct(sci / present)} of the NHS numbers in "
            f"{_field(spec, name, 'nhs_number')} are in scientific notation (9.99E+09: "
            "digits lost); store the column as text and export it again")


def check_tokens(con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: SourceSpec,
                 project_file: Path) -> None:
    """Refuse a column declared pseudonymised that holds NHS numbers in clear (a token
    source must not carry the identifier it stands for)."""
    if not spec.nhs_tokens:
        return
    raw = "nhs_number__raw"
    present, clear = _scalar(con, f"SELECT count(nhs_number__t), count(*) FILTER (WHERE "
                                  f"{looks_like_nhs_sql(raw)}) FROM stage")
    if present and clear / present >= R.RECORD_ID_NHS_SHARE:
        raise InputError(
            f"{path}: {_pct(clear / present)} of the values in "
            f"{_field(spec, name, 'nhs_number')} are NHS numbers in clear, not tokens; "
            f"supply the tokens, or drop nhs_number from sources.{name}.pseudonymised")


def check_dob_format(con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: SourceSpec,
                     typed: bool, project_file: Path) -> None:
    """Refuse when most dates do not match ``dob_format`` but another format fits them.

    Dates that no common format reads are bad data, counted ``unparseable``; this is
    only for a declaration that does not fit the file.
    """
    if not spec.held("dob") or typed:
        return
    present, failed = _scalar(con, "SELECT count(dob__t), count(*) FILTER (WHERE dob__t IS "
                                   "NOT NULL AND dob__p IS NULL) FROM stage")
    if failed < R.DOB_MIN_FAILED or failed / present < R.DOB_MIXED_SHARE:
        return
    # Only now (the declaration looks wrong) is every common format tried.
    guesses = [g for g in R.DOB_FORMAT_GUESSES if g not in spec.dob_formats]
    if failed / present < R.DOB_UNPARSEABLE_SHARE:
        # A minority of the dates: a declaration that misses a format only when common
        # formats read nearly all of those it leaves unread (else they are bad data).
        _refuse_mixed_formats(con, path, name, spec, present, failed, guesses,
                              project_file, need=present - (failed // 10))
        return
    fits = _scalar(con, "SELECT " + ", ".join(
        f"count(*) FILTER (WHERE {strptime_sql('dob__t', g)} IS NOT NULL)"
        for g in guesses) + " FROM stage")
    best = max(fits)
    if best < 0.9 * present:
        _refuse_excel_serials(con, path, name, spec, present, project_file)
        _refuse_mixed_formats(con, path, name, spec, present, failed, guesses, project_file)
        return
    likely = [g for g, n in zip(guesses, fits, strict=True) if n == best][:2]
    declared = ", ".join(f"`{printable(f)}`" for f in spec.dob_formats)
    look = " or ".join(f"`{g}`" for g in likely)
    raise InputError(
        f"{path}: {_pct(failed / present)} of the dates in {_field(spec, name, 'dob')} do "
        f"not match dob_format {declared}; the dates look like {look} — set "
        f"`dob_format: \"{likely[0]}\"` for {name} in {project_file}"
        + (_PIVOT if "%y" in likely[0] else "")
    )


#: Said with a refusal that names a two-digit-year format.
_PIVOT = (" (a two-digit year is read as the latest year that puts the date on or before "
          "reference_date)")


def _refuse_excel_serials(con: duckdb.DuckDBPyConnection, path: Path, name: str,
                          spec: SourceSpec, present: int, project_file: Path) -> None:
    """Refuse dates of birth written as Excel's day numbers (a date cell exported as a
    number: 29200 for 10/12/1979): nearly all of them 4 or 5 digits in Excel's range of
    dates of birth, and most of them 5 digits (so a column of birth years is not taken
    for them)."""
    serial = r"\d{4,5}(\.0+)?"
    day = "TRY_CAST(split_part(trim(dob__t), '.', 1) AS INTEGER)"
    serials, five = _scalar(
        con, f"SELECT count(*) FILTER (WHERE regexp_full_match(trim(dob__t), {lit(serial)}) "
             f"AND {day} BETWEEN {R.EXCEL_SERIAL_MIN} AND {R.EXCEL_SERIAL_MAX}), "
             f"count(*) FILTER (WHERE regexp_full_match(trim(dob__t), {lit(serial)}) "
             f"AND {day} >= 10000) FROM stage")
    if serials < 0.9 * present or five < 0.5 * present:
        return
    raise InputError(
        f"{path}: {_pct(serials / present)} of the dates in {_field(spec, name, 'dob')} are "
        "Excel serial day numbers, not dates; format the column as a date in Excel and "
        + ("save the workbook again" if path.suffix.lower() in (".xlsx", ".xlsm") else
           f"export it again, or make the .xlsx itself sources.{name}.path")
    )


def _swapped(fmt: str) -> str:
    """``fmt`` with day and month swapped (``%d/%m/%Y`` ↔ ``%m/%d/%Y``)."""
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _refuse_mixed_formats(con: duckdb.DuckDBPyConnection, path: Path, name: str,
                          spec: SourceSpec, present: int, failed: int, guesses: list[str],
                          project_file: Path, need: int | None = None) -> None:
    """Refuse when the dates mix formats that together read nearly all of them (``need``
    of them; default 90%, where no single one does), naming the list to declare. Formats
    are added greedily (the one reading most of the dates still unread first), at most
    three, never a day/month swap of one already in the list (that would read 03/04 both
    ways)."""
    need = math.ceil(0.9 * present) if need is None else need
    chosen = list(spec.dob_formats)
    added: list[str] = []

    def parsed(fmts: list[str]) -> str:
        return "coalesce(" + ", ".join(strptime_sql("dob__t", f)
                                       for f in read_formats(fmts)) + \
            ", NULL::TIMESTAMP)"

    read = present - failed
    for _ in range(3):
        options = [g for g in guesses if g not in chosen and _swapped(g) not in chosen]
        if not options:
            return
        gains = _scalar(con, "SELECT " + ", ".join(
            f"count(*) FILTER (WHERE {parsed(chosen)} IS NULL AND "
            f"{strptime_sql('dob__t', g)} IS NOT NULL)" for g in options) + " FROM stage")
        gain = max(gains)
        if gain < R.DOB_MIN_FAILED:
            return
        pick = options[gains.index(gain)]
        chosen.append(pick)
        added.append(pick)
        read += gain
        if read >= need:
            break
    if read < need:
        return
    declared = ", ".join(f"`{printable(f)}`" for f in spec.dob_formats)
    extra = ", ".join(f"`{g}`" for g in added)
    listed = ", ".join(f'"{printable(f)}"' for f in chosen)
    raise InputError(
        f"{path}: {_pct(failed / present)} of the dates in {_field(spec, name, 'dob')} do "
        f"not match dob_format {declared}; the dates mix formats, and {extra} read the rest "
        f"— set `dob_format: [{listed}]` for {name} in {project_file}"
    )


def check_stage(con: duckdb.DuckDBPyConnection, path: Path, name: str, spec: SourceSpec,
                typed_dob: bool, project_file: Path) -> None:
    """Every refusal that needs the staged rows, in the order a user would fix them."""
    check_record_id(con, path, name, spec, project_file)
    check_scientific(con, path, name, spec, project_file)
    check_tokens(con, path, name, spec, project_file)
    check_dob_format(con, path, name, spec, typed_dob, project_file)
