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


def add_truth(project: Path) -> Path:
    """Write truth.parquet for :func:`write_world`'s people (without duplicates) beside
    ``project`` and name it under ``truth:``; return the project file."""
    import pandas as pd
    import yaml

    pd.DataFrame({"source": ["gp"] * GP + ["council"] * COUNCIL,
                  "record_id": [f"G{i:03d}" for i in range(GP)]
                  + [f"C{i:03d}" for i in range(COUNCIL)],
                  "person_id": [f"P{i}" for i in range(GP)]
                  + [f"P{i}" for i in range(COUNCIL)]}).to_parquet(
        project.parent / "truth.parquet")
    doc = yaml.safe_load(project.read_text(encoding="utf-8"))
    project.write_text(yaml.safe_dump({**doc, "truth": "truth.parquet"}), encoding="utf-8")
    return project


UNREADABLE_DOB = "31/02/1990x"


def write_unreadable_dob_world(folder: Path, *, clients: int = 200, duplicates: int = 8,
                               unreadable: int = 50, seed: int = 9) -> Path:
    """A council client list alone, deduplicated ([council, council]), after qa9's
    hand-written extract: ``clients`` people drawn (seeded) from 30 given and 30 family
    names, 10 postcodes and random DOBs (so strangers share names, and now and then a
    DOB), with light typos; the first ``duplicates`` clients have a second, clean record
    (C2000…). The first ``unreadable`` records' DOB is ``31/02/1990x`` (read as missing),
    which includes the first record of every duplicate: no duplicate pair shares a DOB."""
    import random

    r = random.Random(seed)
    given = (GIVEN + FAMILY)[:30]
    family = (FAMILY + GIVEN)[:30]
    postcodes = [f"LS{k} {k}AB" for k in range(1, 11)]
    people = [(r.choice(given), r.choice(family),
               f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(1930, 2015)}",
               r.choice("12"), r.choice(postcodes)) for _ in range(clients)]

    def typo(s: str) -> str:
        if r.random() < 0.1 and len(s) > 3:
            i = r.randint(1, len(s) - 2)
            return s[:i] + s[i + 1] + s[i] + s[i + 2:]
        return s

    rows = [[f"C{1000 + k}", None, typo(g).upper(), typo(f), dob, sex, pc]
            for k, (g, f, dob, sex, pc) in enumerate(people)]
    rows += [[f"C{2000 + k}", None, g, f, dob, sex, pc]
             for k, (g, f, dob, sex, pc) in enumerate(people[:duplicates])]
    for k in range(unreadable):
        rows[k][4] = UNREADABLE_DOB
    cols = {k: v for k, v in COLUMNS.items() if k != "nhs_number"}
    write_csv(folder / "council.csv", [h for h in HEADER if h != "NHS"],
              [[v for j, v in enumerate(row) if j != 1] for row in rows])
    return write_project(folder, {"council": {"path": "council.csv", "columns": cols,
                                              "dob_format": "%d/%m/%Y"}},
                         pairs=[["council", "council"]])
