"""Inspect an extract before it is read: file, encoding, header, delimiter, columns.

Every problem becomes one :class:`~linkready.errors.InputError` line naming the file,
the column or key, and the fix. Nothing here reads more than the header, except the
encoding check, which streams the file once. Messages never quote a value from the
extract: when row 1 is data rather than a header, they say so instead of listing it.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import errno
import io
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from linkready.errors import ConfigError, InputError
from linkready.ingest._disk import is_write_failure, write_error
from linkready.messages import room_left
from linkready.project import Project, SourceSpec, printable
from linkready.sql import lit

#: Encodings DuckDB reads natively (codec name → DuckDB name). UTF-16 only with a
#: little-endian byte-order mark: DuckDB reads a big-endian file as empty.
NATIVE_ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}
_CHUNK = 16 * 1024 * 1024
#: A header row longer than this is not a header (the whole file is probably one line).
MAX_HEADER_BYTES = 1024 * 1024
_OTHER_DELIMITERS = (",", ";", "\t", "|")
#: A cell that is a number, a date or an NHS number (digits with separators), or a
#: postcode: a header cell like this means row 1 is data.
_DATA_CELL = re.compile(
    r"[\s'\"]*(?:[0-9][0-9 ./:+-]{2,}[0-9]|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
    r"|[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2})[\s'\"]*"
)


@dataclass(frozen=True)
class SourceLayout:
    """What an extract holds: the path DuckDB reads, its format, columns and their types."""

    name: str
    path: Path
    fmt: str
    encoding: str
    columns: tuple[str, ...]
    types: dict[str, str]
    #: A transcoded UTF-8 copy to delete after reading, if one was made.
    temp_copy: Path | None = None
    #: The extract as declared (``path`` is the copy when one was made).
    source: Path | None = None

    @property
    def read_names(self) -> tuple[str, ...]:
        """The names DuckDB reads the columns under. CSV columns are named by position
        (``c0``, ``c1`` …) so that a header name DuckDB cannot take — empty (a pandas
        index), quoted, or very long — never matters; Parquet columns keep theirs."""
        if self.fmt != "csv":
            return self.columns
        return tuple(f"c{i}" for i in range(len(self.columns)))

    def read_name(self, column: str) -> str:
        """The name DuckDB reads header column ``column`` under."""
        return self.read_names[self.columns.index(column)]



def _delimiter_name(d: str) -> str:
    return {"\t": "tab (\\t)", ",": "comma (,)", ";": "semicolon (;)", "|": "pipe (|)"}.get(
        d, f"`{printable(d)}`")


def _col(name: str) -> str:
    """A column name for a message (escaped, at most 40 characters)."""
    return f"`{printable(name, 40)}`"


def _codec(project_file: Path, name: str, spec: SourceSpec) -> str:
    try:
        info = codecs.lookup(spec.encoding)
    except (LookupError, ValueError, TypeError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ConfigError(
            f"{project_file}: sources.{name}.encoding: unknown encoding "
            f"`{printable(spec.encoding)}`; use e.g. utf-8, latin-1 or cp1252"
        ) from None
    return info.name


def check_path(path: Path, key: str, project_file: Path) -> None:
    """Raise InputError unless ``path`` is a regular file this process can read."""
    where = f"({key} in {project_file})"
    if "\x00" in str(path):
        raise InputError(f"{printable(str(path), 120)}: the path contains a NUL character "
                         f"{where}; fix the path")
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{path}: a symbolic link that loops back on itself {where}; "
                             "point the path at the real file") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            if "\\" in str(path) and Path(str(path).replace("\\", "/")).exists():
                raise InputError(f"{path}: file not found {where}; write the path with / "
                                 "between folders (a \\ is part of a file name here, not "
                                 "a folder separator)") from None
            raise InputError(f"{path}: file not found {where}; check the path, which is "
                             "relative to the project file") from None
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}) "
                         f"{where}; check the path and its permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: a folder, not a file {where}; name the extract file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file {where}; name the extract file")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InputError(f"{path}: cannot be opened ({exc.strerror or type(exc).__name__}) "
                         f"{where}; check its permissions") from None


#: How an Excel workbook starts: a zip (``.xlsx``, ``.xlsm``) or an OLE2 file (``.xls``).
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb")


def workbook_kind(path: Path) -> str | None:
    """``xlsx`` for a workbook linkready reads, ``other`` for one it does not (``.xls``,
    ``.xlsb``, a zip that is no workbook but is named like one), None for anything else."""
    from linkready.ingest._xlsx import is_xlsx

    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError:
        return None  # reported by the reader with its own message
    if head.startswith(_WORKBOOK_MAGIC[0]) and is_xlsx(path):
        return "xlsx"
    if path.suffix.lower() in _WORKBOOK_SUFFIXES or head.startswith(_WORKBOOK_MAGIC[1]):
        return "other"
    return None


def check_not_workbook(path: Path, name: str) -> None:
    """Refuse an Excel workbook linkready cannot read, with the exact fix."""
    raise InputError(
        f"{path}: an Excel workbook linkready cannot read (.xls, .xlsb or damaged) "
        f"(sources.{name}.path); in Excel use File > Save As > \"CSV UTF-8 (Comma "
        "delimited)\" (or Excel Workbook .xlsx) and set path to the new file")


def _bom_problem(path: Path, codec: str, key: str) -> str | None:
    """For a BOM-dependent codec, why the file cannot be read as declared (or None)."""
    if codec not in ("utf-16", "utf-32"):
        return None
    with path.open("rb") as fh:
        head = fh.read(4096)
    boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) if codec == "utf-16" else \
        (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    if head.startswith(boms):
        return None
    width = 2 if codec == "utf-16" else 4
    zeros_at_end = sum(1 for i in range(width - 1, len(head), width) if head[i] == 0)
    zeros_at_start = sum(1 for i in range(0, len(head), width) if head[i] == 0)
    guess = f"{codec}-le" if zeros_at_end >= zeros_at_start else f"{codec}-be"
    return (f"{path}: declared `encoding: {codec}` ({key}) but the file has no byte-order "
            f"mark; set `encoding: {guess}` (or utf-8 if the file is not {codec})")


def transcode_needed(path: Path, codec: str) -> bool:
    """Whether DuckDB cannot read ``codec`` itself (a UTF-8 copy must be made)."""
    if codec == "utf-16":
        with path.open("rb") as fh:
            return not fh.read(2).startswith(codecs.BOM_UTF16_LE)
    return codec not in NATIVE_ENCODINGS


def check_encoding(
    path: Path, codec: str, temp_dir: Path | None, key: str = "encoding"
) -> Path | None:
    """Decode the whole file; return a UTF-8 copy (in ``temp_dir``) when DuckDB cannot
    read ``codec``. The copy is removed again if anything goes wrong, even an interrupt."""
    copy = None
    try:
        if (problem := _bom_problem(path, codec, key)) is not None:
            raise InputError(problem)
        if transcode_needed(path, codec):
            if temp_dir is None:
                raise ValueError("a temporary folder is needed to transcode")
            copy = temp_dir / f".{path.name}.utf8.tmp"
        return _decode(path, codec, copy, key)
    except OSError as exc:
        if copy is not None and is_write_failure(exc):
            raise write_error(exc, copy.parent, "a transcoded copy") from None
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}) "
                         f"({key}); check the file and its permissions") from None


def _what_it_is(path: Path) -> str | None:
    """The fix for a file whose first bytes say what it is, when it does not decode."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "the file starts with a UTF-32 byte-order mark: set `encoding: utf-32`"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ("the file starts with a UTF-16 byte-order mark (as Excel's \"Unicode Text\" "
                "writes): set `encoding: utf-16` (and `delimiter` if it is tab-separated)")
    if head == b"PAR1":
        return "it is a Parquet file: set `format: parquet` (or name it .parquet)"
    if head.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed: decompress it and point path at the CSV"
    return None


