"""Alerts: what in a project's data will mislead, found from the published profile.

Pure: every alert is read from the ``profile.json`` document (its per-field issue counts
and its standardisation log), never from a record, so an alert carries the same published
(disclosure-controlled) counts as the profile and names no value of any record. See
``docs/schemas/profile.md`` (``alerts``) for the codes.

- ``unreadable``: a mapped field whose values are unreadable for more than half of the
  source's records (dates that do not parse, NHS numbers that are not 10 digits, …);
- ``not_in_code_set``: coded values (sex, ethnicity) outside the code set, at least 8;
- ``held_one_side``: an identifier held by one source of a linked pair only;
- ``nhs_spreadsheet_form``: NHS numbers that went through a spreadsheet (repaired or lost);
- ``nhs_token_one_side``: NHS numbers pseudonymised (tokens) on one side of a pair and in
  clear on the other, so they can never agree.
- ``extra_unreadable``: an optional extra (UPRN, LSOA, IMD decile) set to NULL for failing
  its format in more than half of the source's records (a warning: the rest is still used).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from linkready.ingest import _rules as R
from linkready.privacy import SUPPRESSED

Severity = Literal["error", "warning"]

#: Issue codes that mean "a value is there but cannot be read", per identifying field.
UNREADABLE_ISSUES: dict[str, tuple[str, ...]] = {
    "nhs_number": ("non_numeric", "wrong_length"),
    "given_name": ("non_alphabetic",),
    "family_name": ("non_alphabetic",),
    "dob": ("unparseable",),
    "postcode": ("invalid_format",),
}
#: Dates of birth after the reference date (set to NULL at ingest) are an alert from this
#: share of the source's records and MIN_FUTURE_DOB of them (a handful is keying error).
FUTURE_DOB_SHARE = 0.05
MIN_FUTURE_DOB = 8
#: Rows a CSV reader left out (``rows_rejected``) are an error from this share of the rows
#: (a warning from MIN_OUT_OF_SET of them).
REJECTED_ERROR_SHARE = 0.1
#: Coded fields and the code set their values must come from.
CODE_SETS: dict[str, str] = {"sex": "NHS person stated gender codes",
                             "ethnicity": "NHS ethnic category codes"}
#: A field is unreadable when more than this share of the source's records cannot be read.
UNREADABLE_SHARE = 0.5
#: Out-of-set coded values are reported from this many records (smaller counts are noise).
MIN_OUT_OF_SET = 8
#: The identifiers linkage compares: one held by a single side of a pair is not compared.
PAIR_FIELDS = ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode",
               "middle_names", "address_line", "uprn")

_LABEL = {"nhs_number": "NHS numbers", "given_name": "given names",
          "family_name": "family names", "dob": "dates of birth", "postcode": "postcodes",
          "sex": "sex values", "ethnicity": "ethnicity values"}
_FIX = {
    "nhs_number": "are not 10-digit NHS numbers; map nhs_number to the column that holds "
                  "NHS numbers, or leave it unmapped",
    "given_name": "are not names (digits or punctuation only); map given_name to the "
                  "column that holds given names",
    "family_name": "are not names (digits or punctuation only); map family_name to the "
                   "column that holds family names",
    "postcode": "are not UK postcodes; linkage compares them as normalised strings "
                "(upper case, letters and digits, no district or sector levels); if they "
                "are not postcodes at all, map postcode to the column that holds postcodes",
}
#: Optional extras whose invalid values ingest sets to NULL (``set_null:invalid`` in the
#: standardisation log), and what a valid value looks like.
EXTRA_FORMATS = {"uprn": "UPRNs (1–12 digits)", "lsoa": "LSOA codes or names",
                 "imd_decile": "IMD deciles (1–10)"}
_SPREADSHEET = {
    "quote_removed": "NHS numbers carried a spreadsheet's leading ' (repaired); export the "
                     "column from the source system as text, not through Excel",
    "decimal_suffix_removed": "NHS numbers carried a trailing .0 from a number column "
                              "(repaired); store the column as text",
    "from_float_column": "NHS numbers were read from a floating-point column (repaired); "
                         "store the column as text",
    "scientific_notation": "NHS numbers are in scientific notation and have lost digits "
                           "(unusable); export the column from the source system as text",
}


@dataclass(frozen=True)
class Alert:
    """One thing that will mislead, with a published count and the fix in one sentence."""

    code: str
    severity: Severity
    source: str
    field: str
    count: int | str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for a terminal: severity, where, and the sentence."""
        return f"{self.severity.upper()} {self.source}.{self.field}: {self.message}"


