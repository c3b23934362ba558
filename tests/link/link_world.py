"""A tiny, seeded synthetic world written straight into a workspace's ``records`` table.

It stands in for ``generate`` + ``ingest`` so the link tests are fast and independent of
them: persons with names, DOB, postcode, NHS number; sources that cover a share of the
persons with a few errors each; truth and population tables as ``generate`` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

import linkready
from linkready import TrainingConfig
from linkready.nhs import sample_test_numbers
from linkready.outdir import RESULTS_DIRNAME, claim, register

#: Small training caps keep Splink runs in tests to a second or two.
FAST = TrainingConfig(u_max_pairs=2e5, em_max_pairs=2e5)

GIVEN_M = ["JAMES", "JOHN", "DAVID", "MOHAMMED", "ALI", "OLUWASEUN", "KWAME", "RAJ", "ADAM",
           "THOMAS", "LIAM", "NOAH", "OLIVER", "HARRY", "JACK", "GEORGE", "ARJUN", "WEI",
           "DANIEL", "SAMUEL", "JOSEPH", "MICHAEL", "PETER", "PAUL", "MARK", "LUKE", "AHMED",
           "IBRAHIM", "CHINEDU", "EMEKA", "KOFI", "RAVI", "SANJAY", "PAVEL", "TOMASZ", "LUCA"]
GIVEN_F = ["MARY", "SARAH", "FATIMA", "AISHA", "GRACE", "PRIYA", "AMELIA", "OLIVIA", "EMMA",
           "SOPHIE", "CHLOE", "RUBY", "ZARA", "MEI", "NGOZI", "ADAEZE", "ANNA", "LUCY", "ELLA",
           "HANNAH", "JESSICA", "LAURA", "RACHEL", "KATE", "AMINA", "SANA", "DEEPA", "NADIA",
           "CHIAMAKA", "ABENA", "MARTA", "AGNIESZKA", "GIULIA", "ISLA", "FREYA", "MAYA"]
FAMILY = ["SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES",
          "PATEL", "KHAN", "AHMED", "BEGUM", "ALI", "HUSSAIN", "SINGH", "SHAH", "OKAFOR",
          "ADEYEMI", "MENSAH", "OWUSU", "WANG", "CHEN", "LI", "NOWAK", "KOWALSKI", "ROSSI",
          "MURPHY", "KELLY", "WALKER", "WRIGHT", "ROBINSON", "THOMPSON", "WHITE", "HUGHES",
          "EDWARDS", "GREEN", "HALL", "WOOD", "HARRIS", "LEWIS", "MARTIN", "JACKSON", "CLARKE",
          "CLARK", "TURNER", "HILL", "SCOTT", "COOPER", "MORRIS", "WARD", "MOORE", "KING",
          "WATSON", "BAKER", "HARRISON", "MORGAN", "PATTERSON", "YOUNG", "ALLEN", "MITCHELL",
          "OBI", "NWOSU", "BANDA", "OSEI", "BOATENG", "ASANTE", "RAHMAN", "UDDIN", "MIAH",
          "CHOWDHURY", "IQBAL", "MAHMOOD", "AKHTAR", "NGUYEN", "TRAN", "KIM", "PARK", "LEE"]
DISTRICTS = ["NW1", "NW3", "NW5", "NW6", "WC1", "N1", "N7", "N19", "E1", "E2", "E3", "SE1",
             "SE5", "SE15", "SW2", "SW9", "W9", "W10"]
GROUPS = ["white", "mixed", "asian", "black", "other"]
GROUP_CODE = {"white": "A", "mixed": "D", "asian": "H", "black": "N", "other": "S"}
BANDS = [(0, "0-17"), (18, "18-29"), (30, "30-49"), (50, "50-64"), (65, "65-79"), (80, "80+")]


@dataclass(frozen=True)
class SourceSim:
    """One simulated source: coverage, NHS-number completeness, and error rates."""

    name: str
    coverage: float
    nhs_present: float = 0.99
    typo: float = 0.02
    swap: float = 0.01
    dob_error: float = 0.005
    postcode_stale: float = 0.15
    duplicates: float = 0.0
    #: Multiplier on ``nhs_present`` misses and name typos for minority ethnic groups.
    minority_error_multiplier: float = 1.0


@dataclass(frozen=True)
class World:
    """A synthetic world: the persons and the sources drawn from them."""

    persons: int = 1500
    seed: int = 7
    sources: tuple[SourceSim, ...] = field(default_factory=lambda: (
        SourceSim("gp_register", 0.97, duplicates=0.01),
        SourceSim("la_adult_social_care", 0.25, nhs_present=0.6, minority_error_multiplier=2.0),
        SourceSim("acute", 0.4),
    ))


def _typo(rng: np.random.Generator, s: str) -> str:
    i = int(rng.integers(0, len(s)))
    kind = rng.integers(0, 3)
    letter = chr(ord("A") + int(rng.integers(0, 26)))
    if kind == 0 and len(s) > 3:
        return s[:i] + s[i + 1:]
    if kind == 1:
        return s[:i] + letter + s[i + 1:]
    return s[:i] + letter + s[i:]


def population(world: World) -> pd.DataFrame:
    """The persons (truth) of a world."""
    rng = np.random.default_rng(world.seed)
    n = world.persons
    sex = rng.choice(["1", "2"], n)
    group = rng.choice(GROUPS, n, p=[0.55, 0.06, 0.2, 0.13, 0.06])
    fam_w = 1 / np.arange(1, len(FAMILY) + 1) ** 0.6
    family = rng.choice(FAMILY, n, p=fam_w / fam_w.sum())
    given = np.where(sex == "1", rng.choice(GIVEN_M, n), rng.choice(GIVEN_F, n))
    age = rng.integers(0, 95, n)
    dob = (pd.Timestamp("2026-06-30") - pd.to_timedelta(age * 365.25 + rng.integers(0, 365, n),
                                                        unit="D")).normalize()
    district = rng.choice(DISTRICTS, n)
    unit = [f"{d} {rng.integers(1, 9)}{chr(65 + rng.integers(0, 6))}{chr(65 + rng.integers(0, 6))}"
            for d in district]
    imd = rng.integers(1, 11, n)
    band = [next(b for lo, b in reversed(BANDS) if a >= lo) for a in age]
    return pd.DataFrame({
        "person_id": np.arange(1, n + 1, dtype=np.int64), "given_name": given,
        "family_name": family, "dob": dob.date, "sex": sex, "postcode": unit,
        "nhs_number": sample_test_numbers(rng, n).astype(str), "ethnic_group": group,
        "ethnicity": [GROUP_CODE[g] for g in group], "age": age, "age_band": band,
        "imd_decile": imd.astype(np.int64), "borough": "camden", "resident": True,
        "died": False, "moved": False, "surname_changed": False, "twin": False,
    })


def _source(world: World, pop: pd.DataFrame, spec: SourceSim, k: int) -> pd.DataFrame:
    rng = np.random.default_rng([world.seed, k])
    picked = pop[rng.random(len(pop)) < spec.coverage]
    if spec.duplicates:
        picked = pd.concat([picked, picked[rng.random(len(picked)) < spec.duplicates]])
    rows = []
    for i, p in enumerate(picked.itertuples()):
        mult = spec.minority_error_multiplier if p.ethnic_group != "white" else 1.0
        given, family = p.given_name, p.family_name
        if rng.random() < spec.typo * mult:
            given = _typo(rng, given)
        if rng.random() < spec.typo * mult:
            family = _typo(rng, family)
        if rng.random() < spec.swap:
            given, family = family, given
        dob = pd.Timestamp(p.dob)
        if rng.random() < spec.dob_error:
            dob = (pd.Timestamp(dob.year, dob.day, dob.month) if dob.day <= 12
                   else dob + pd.Timedelta(days=int(rng.integers(1, 9))))
        postcode = p.postcode
        if rng.random() < spec.postcode_stale:
            postcode = f"{rng.choice(DISTRICTS)} {rng.integers(1, 9)}AA"
        missing = 1 - (1 - spec.nhs_present) * mult
        nhs = p.nhs_number if rng.random() < missing else None
        rows.append({
            "source": spec.name, "record_id": f"{spec.name[:2].upper()}{i:06d}",
            "nhs_number": nhs, "nhs_number_valid": None if nhs is None else True,
            "given_name": given, "family_name": family, "dob": dob.date(),
            "sex": p.sex, "postcode": postcode, "ethnicity": p.ethnicity,
            "person_id": p.person_id,
        })
    return pd.DataFrame(rows)


def write_world(world: World, root: Path) -> Path:
    """Write project.yaml, the workspace, truth.parquet and population.parquet; return the
    project path."""
    root.mkdir(parents=True, exist_ok=True)
    pop = population(world)
    frames = [_source(world, pop, s, k) for k, s in enumerate(world.sources)]
    recs = pd.concat(frames, ignore_index=True)
    recs[["source", "record_id", "person_id"]].to_parquet(root / "truth.parquet", index=False)
    pop.to_parquet(root / "population.parquet", index=False)
    records = recs.drop(columns=["person_id"])  # noqa: F841 - read by DuckDB below
    # The default place of the workspace: linkready-results/, a folder linkready owns.
    results = claim(root / RESULTS_DIRNAME)
    con = duckdb.connect(str(results / "linkready.duckdb"))
    con.execute(
        "CREATE OR REPLACE TABLE records AS SELECT source, record_id, nhs_number, "
        "nhs_number_valid::BOOLEAN AS nhs_number_valid, given_name, family_name, "
        "dob::DATE AS dob, sex, postcode, ethnicity, NULL::VARCHAR AS middle_names, "
        "NULL::VARCHAR AS address_line, NULL::VARCHAR AS uprn, postcode AS postcode_text, "
        "NULL::INTEGER AS imd_decile FROM records"
    )
    con.close()
    register(results, "workspace", ["linkready.duckdb"])
    cols = {f: f for f in ("record_id", "nhs_number", "given_name", "family_name", "dob",
                           "sex", "postcode", "ethnicity")}
    project = {
        "name": "synthetic-test", "truth": "truth.parquet", "population": "population.parquet",
        "sources": {s.name: {"path": f"{s.name}.csv", "columns": cols} for s in world.sources},
    }
    path = root / "project.yaml"
    path.write_text(yaml.safe_dump(project, sort_keys=False))
    return path


def exact_evaluation(linked: linkready.LinkResult,
                     evaluated: linkready.EvaluationResult) -> dict:
    """``evaluation.json`` with exact (unrounded, unsuppressed) measures, and each pair's
    exact expected match rate, from the public results (``.exact()``): for tests of
    linkage quality, whose small worlds leave some published rates at "*" (they rest on
    counts of 1–7)."""
    ev = {**evaluated.to_dict(), **evaluated.exact()}
    # Σq / left records over the candidate pairs, exact.
    expected = {(p["left"], p["right"]): p["probabilistic"]["expected_match_rate"][
        "among_candidates"] for p in linked.exact()}
    for pair in ev["pairs"]:
        pair["expected_match_rate"] = expected[(pair["left"], pair["right"])]
    return ev


@dataclass(frozen=True)
class StagedPair:
    """The project's first pair staged on DuckDB, as link_pair stages it."""

    backend: object
    left: str
    right: str
    left_table: str
    right_table: str
    fields: set[str]
    records: int


@contextmanager
def staged_first_pair(project_file: Path) -> Iterator[StagedPair]:
    """Open the project's workspace, stage its first pair's sources and yield them; the
    staged tables are dropped and the connection closed afterwards."""
    from linkready.link.backends import DuckDBBackend
    from linkready.link.pair import compared_fields
    from linkready.link.workspace import connect, ensure_workspace, source_stats, stage_source
    from linkready.progress import no_progress
    from linkready.project import load_project

    project = load_project(project_file)
    con = connect(ensure_workspace(project, None, no_progress))
    try:
        stats = source_stats(con)
        left, right = project.link_pairs[0]
        be = DuckDBBackend(con, spill=False)
        lt = stage_source(be, "__t_left", left, False)
        rt = stage_source(be, "__t_right", right, False)
        yield StagedPair(be, left, right, lt, rt, compared_fields(stats[left], stats[right]),
                         stats[left].records + stats[right].records)
        be.drop(lt, rt)
    finally:
        con.close()
