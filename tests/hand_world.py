"""A small hand-written pair of extracts with no truth file: a GP register and a council's
client list, for the dedupe and what-if tests.

Every person is built from their index alone, so each figure the tests assert can be
counted by hand: the council holds people 0..COUNCIL-1, all of whom are on the GP register
(GP holds 0..GP-1); the first ``with_nhs`` council records carry their NHS number, the
others none, with names, DOB, sex and postcode exactly as on the GP register.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from linkready.nhs import valid_test_range_numbers
from lr_extracts import write_csv, write_project

GIVEN = ["Ada", "Bea", "Cal", "Dev", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kit", "Lou",
         "Max", "Ned", "Oli", "Pam", "Quin", "Rex", "Sam", "Tom", "Una", "Val", "Wes", "Xia",
         "Yan", "Zoe", "Amir", "Bilal", "Chen", "Dara", "Elif"]
FAMILY = ["Lovelace", "Turing", "Hopper", "Noether", "Curie", "Franklin", "Darwin",
          "Faraday", "Babbage", "Somerville", "Herschel", "Hodgkin", "Meitner", "Nightingale",
          "Seacole", "Jenner", "Lister", "Snow", "Fleming", "Hawking", "Anning", "Boole",
          "Maxwell"]
HEADER = ["ID", "NHS", "FORENAME", "SURNAME", "DOB", "SEX", "POSTCODE"]
COLUMNS = {"record_id": "ID", "nhs_number": "NHS", "given_name": "FORENAME",
           "family_name": "SURNAME", "dob": "DOB", "sex": "SEX", "postcode": "POSTCODE"}
GP = 80
COUNCIL = 40


def nhs_of(i: int) -> str:
    """Person ``i``'s NHS number (valid, from the 999 test range)."""
    return str(int(valid_test_range_numbers()[100 + 7 * i]))


def row(i: int, record_id: str, nhs: bool) -> list[Any]:
    """Person ``i`` as an extract row."""
    dob = f"{1 + (i * 5) % 28:02d}/{1 + (i * 7) % 12:02d}/{1930 + (i * 3) % 80}"
    postcode = f"LS{1 + i % 9} {i % 10}{'ABDEFGHJLN'[i % 10]}{'PQRSTUWXYZ'[(i // 10) % 10]}"
    return [record_id, nhs_of(i) if nhs else None, GIVEN[i % len(GIVEN)],
            FAMILY[i % len(FAMILY)], dob, "1" if i % 2 else "2", postcode]


def write_world(folder: Path, *, with_nhs: int, duplicates: int = 0,
                duplicate_nhs: int = 0, dedupe: bool = False) -> Path:
    """Write gp.csv, council.csv and project.yaml into ``folder``; return the project
    file. ``duplicates`` council people (0..duplicates-1) get a second record; the first
    ``duplicate_nhs`` of those carry the NHS number, the rest none. ``dedupe`` adds the
    pair [council, council]."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "gp.csv", HEADER, [row(i, f"G{i:03d}", True) for i in range(GP)])
    council = [row(i, f"C{i:03d}", i < with_nhs) for i in range(COUNCIL)]
    council += [row(i, f"D{i:03d}", i < duplicate_nhs) for i in range(duplicates)]
    write_csv(folder / "council.csv", HEADER, council)
    spec = {"columns": COLUMNS, "dob_format": "%d/%m/%Y"}
    pairs = [["council", "gp"]] + ([["council", "council"]] if dedupe else [])
    return write_project(folder, {"council": {"path": "council.csv", **spec},
                                  "gp": {"path": "gp.csv", **spec}},
                         spine="gp", pairs=pairs)