def from_dict(d: Mapping[str, Any]) -> Alert:
    return Alert(code=d["code"], severity=d["severity"], source=d["source"],
                 field=d["field"], count=d["count"], message=d["message"])


def _num(count: int | str | None) -> int:
    """A published count as a number for comparisons ("*" is below 8, so 0 will do)."""
    return 0 if count in (None, SUPPRESSED) else int(count)  # type: ignore[arg-type]


def _sum_published(figs: Iterable[Mapping[str, Any]]) -> int | str:
    """Published counts added up; "*" only if all are "*" or 0 and one is "*"."""
    vals = [f["count"] for f in figs]
    total = sum(_num(v) for v in vals)
    if total == 0 and SUPPRESSED in vals:
        return SUPPRESSED
    return total


def _pct(count: int | str, records: int | str) -> str:
    if _num(records) == 0 or count == SUPPRESSED:
        return ""
    return f" ({100 * min(_num(count) / _num(records), 1.0):.0f}% of records)"


def _dob_message(count: int | str, records: int | str) -> str:
    # A dob_format that another common format fits (90% of the dates) is refused at
    # ingest, naming that format (linkready.ingest._guards.check_dob_format); so here no
    # single common format reads nearly all the dates: they are not dates, or mix formats.
    tried = ", ".join(R.DOB_FORMAT_GUESSES[:3])
    return (f"{count} dates of birth{_pct(count, records)} do not parse with dob_format, and "
            f"no single common format (of {len(R.DOB_FORMAT_GUESSES)} tried, e.g. {tried}) "
            "reads nearly all of them; check that dob is mapped to the date-of-birth column, "
            "and if the dates mix formats list each in dob_format (e.g. "
            '["%d/%m/%Y", "%Y-%m-%d"])')


def source_alerts(name: str, src: Mapping[str, Any]) -> list[Alert]:
    """Alerts read from one source's published profile."""
    out: list[Alert] = []
    records = src["records"]
    fields = src["fields"]
    for field, issues in UNREADABLE_ISSUES.items():
        entry = fields.get(field, {})
        if not entry.get("held"):
            continue
        figs = [entry.get("issues", {})[i] for i in issues if i in entry.get("issues", {})]
        n = _sum_published(figs)
        if _num(records) and _num(n) / _num(records) > UNREADABLE_SHARE:
            msg = (_dob_message(n, records) if field == "dob" else
                   f"{n} {_LABEL[field]}{_pct(n, records)} {_FIX[field]}")
            out.append(Alert("unreadable", "error", name, field, n, msg))
    for entry in src.get("standardisation", []):
        if (entry["field"], entry["action"]) != ("record_id", "rows_rejected"):
            continue
        n = entry["count"]
        if _num(n) < MIN_OUT_OF_SET:
            continue
        share = _num(n) / (_num(records) + _num(n))
        out.append(Alert(
            "rows_rejected", "error" if share >= REJECTED_ERROR_SHARE else "warning", name,
            "record_id", n,
            f"{n} rows ({100 * share:.0f}% of the rows) could not be parsed (more fields "
            "than the header, or a broken quote) and were left out; quote fields that hold "
            "the delimiter when exporting, or check `delimiter:`"))
    dob = fields.get("dob", {})
    for issue, kind, says in (
            ("future", "future_dob", "are after the reference date and were set to NULL; "
             "check reference_date (the extract date) in the project file (two-digit "
             "years, %y, are read on or before it)"),
            ("too_early", "early_dob", f"are before {R.EARLIEST_DOB:%Y} and were set to "
             "NULL; check that dob is mapped to the date-of-birth column and that "
             "dob_format fits it (a system's default date such as 0001-01-01 means 'not "
             "known')")):
        fig = dob.get("issues", {}).get(issue) if dob.get("held") else None
        if not (fig and _num(records) and _num(fig["count"]) >= MIN_FUTURE_DOB
                and _num(fig["count"]) / _num(records) >= FUTURE_DOB_SHARE):
            continue
        n = fig["count"]
        level: Severity = "error" if _num(n) / _num(records) > UNREADABLE_SHARE else "warning"
        out.append(Alert(kind, level, name, "dob", n,
                         f"{n} dates of birth{_pct(n, records)} {says}"))
    for field, code_set in CODE_SETS.items():
        entry = fields.get(field, {})
        fig = entry.get("issues", {}).get("out_of_set") if entry.get("held") else None
        if not fig or _num(fig["count"]) < MIN_OUT_OF_SET:
            continue
        n = fig["count"]
        most = _num(records) and _num(n) / _num(records) > UNREADABLE_SHARE
        out.append(Alert(
            "not_in_code_set", "error" if most else "warning", name, field, n,
            f"{n} {_LABEL[field]}{_pct(n, records)} are not {code_set}; map them with "
            f"`values:` under sources.{name}"))
    for entry in src.get("standardisation", []):
        if entry["field"] != "nhs_number" or entry["action"] not in _SPREADSHEET:
            continue
        if entry["count"] == 0:
            continue
        out.append(Alert("nhs_spreadsheet_form", "warning", name, "nhs_number",
                         entry["count"], f"{entry['count']} {_SPREADSHEET[entry['action']]}"))
    for entry in src.get("standardisation", []):
        field = entry["field"]
        if field not in EXTRA_FORMATS or entry["action"] != "set_null:invalid":
            continue
        n = entry["count"]
        if _num(records) and _num(n) / _num(records) > UNREADABLE_SHARE:
            out.append(Alert(
                "extra_unreadable", "warning", name, field, n,
                f"{n} values{_pct(n, records)} are not {EXTRA_FORMATS[field]} and were set "
                f"to NULL, so {field} is used for the rest only; map {field} to the column "
                f"that holds {EXTRA_FORMATS[field].split(' (')[0]}"))
    return out


