"""Hand-built extracts and project files for the ingest, profile and validate tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

#: The canonical mapping used by most hand-built extracts (canonical field → column).
COLUMNS = {
    "record_id": "ID",
    "nhs_number": "NHS",
    "given_name": "FORENAME",
    "family_name": "SURNAME",
    "dob": "DOB",
    "sex": "SEX",
    "postcode": "POSTCODE",
    "ethnicity": "ETHNICITY",
}
REFERENCE_DATE = "2025-01-01"


def write_csv(path: Path, header: list[str], rows: list[list[Any]], delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    """Write rows under a header; None is written as an empty field."""
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
    return path


def write_project(directory: Path, sources: dict[str, dict[str, Any]], **extra: Any) -> Path:
    """Write ``project.yaml`` declaring ``sources`` (each a SourceSpec mapping)."""
    data = {"name": "test", "reference_date": REFERENCE_DATE, **extra, "sources": sources}
    path = directory / "project.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def one_source(directory: Path, rows: list[dict[str, Any]], name: str = "src",
               columns: dict[str, str] | None = None, **spec: Any) -> Path:
    """A project with one CSV source built from dicts keyed by canonical field."""
    columns = dict(columns or COLUMNS)
    header = [columns[f] for f in columns]
    body = [[r.get(f) for f in columns] for r in rows]
    write_csv(directory / f"{name}.csv", header, body)
    spec = {"path": f"{name}.csv", "columns": columns, "dob_format": "%d/%m/%Y", **spec}
    return write_project(directory, {name: spec})


def person(i: int, **overrides: Any) -> dict[str, Any]:
    """A clean record with valid identifiers; ``overrides`` replace fields."""
    base = {
        "record_id": f"R{i:04d}",
        "nhs_number": VALID_NHS[i % len(VALID_NHS)],
        "given_name": GIVEN[i % len(GIVEN)],
        "family_name": "Lovelace",
        "dob": "10/12/1980",
        "sex": "2",
        "postcode": "NW1 2AB",
        "ethnicity": "A",
    }
    return {**base, **overrides}


GIVEN = ["Ada", "Bea", "Cal", "Dev", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kit", "Lou",
         "Max", "Ned", "Oli", "Pam", "Quin", "Rex", "Sam", "Tom", "Una", "Val", "Wes", "Xia",
         "Yan", "Zoe"]
#: Valid NHS numbers from the 999 test range (Modulus 11 passes, not repdigits).
VALID_NHS = ["9990000018", "9990000026", "9990000034", "9990000042", "9990000050",
             "9990000069", "9990000077", "9990000085", "9990000093", "9990000107"]
