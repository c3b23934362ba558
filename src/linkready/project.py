"""The project file (``project.yaml``): which extracts to read and how to map them.

``generate`` writes one for synthetic data; analysts write one by hand for their own
extracts. See ``docs/project-yaml.md``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from linkready._config import file_kind, read_yaml, validate
from linkready.errors import ConfigError

#: Fields of the canonical record, in order. ``record_id`` is required; others may be absent.
CANONICAL_FIELDS: tuple[str, ...] = (
    "record_id",
    "nhs_number",
    "given_name",
    "family_name",
    "dob",
    "sex",
    "postcode",
    "ethnicity",
)
#: Optional extras a mapping may supply.
EXTRA_FIELDS: tuple[str, ...] = (
    "middle_names",
    "address_line",
    "lsoa",
    "imd_decile",
    "local_id",
    "uprn",
)
#: Fields that may be mapped to a list of columns, joined in order with a space (empty
#: parts skipped), e.g. ``address_line: [street, locality, town]``.
JOINABLE_FIELDS: tuple[str, ...] = ("given_name", "family_name", "middle_names",
                                    "address_line", "postcode")
CODED_FIELDS = ("sex", "ethnicity")
#: Fields that identify a person: ``record_id`` must not be one of them (it is written to
#: links.parquet and clusters.parquet) unless the source opts in.
IDENTIFIER_FIELDS: tuple[str, ...] = (
    "nhs_number", "given_name", "family_name", "dob", "postcode", "middle_names",
    "address_line", "uprn",
)
#: Source names become file names (``expectations/NAME.json``) and SQL literals: a letter,
#: digit or underscore first, then those, spaces, hyphens, dots and apostrophes; no path
#: separators, brackets, colons or commas (``--pairs A:B,C:D``), no control characters.
SOURCE_NAME = re.compile(r"[^\W][\w' .-]{0,63}")
#: strftime directives DuckDB's ``strptime`` understands (``-`` for no padding).
_DATE_DIRECTIVE = re.compile(r"%(?:-[dmyHIMSj]|[aAwdbBhmyYHIpMSfzZjUWcxXgGnTuV%])")


def printable(text: str, limit: int = 60) -> str:
    """A user-supplied name for a message: control characters escaped, length capped."""
    out = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def source_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a source name, or None when it can."""
    if SOURCE_NAME.fullmatch(name) and not name.endswith((" ", ".")) and ".." not in name:
        return None
    return (f"source name `{printable(name)}` is not allowed; use letters, digits, "
            "underscores, hyphens, dots, spaces or apostrophes (at most 64, starting with a "
            "letter or digit, e.g. kings_college)")