def _decode(path: Path, codec: str, copy: Path | None, key: str) -> Path | None:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    out = None
    offset = 0
    try:
        out = copy.open("w", encoding="utf-8", newline="") if copy is not None else None
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                try:
                    text = decoder.decode(chunk)
                except UnicodeError as exc:
                    where = offset + getattr(exc, "start", 0)
                    fix = _what_it_is(path) or ("set `encoding:` to the file's real "
                                                "encoding (e.g. latin-1 or cp1252)")
                    raise InputError(
                        f"{path}: bytes at offset {where} cannot be decoded as {codec} "
                        f"({key}); {fix}"
                    ) from None
                if out is not None:
                    out.write(text)
                offset += len(chunk)
            try:
                tail = decoder.decode(b"", final=True)
            except UnicodeError:
                raise InputError(
                    f"{path}: the file ends in the middle of a {codec} character ({key}); "
                    "check `encoding:` or re-export the file"
                ) from None
            if out is not None:
                out.write(tail)
    except BaseException:
        if out is not None:
            out.close()
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    if out is not None:
        out.close()
    return copy


def read_header(path: Path, codec: str, delimiter: str, key: str = "path",
                shown: Path | None = None) -> list[str]:
    """The column names of a CSV file, split on ``delimiter``; messages name ``shown``
    (the extract) when ``path`` is a transcoded copy of it."""
    source, path = path, shown or path
    try:
        with source.open("r", encoding=codec, newline="") as fh:
            text = fh.read(MAX_HEADER_BYTES + 1)
    except UnicodeError:
        raise InputError(f"{path}: row 1 cannot be decoded as {codec} ({key}); set "
                         "`encoding:` to the file's real encoding") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}) "
                         f"({key}); check the file and its permissions") from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{path}: the file is empty, no header row ({key}); export it with a "
                         "header row and at least one record")
    # A csv reader, not readline: a quoted header name may hold a line break.
    buffer = io.StringIO(text, newline="")
    try:
        row = next(csv.reader(buffer, delimiter=delimiter), [])
    except csv.Error as exc:
        raise InputError(f"{path}: row 1 cannot be parsed as a header ({exc}) ({key}); export "
                         "the file with a header row of column names") from None
    if len(text) > MAX_HEADER_BYTES and buffer.tell() >= len(text):
        raise InputError(f"{path}: row 1 is longer than {MAX_HEADER_BYTES:,} characters, "
                         f"which is not a header row ({key}); export the file with one header "
                         "row and one line per record")
    return row


