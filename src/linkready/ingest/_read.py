"""Inspect an extract before it is read: file, encoding, header, delimiter, columns.

Every problem becomes one :class:`~linkready.errors.InputError` line naming the file,
the column or key, and the fix. Nothing here reads more than the header, except the
encoding check, which streams the file once.
"""

from __future__ import annotations

import codecs
import csv
import difflib
from dataclasses import dataclass
from pathlib import Path

from linkready.errors import ConfigError, InputError
from linkready.project import Project, SourceSpec

#: Encodings DuckDB reads natively (codec name → DuckDB name).
NATIVE_ENCODINGS = {"utf-8": "utf-8", "iso8859-1": "latin-1", "utf-16": "utf-16"}
_CHUNK = 16 * 1024 * 1024
_OTHER_DELIMITERS = (",", ";", "\t", "|")


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


def _delimiter_name(d: str) -> str:
    return {"\t": "tab (\\t)", ",": "comma (,)", ";": "semicolon (;)", "|": "pipe (|)"}.get(
        d, f"`{d}`")


def _codec(project_file: Path, name: str, spec: SourceSpec) -> str:
    try:
        return codecs.lookup(spec.encoding).name
    except LookupError:
        raise ConfigError(
            f"{project_file}: sources.{name}.encoding: unknown encoding `{spec.encoding}`; "
            "use e.g. utf-8, latin-1 or cp1252"
        ) from None


def check_encoding(
    path: Path, codec: str, temp_dir: Path | None, key: str = "encoding"
) -> Path | None:
    """Decode the whole file; return a UTF-8 copy when DuckDB cannot read ``codec``."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    out = None
    copy: Path | None = None
    if codec not in NATIVE_ENCODINGS:
        copy = (temp_dir or path.parent) / f".{path.name}.utf8.tmp"
        out = copy.open("w", encoding="utf-8", newline="")
    offset = 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    where = offset + exc.start
                    raise InputError(
                        f"{path}: bytes at offset {where} cannot be decoded as {codec} "
                        f"({key}); set `encoding:` to the file's real encoding "
                        "(e.g. latin-1 or cp1252)"
                    ) from None
                if out is not None:
                    out.write(text)
                offset += len(chunk)
            try:
                tail = decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise InputError(
                    f"{path}: the file ends in the middle of a {codec} character ({key}); "
                    "check `encoding:` or re-export the file"
                ) from None
            if out is not None:
                out.write(tail)
    except BaseException:
        if out is not None:
            out.close()
            copy.unlink(missing_ok=True)  # type: ignore[union-attr]
        raise
    if out is not None:
        out.close()
    return copy


def read_header(path: Path, codec: str, delimiter: str, key: str = "path") -> list[str]:
    """The column names of a CSV file, split on ``delimiter``."""
    with path.open("r", encoding=codec, newline="") as fh:
        line = fh.readline()
    line = line.lstrip("\ufeff")
    if not line.strip():
        raise InputError(f"{path}: the file is empty, no header row ({key}); export it with a "
                         "header row and at least one record")
    return next(csv.reader([line], delimiter=delimiter))


def check_columns(
    path: Path, name: str, spec: SourceSpec, columns: list[str], project_file: Path
) -> None:
    """Raise InputError for duplicate column names or a mapped column that is absent."""
    seen: set[str] = set()
    dups = sorted({c for c in columns if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dups:
        raise InputError(
            f"{path}: duplicate column name(s) {', '.join(f'`{d}`' for d in dups)} "
            f"(sources.{name}); rename them in the extract so each column name is unique"
        )
    missing = [(f, c) for f, c in spec.columns.items() if c not in seen]
    if not missing:
        return
    field, col = missing[0]
    if spec.file_format == "csv" and len(columns) == 1:
        header = columns[0]
        found = [d for d in _OTHER_DELIMITERS if d != spec.delimiter and d in header]
        if found:
            raise InputError(
                f"{path}: column `{col}` (sources.{name}.columns.{field}) not found because "
                f"the header does not split on the declared delimiter "
                f"{_delimiter_name(spec.delimiter)}; it contains "
                f"{_delimiter_name(found[0])} — set `delimiter: \"{found[0]}\"` for "
                f"{name} in {project_file}"
            )
    shown = ", ".join(f"`{c}`" for c in columns[:30]) + (" …" if len(columns) > 30 else "")
    others = f" (and {len(missing) - 1} more mapped column(s))" if len(missing) > 1 else ""
    close = [c for c in columns if c.strip().lower() == col.strip().lower()] or \
        difflib.get_close_matches(col, columns, n=1, cutoff=0.75)
    hint = f"did you mean `{close[0]}`? " if close else ""
    raise InputError(
        f"{path}: column `{col}` (sources.{name}.columns.{field}) not found{others}; "
        f"{hint}the file has columns {shown}; fix the mapping in {project_file}"
    )


def inspect_source(
    project: Project, name: str, project_file: Path, temp_dir: Path | None = None
) -> SourceLayout:
    """Check an extract can be read as declared, and describe it."""
    import duckdb

    spec = project.sources[name]
    path = project.source_path(name)
    if not path.is_file():
        raise InputError(
            f"{path}: file not found (sources.{name}.path in {project_file}); "
            "check the path, which is relative to the project file"
        )
    if spec.file_format == "parquet":
        try:
            import pyarrow.parquet as pq

            columns = list(pq.read_schema(path).names)
            con = duckdb.connect()
            desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_sq(path)}')").fetchall()
            con.close()
        except Exception as exc:  # any reader failure is bad input, not a bug
            raise InputError(
                f"{path}: cannot be read as Parquet ({type(exc).__name__}); "
                f"check sources.{name}.path or set `format: csv`"
            ) from None
        check_columns(path, name, spec, columns, project_file)
        return SourceLayout(name, path, "parquet", "", tuple(columns),
                            {str(r[0]): str(r[1]) for r in desc})
    codec = _codec(project_file, name, spec)
    copy = check_encoding(path, codec, temp_dir, f"sources.{name}.encoding")
    try:
        columns = read_header(copy or path, "utf-8" if copy else codec, spec.delimiter,
                              f"sources.{name}.path")
        check_columns(path, name, spec, columns, project_file)
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    enc = "utf-8" if copy else NATIVE_ENCODINGS[codec]
    return SourceLayout(name, copy or path, "csv", enc, tuple(columns),
                        dict.fromkeys(columns, "VARCHAR"), temp_copy=copy)


def _sq(path: Path) -> str:
    return str(path).replace("'", "''")