def pair_alerts(sources: Mapping[str, Any], pairs: Iterable[tuple[str, str]]) -> list[Alert]:
    """An identifier held by one side of a linked pair only (it cannot be compared)."""
    out: list[Alert] = []
    for left, right in pairs:
        if left == right or left not in sources or right not in sources:
            continue
        for field in PAIR_FIELDS:
            held = {s: bool(sources[s]["fields"].get(field, {}).get("held"))
                    for s in (left, right)}
            if held[left] == held[right]:
                continue
            has, lacks = (left, right) if held[left] else (right, left)
            out.append(Alert(
                "held_one_side", "warning", has, field, sources[has]["records"],
                f"{field} is held by {has} but not by {lacks}, so the {left} ↔ {right} "
                f"pair cannot compare it; map {lacks}'s {field} column if it has one"))
        forms = {s: sources[s]["fields"].get("nhs_number", {}).get("form") for s in (left, right)}
        if None not in forms.values() and len(set(forms.values())) == 2:
            tok, clear = (left, right) if forms[left] == "token" else (right, left)
            out.append(Alert(
                "nhs_token_one_side", "warning", tok, "nhs_number", sources[tok]["records"],
                f"{tok}'s NHS numbers are pseudonymised tokens but {clear}'s are in clear, "
                f"so the {left} ↔ {right} pair can never match on NHS number; tokenise "
                f"{clear}'s with the same key (or link on names and DOB only)"))
    return out


def profile_alerts(sources: Mapping[str, Any],
                   pairs: Iterable[tuple[str, str]] = ()) -> list[Alert]:
    """Every alert for a profile's ``sources`` (and the pairs to be linked), errors first."""
    alerts = [a for name, s in sources.items() for a in source_alerts(name, s)]
    alerts += pair_alerts(sources, pairs)
    return sorted(alerts, key=lambda a: a.severity != "error")


def errors(alerts: Iterable[Alert]) -> list[Alert]:
    return [a for a in alerts if a.severity == "error"]


def unreadable_fields(alerts: Iterable[Alert], source: str) -> set[str]:
    """Fields of ``source`` mapped but unreadable for most records."""
    return {a.field for a in alerts
            if a.source == source and a.code in ("unreadable", "not_in_code_set", "future_dob",
                                              "early_dob")
            and a.severity == "error"}