def _refuse_utf16_without_bom(path: Path, name: str, columns: list[str],
                              project_file: Path) -> None:
    """A header with a NUL between its characters is UTF-16 without a byte-order mark
    read as a one-byte encoding: say which UTF-16 (ASCII in little-endian puts the NUL
    after each character, in big-endian before), not that no mapped column is in row 1."""
    first = next((c for c in columns if c.strip("\x00")), "")
    if "\x00" not in first:
        return
    order = "be" if first.startswith("\x00") else "le"
    raise InputError(
        f"{path}: row 1 has a NUL byte beside every character, as UTF-16 text without a "
        f"byte-order mark has (sources.{name}.encoding); set `encoding: utf-16-{order}` "
        f"for {name} in {project_file}")


def looks_like_data(cells: list[str]) -> bool:
    """Whether a header row holds values (numbers, dates, postcodes) rather than names."""
    return any(_DATA_CELL.fullmatch(c) for c in cells if c.strip())


def _data_row(path: Path, name: str, project_file: Path) -> InputError:
    return InputError(
        f"{path}: row 1 looks like data, not a header (sources.{name}); export the file "
        f"with a header row of column names, then map them in {project_file}"
    )


def check_columns(
    path: Path, name: str, spec: SourceSpec, columns: list[str], project_file: Path
) -> None:
    """Raise InputError for duplicate column names or a mapped column that is absent.

    No message lists row 1 unless it holds at least one mapped column (so it is a header,
    not a record), and none when row 1 looks like data."""
    seen: set[str] = set()
    dups = sorted({c for c in columns if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    mapped = [(f, c) for f in spec.columns for c in spec.column_list(f)]
    missing = [(f, c) for f, c in mapped if c not in seen]
    found_any = len(missing) < len(mapped)  # then row 1 names columns: a header
    if not (dups or missing):
        return
    if not found_any and looks_like_data(columns):
        raise _data_row(path, name, project_file)
    field, col = (missing or [("record_id", str(spec.columns["record_id"]))])[0]
    if missing and spec.file_format == "csv" and len(columns) == 1:
        header = columns[0]
        found = [d for d in _OTHER_DELIMITERS if d != spec.delimiter and d in header]
        if found:
            raise InputError(
                f"{path}: column {_col(col)} (sources.{name}.columns.{field}) not found "
                f"because the header does not split on the declared delimiter "
                f"{_delimiter_name(spec.delimiter)}; it contains "
                f"{_delimiter_name(found[0])} — set `delimiter: \"{found[0]}\"` for "
                f"{name} in {project_file}"
            )
    folded = {c.strip().lower(): c for c in columns}
    close = [folded[col.strip().lower()]] if col.strip().lower() in folded else \
        difflib.get_close_matches(col, columns, n=1, cutoff=0.75)
    if not found_any and not close:
        # Not one mapped column is in row 1: it may be a record, so it is not shown.
        raise InputError(
            f"{path}: none of the {len(mapped)} mapped columns is in row 1 "
            f"(sources.{name}.columns; row 1 has {len(columns)} field(s)); if the file has "
            f"no header row, export it with one, else fix the mapping in {project_file}"
        )
    if dups:
        shown = ", ".join(_col(d) for d in dups[:10]) + (" …" if len(dups) > 10 else "")
        raise InputError(
            f"{path}: duplicate column name(s) {shown} "
            f"(sources.{name}); rename them in the extract so each column name is unique"
        )
    others = f" (and {len(missing) - 1} more mapped column(s))" if len(missing) > 1 else ""
    head = f"{path}: column {_col(col)} (sources.{name}.columns.{field}) not found{others}; "
    hint = f"did you mean {_col(close[0])}? " if close else ""
    if close and close[0] != col and close[0].strip() == col.strip():
        raise InputError(
            f"{head}the file's column has spaces around its name: write it in quotes with "
            f"them, {field}: {json.dumps(close[0], ensure_ascii=False)}, in {project_file}")
    tail = f"; fix the mapping in {project_file}"
    # The columns are listed in the room the printed line has left (MAX_LINE), so that
    # the suggestion and the fix are never cut out of it.
    room = room_left(head + hint + "the file has columns " + tail)
    if hint and room < 20:
        raise InputError(head + hint.rstrip() + tail)
    raise InputError(f"{head}{hint}the file has columns {_some_columns(columns, room)}{tail}")


def _some_columns(columns: list[str], budget: int) -> str:
    """As many of ``columns`` as fit in ``budget`` characters (at least one and at most
    30 of them), then how many there are in all."""
    everything = ", ".join(_col(c) for c in columns)
    if len(columns) <= 30 and len(everything) <= budget:
        return everything
    shown: list[str] = []
    budget -= 16  # room for " … (N in all)"
    for c in columns:
        if shown and (len(shown) == 30
                      or sum(len(x) + 2 for x in shown) + len(_col(c)) > budget):
            return ", ".join(shown) + f" … ({len(columns)} in all)"
        shown.append(_col(c))
    return ", ".join(shown)


def inspect_source(
    project: Project, name: str, project_file: Path, temp_dir: Path | None = None
) -> SourceLayout:
    """Check an extract can be read as declared, and describe it.

    Only reads the extract: a transcoded copy, when one is needed, goes to ``temp_dir``.
    """
    import duckdb

    spec = project.sources[name]
    path = project.source_path(name)
    check_path(path, f"sources.{name}.path", project_file)
    if spec.file_format == "parquet":
        try:
            import pyarrow.parquet as pq

            columns = list(pq.read_schema(path).names)
            con = duckdb.connect()
            try:
                desc = con.execute(
                    f"DESCRIBE SELECT * FROM read_parquet({lit(path)})").fetchall()
            finally:
                con.close()
        except Exception as exc:  # any reader failure is bad input, not a bug
            raise InputError(
                f"{path}: cannot be read as Parquet ({type(exc).__name__}); "
                f"check sources.{name}.path or set `format: csv`"
            ) from None
        check_columns(path, name, spec, columns, project_file)
        return SourceLayout(name, path, "parquet", "", tuple(columns),
                            {str(r[0]): str(r[1]) for r in desc}, source=path)
    kind = workbook_kind(path)
    if kind == "other":
        check_not_workbook(path, name)
    if kind == "xlsx":
        return _xlsx_layout(path, name, spec, project_file, temp_dir)
    if spec.sheet is not None:
        raise InputError(f"{path}: not an Excel workbook, so it has no sheets "
                         f"(sources.{name}.sheet); remove `sheet:` from sources.{name}")
    codec = _codec(project_file, name, spec)
    copy = check_encoding(path, codec, temp_dir, f"sources.{name}.encoding")
    try:
        columns = read_header(copy or path, "utf-8" if copy else codec, spec.delimiter,
                              f"sources.{name}.path", shown=path)
        if copy is None:
            _refuse_utf16_without_bom(path, name, columns, project_file)
        check_columns(path, name, spec, columns, project_file)
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    enc = "utf-8" if copy else NATIVE_ENCODINGS[codec]
    return SourceLayout(name, copy or path, "csv", enc, tuple(columns),
                        dict.fromkeys(columns, "VARCHAR"), temp_copy=copy, source=path)


def _xlsx_layout(path: Path, name: str, spec: SourceSpec, project_file: Path,
                 temp_dir: Path | None) -> SourceLayout:
    """The worksheet of an ``.xlsx`` extract (``sheet:``, or its only one), as a UTF-8 CSV
    copy in ``temp_dir``."""
    from linkready.ingest._sql import read_formats
    from linkready.ingest._xlsx import xlsx_to_csv

    if temp_dir is None:
        raise ValueError("a temporary folder is needed to read a workbook")
    copy = xlsx_to_csv(path, temp_dir / f".{path.name}.csv.tmp", delimiter=spec.delimiter,
                       date_format=read_formats(spec.dob_formats)[0], source=name, sheet=spec.sheet)
    try:
        columns = read_header(copy, "utf-8", spec.delimiter, f"sources.{name}.path",
                              shown=path)
        check_columns(path, name, spec, columns, project_file)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return SourceLayout(name, copy, "csv", "utf-8", tuple(columns),
                        dict.fromkeys(columns, "VARCHAR"), temp_copy=copy, source=path)