def date_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` is not a usable ``strptime`` format, or None."""
    if not fmt.strip():
        return "dob_format is empty; write e.g. \"%d/%m/%Y\" for 31/12/1980"
    rest = _DATE_DIRECTIVE.sub("", fmt)
    if "%" in rest:
        bad = rest[rest.index("%"):][:3]
        return (f"dob_format `{printable(fmt)}` has an unknown code `{printable(bad)}`; use "
                "strptime codes such as %d, %m, %Y, %y, %b")
    if not _DATE_DIRECTIVE.search(fmt):
        return (f"dob_format `{printable(fmt)}` has no % codes; write e.g. \"%d/%m/%Y\" "
                "for 31/12/1980 (not DD/MM/YYYY)")
    return None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceSpec(_Frozen):
    """One extract: where it is, how to read it, and how its columns map to canonical fields."""

    path: str
    format: Literal["csv", "parquet"] | None = None
    encoding: str = "utf-8"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    #: The worksheet of an ``.xlsx`` workbook that holds the records (needed when the
    #: workbook has more than one).
    sheet: str | None = None
    #: Canonical field → column; a field in JOINABLE_FIELDS may name a list of columns.
    columns: dict[str, str | list[str]]
    dob_format: str | list[str] = "%Y-%m-%d"
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)
    description: str | None = None
    #: Accept a ``record_id`` that is (or holds) a personal identifier such as the NHS
    #: number; it then appears in links.parquet and clusters.parquet.
    record_id_is_identifier: bool = False
    #: Fields that hold pseudonymised tokens (e.g. hex from a keyed hash, as ICBs and
    #: secure environments supply NHS numbers) rather than the identifier itself: read
    #: as opaque text, compared exactly, profiled as tokens. Only ``nhs_number`` for now.
    pseudonymised: list[Literal["nhs_number"]] = Field(default_factory=list)

    @field_validator("columns", "values", mode="before")
    @classmethod
    def _integers_as_text(cls, value: Any) -> Any:
        """A column named 2019 or a code written 1 is text in the file; YAML makes it an
        integer. (True/false, from YAML's Yes/No, stays an error: its text is lost.)"""
        def text(v: Any) -> Any:
            return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

        if not isinstance(value, dict):
            return value
        return {k: ({text(a): text(b) for a, b in v.items()} if isinstance(v, dict)
                    else [text(c) for c in v] if isinstance(v, list) else text(v))
                for k, v in value.items()}

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        allowed = set(CANONICAL_FIELDS) | set(EXTRA_FIELDS)
        unknown = sorted(set(columns) - allowed)
        if unknown:
            raise ValueError(
                f"unknown canonical field(s) {', '.join(unknown)}; "
                f"use any of {', '.join(CANONICAL_FIELDS + EXTRA_FIELDS)}"
            )
        if "record_id" not in columns:
            raise ValueError("record_id must be mapped to a column that identifies each row")
        for f, col in columns.items():
            if isinstance(col, str):
                continue
            if f not in JOINABLE_FIELDS:
                raise ValueError(f"{f} is mapped to a list of columns; map it to one column "
                                 f"(lists are allowed for {', '.join(JOINABLE_FIELDS)})")
            if not col or len(set(col)) < len(col):
                raise ValueError(f"{f}: the list of columns is empty or names a column twice; "
                                 "list each column once, e.g. [street, town]")
        return columns

    @field_validator("delimiter")
    @classmethod
    def _usable_delimiter(cls, value: str) -> str:
        if value in ('"', "\n", "\r", "\x00"):
            raise ValueError(f"delimiter `{printable(value)}` cannot separate fields (it is "
                             "the quote character or a line break); use e.g. \",\" or \";\"")
        return value

    @field_validator("dob_format")

    @classmethod
    def _date_formats(cls, value: str | list[str]) -> str | list[str]:
        for fmt in [value] if isinstance(value, str) else value:
            if (problem := date_format_problem(fmt)) is not None:
                raise ValueError(problem)
        if not isinstance(value, str) and not value:
            raise ValueError("dob_format is an empty list; give at least one format")
        return value

    @model_validator(mode="after")
    def _record_id_not_identifier(self) -> SourceSpec:
        if self.record_id_is_identifier:
            return self
        col = str(self.columns["record_id"])
        shared = [f for f in IDENTIFIER_FIELDS if col in self.column_list(f)]
        if shared:
            raise ValueError(
                f"record_id is mapped to column `{printable(col)}`, the same column as "
                f"{shared[0]}, and record ids go into links.parquet; map it to a row id, or "
                "set `record_id_is_identifier: true` on this source"
            )
        return self

    @model_validator(mode="after")
    def _pseudonymised_held(self) -> SourceSpec:
        unmapped = [f for f in self.pseudonymised if f not in self.columns]
        if unmapped:
            raise ValueError(f"pseudonymised lists {unmapped[0]}, which `columns` does not "
                             f"map; map {unmapped[0]} to its token column, or remove it from "
                             "pseudonymised")
        return self

    @property
    def nhs_tokens(self) -> bool:
        """Whether the NHS number column holds pseudonymised tokens."""
        return "nhs_number" in self.pseudonymised

    @field_validator("values")
    @classmethod
    def _coded_only(cls, values: dict[str, dict[str, str | None]]) -> dict[str, Any]:
        unknown = sorted(set(values) - set(CODED_FIELDS))
        if unknown:
            raise ValueError(f"value maps are allowed for {', '.join(CODED_FIELDS)} only")
        return values

    @property
    def dob_formats(self) -> list[str]:
        return [self.dob_format] if isinstance(self.dob_format, str) else list(self.dob_format)

    @property
    def file_format(self) -> str:
        if self.format:
            return self.format
        return "parquet" if self.path.lower().endswith(".parquet") else "csv"

    def held(self, field: str) -> bool:
        """Whether the source declares a column for a canonical field."""
        return field in self.columns

    def column(self, field: str) -> str:
        """The (first) column a field is mapped to; fields that cannot name a list of
        columns (record_id, nhs_number, dob …) have exactly one."""
        return self.column_list(field)[0]

    def column_list(self, field: str) -> list[str]:
        """The columns a field is mapped to, in order (none when it is not mapped)."""
        col = self.columns.get(field)
        return [] if col is None else [col] if isinstance(col, str) else list(col)


class ValidationSettings(_Frozen):
    """How strict ``linkready validate`` is: the ``mostly`` share for not-null checks."""

    #: Share of records that must hold a value, for fields not listed in ``mostly``.
    default_mostly: Annotated[float, Field(ge=0, le=1)] = 0.95
    #: Per canonical field, e.g. ``{nhs_number: 0.99, ethnicity: 0.8}``.
    mostly: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    #: Rows per pandas batch handed to Great Expectations.
    chunk_rows: Annotated[int, Field(ge=1000)] = 500_000

    @field_validator("mostly")
    @classmethod
    def _known(cls, mostly: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(mostly) - set(CANONICAL_FIELDS) - set(EXTRA_FIELDS))
        if unknown:
            raise ValueError(f"unknown canonical field(s) {', '.join(unknown)}")
        return mostly

    def mostly_for(self, field: str) -> float:
        return self.mostly.get(field, self.default_mostly)


class LinkSettings(_Frozen):
    """How ``linkready link`` may block: the most comparisons one pair may generate when
    it loosens its blocking rules (None: 10 per record of both sources, at least 2
    million)."""

    comparisons_budget: Annotated[int, Field(ge=1000)] | None = None


class Project(_Frozen):
    """A linkage project: its sources, the spine, the pairs to link, optional truth."""

    name: str
    truth: str | None = None
    population: str | None = None
    spine: str | None = None
    pairs: list[tuple[str, str]] | None = None
    sources: dict[str, SourceSpec]
    #: The date ages and "future" dates are measured against; default: today.
    reference_date: date | None = None
    #: Thresholds for ``linkready validate``.
    validation: ValidationSettings = Field(default_factory=ValidationSettings)
    #: Settings for ``linkready link``.
    link: LinkSettings = Field(default_factory=LinkSettings)
    #: The directory the project file lives in; relative paths resolve against it.
    root: Path = Path(".")
    #: SHA-256 of the project file's bytes as read (set by :func:`load_project`).
    _file_hash: str | None = PrivateAttr(default=None)
    #: Where outputs go by default when not beside the project file (frames projects).
    _results_home: Path | None = PrivateAttr(default=None)
    #: The project file it was read from (set by :func:`load_project`).
    _file: Path | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _printable_name(cls, name: str) -> str:
        # The name is printed on the terminal (where [..] is markup) and in every output.
        if not name.strip() or len(name) > 100 or not name.isprintable() or \
                "[" in name or "]" in name:
            raise ValueError(f"`{printable(name)}` is not a usable project name; use 1–100 "
                             "printable characters without square brackets")
        return name

    @field_validator("sources")
    @classmethod
    def _source_names(cls, sources: dict[str, SourceSpec]) -> dict[str, SourceSpec]:

        problems = [p for name in sources if (p := source_name_problem(name)) is not None]
        if problems:
            raise ValueError("; ".join(problems))
        return sources

    @model_validator(mode="after")
    def _references(self) -> Project:
        if not self.sources:
            raise ValueError("sources: declare at least one source")
        names = set(self.sources)
        if self.spine is not None and self.spine not in names:
            raise ValueError(f"spine: `{printable(self.spine)}` is not a source; use one of "
                             f"{sorted(names)}")
        for left, right in self.pairs or []:
            for name in (left, right):
                if name not in names:
                    raise ValueError(
                        f"pairs: `{printable(name)}` is not a source; use one of {sorted(names)}"
                    )
        return self

    @property
    def spine_name(self) -> str:
        """The spine: as declared, else ``gp_register`` if present, else the first source."""
        if self.spine:
            return self.spine
        return "gp_register" if "gp_register" in self.sources else next(iter(self.sources))

    @property
    def link_pairs(self) -> list[tuple[str, str]]:
        """Pairs to link: as declared, else every other source against the spine."""
        if self.pairs:
            return [tuple(p) for p in self.pairs]  # type: ignore[misc]
        spine = self.spine_name
        return [(name, spine) for name in self.sources if name != spine]

    def source_path(self, name: str) -> Path:
        """The extract's absolute path (as written when it cannot be resolved: a symlink
        loop or a NUL character is reported when the file is read)."""
        return _resolved(self.root / self.sources[name].path)

    def reference(self) -> date:
        """The reference date: as declared, else today."""
        return self.reference_date or date.today()

    def truth_path(self) -> Path | None:
        return _resolved(self.root / self.truth) if self.truth else None

    def file(self) -> Path | None:
        """The project file it was read from (None for a project built in Python)."""
        return self._file

    def label(self) -> str:
        """What messages name the project by: the project file it was read from, else
        (a project built in Python) its name."""
        return str(self._file) if self._file is not None else self.name

    def results_home(self) -> Path | None:
        """The default output folder when it is not ``linkready-results/`` beside the
        project file (a project built from DataFrames: the folder holding them)."""
        return self._results_home

    def config_hash(self) -> str:
        """The project's one provenance hash: the SHA-256 (hex) of the project file's
        bytes as :func:`load_project` read them; for a project built in Python, of the
        UTF-8 bytes of :func:`dump_project` (the file :func:`save_project` writes)."""
        if self._file_hash is not None:
            return self._file_hash
        return config_hash_of(dump_project(self).encode("utf-8"))


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return path


#: The shape of each project key whose value can be of the wrong shape, as the line
#: reporting it shows (docs/project-yaml.md has them all).
PROJECT_SHAPES = {
    "pairs": "a list of [left, right] source names, e.g. pairs: [[acute, gp_register]]",
    "sources": "one entry per extract, NAME: {path: FILE, columns: {record_id: COLUMN, …}}",
    "columns": "a mapping of canonical field to column, e.g. {record_id: ID, "
               "nhs_number: NHS_NO}",
    "values": "a mapping of field to {raw value: code}, e.g. {sex: {Male: \"1\"}}",
    "dob_format": "one format or a list of them, e.g. \"%d/%m/%Y\"",
}


def load_project(path: str | Path) -> Project:
    """Read and validate ``project.yaml``; raise ConfigError listing every problem."""
    path = Path(path)
    data = read_yaml(path)
    if file_kind(data) == "scenario":
        raise ConfigError(f"{path}: a scenario (for `linkready generate`), not a project "
                          f"file; run `linkready generate {path} --out DIR`, then use "
                          "DIR/project.yaml")
    if "root" in data:
        raise ConfigError(f"{path}: root: unknown key; remove it (paths are relative to the file)")
    data = {**data, "root": path.resolve().parent}
    project = validate(Project, data, path, "the project file", PROJECT_SHAPES)
    project._file_hash = config_hash_of(path.read_bytes())
    project._file = path
    return project


def config_hash_of(data: bytes) -> str:
    """SHA-256 (hex) of a project file's bytes: the ``config_hash`` of every output."""
    return hashlib.sha256(data).hexdigest()


def project_from_dict(data: dict[str, Any], root: str | Path = ".") -> Project:
    """A project built in Python from the mapping a project file holds; relative paths
    resolve against ``root``. Raises ConfigError listing every problem."""
    if "root" in data:
        raise ConfigError("project: root: unknown key; pass root= instead")
    where = Path(root).resolve()
    return validate(Project, {**data, "root": where}, where / "(project)", "the project")


def dump_project(project: Project) -> str:
    """The YAML text of a project, without its resolved root."""
    data = project.model_dump(mode="json", exclude={"root"}, exclude_none=True)
    if project.validation == ValidationSettings():
        data.pop("validation", None)
    for source in data["sources"].values():
        if not source.get("record_id_is_identifier"):
            source.pop("record_id_is_identifier", None)
        if not source.get("pseudonymised"):
            source.pop("pseudonymised", None)
    if project.link == LinkSettings():
        data.pop("link", None)
    if data.get("pairs") is not None:
        data["pairs"] = [list(p) for p in data["pairs"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
