"""Generate a synthetic world and write it: raw extracts, truth, population, project, manifest."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from linkready._version import __version__
from linkready.errors import ConfigError, OutputError
from linkready.generate.formats import ETHNICITY_DESCRIPTIONS, SystemFormat
from linkready.generate.geography import build_places
from linkready.generate.population import Population, build_population
from linkready.generate.scenario import Scenario
from linkready.generate.sources import SourceExtract, build_source, subgroups
from linkready.outdir import OutputSet, check_claimable, previous_sets, write_json, write_text
from linkready.progress import ProgressCallback, no_progress
from linkready.project import Project, SourceSpec, dump_project
from linkready.synthetic import HASHES_KEY, file_hashes

MANIFEST_SCHEMA_VERSION = "1.0"


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per named stream, so adding a source changes no other."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


@dataclass
class World:
    scenario: Scenario
    population: Population
    extracts: list[SourceExtract]


def step_count(scenario: Scenario) -> int:
    """How many progress steps :func:`generate_to_dir` reports."""
    return len(scenario.sources) + 2  # population, each source, written


def generate_world(scenario: Scenario, progress: ProgressCallback = no_progress) -> World:
    """Build the population and every source's extract in memory."""
    rng = rng_for(scenario.seed, "population")
    places = build_places(rng_for(scenario.seed, "places"), list(scenario.world.boroughs))
    pop = build_population(rng, scenario, places)
    progress("population")
    groups = subgroups(pop)
    extracts = []
    for name, cfg in scenario.sources.items():
        extracts.append(build_source(rng_for(scenario.seed, f"source:{name}"), name, cfg, pop,
                                     groups, scenario.error_scale))
        progress(name)
    return World(scenario, pop, extracts)


#: population.parquet columns with few distinct values (dictionary-encoded).
POPULATION_DICTIONARY = ["given_name", "family_name", "middle_name", "previous_surname", "sex",
                         "age_band", "ethnicity", "ethnic_group", "lsoa", "borough"]


def population_table(pop: Population) -> pa.Table:
    cols: dict[str, Any] = {}
    for key, values in pop.cols.items():
        if key.startswith("_"):
            continue
        if key == "nhs_number":
            cols[key] = pc.cast(pa.array(values, pa.int64()), pa.string())
        elif key == "dob":
            cols[key] = pa.array(values.astype("datetime64[D]"), pa.date32())
        elif values.dtype == object:
            cols[key] = pa.array(values, pa.string())
        else:
            cols[key] = pa.array(values)
    return pa.table(cols)


def source_spec(name: str, system: SystemFormat, path: str) -> SourceSpec:
    """The mapping a user would write for this extract."""
    values: dict[str, dict[str, str | None]] = {
        "sex": {raw: code for code, raw in system.sex_codes.items()}}
    if system.ethnicity_style == "description":
        values["ethnicity"] = {desc: code for code, desc in ETHNICITY_DESCRIPTIONS.items()}
    strptime = system.date_format
    return SourceSpec(path=path, columns=dict(system.columns), dob_format=strptime,
                      values=values)


def project_name(scenario: str, people: int) -> str:
    """The name ``generate`` gives a project: readable as a report title, and saying that
    the world is made up (``Synthetic world: default scenario, 1,500 people``)."""
    return f"Synthetic world: {scenario.replace('_', ' ')} scenario, {people:,} people"


def build_project(world: World, fmt: str) -> Project:
    sources = {
        e.name: source_spec(e.name, e.system, f"{e.name}.{fmt}") for e in world.extracts}
    spine = "gp_register" if "gp_register" in sources else None
    return Project(name=project_name(world.scenario.name, world.population.size),
                   truth="truth.parquet",
                   population="population.parquet", spine=spine, sources=sources,
                   reference_date=world.scenario.extract_date)


def manifest(world: World, fmt: str) -> dict[str, Any]:
    sc = world.scenario
    pop = world.population
    residents = int(pop["resident"].sum())
    rows = {e.name: e.table.num_rows for e in world.extracts}
    out: dict[str, Any] = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "tool": "linkready",
        "version": __version__,
        "scenario": sc.name,
        "config_hash": sc.config_hash(),
        "seed": sc.seed,
        "population": pop.size,
        "residents": residents,
        "extract_date": sc.extract_date.isoformat(),
        "format": fmt,
        "row_counts": rows,
        "errors": {e.name: dict(sorted(e.errors.items())) for e in world.extracts},
        "note": "Error counts are exact counts of records changed by each injected error; "
                "this file describes synthetic data only.",
    }
    if "gp_register" in rows and residents:
        out["gp_list_inflation"] = round(rows["gp_register"] / residents - 1, 4)
    return out


def write_world(world: World, directory: Path, fmt: str) -> dict[str, Any]:
    """Write every file of a world into an existing, empty directory."""
    for e in world.extracts:
        path = directory / f"{e.name}.{fmt}"
        if fmt == "csv":
            pacsv.write_csv(e.table, path)
        else:
            pq.write_table(e.table, path)
    truth = pa.concat_tables([e.truth for e in world.extracts])
    # Dictionary-encode only the columns with few distinct values, and skip column
    # statistics: half the CPU of the defaults, for files about 15 % larger.
    pq.write_table(truth, directory / "truth.parquet", use_dictionary=["source"],
                   write_statistics=False)
    pq.write_table(population_table(world.population), directory / "population.parquet",
                   use_dictionary=POPULATION_DICTIONARY, write_statistics=False)
    write_text(directory / "project.yaml",
               "# Written by `linkready generate`: the same file you would write for your own "
               "extracts.\n" + dump_project(build_project(world, fmt)))
    man = manifest(world, fmt)
    # Hashes of what was written: linkready.synthetic.is_synthetic checks them.
    man[HASHES_KEY] = file_hashes(directory, [f"{e.name}.{fmt}" for e in world.extracts]
                                  + ["truth.parquet", "population.parquet"])
    write_json(directory / "manifest.json", man)
    return man


def generate_to_dir(scenario: Scenario, out: str | Path, *, fmt: str = "csv",
                    overwrite: bool = False, progress: ProgressCallback = no_progress
                    ) -> dict[str, Any]:
    """Generate ``scenario`` into ``out`` all at once; return the manifest.

    ``out`` must be new, empty or a folder linkready wrote; one that already holds a
    generated world is replaced only with ``overwrite``, and only the files generate wrote
    there (see :mod:`linkready.outdir`). Files are staged in a temporary folder inside
    ``out`` and moved into place together, so an interrupted run changes nothing.

    Raises:
        OutputError: ``out`` holds files linkready did not create, already holds a
            generated world and ``overwrite`` is false, or cannot be written.
        ConfigError: the population is too small for every source to hold a record.
    """
    folder = check_claimable(out)
    if "generate" in previous_sets(folder) and not overwrite:
        raise OutputError(f"{folder}: already holds generated extracts; choose another "
                          "--out or add --overwrite")
    world = generate_world(scenario, progress)
    empty = [e.name for e in world.extracts if e.table.num_rows == 0]
    if empty:
        raise ConfigError(
            f"population {scenario.population}: too small, source(s) {', '.join(empty)} "
            "would hold no records; raise --population (e.g. to 2000)")
    with OutputSet(folder, "generate") as files:
        files.stage.chmod(0o755)  # the published files sit in an ordinary folder
        man = write_world(world, files.stage, fmt)
        progress("written")
    return man
