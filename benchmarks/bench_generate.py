"""Generator speed and memory: the ``ics`` scenario end to end, and records per second
against producing the same fields row by row with Faker."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks._machine import peak_rss_mb, run_isolated, timed


def generate_once(scenario: str, population: str, fmt: str) -> dict[str, Any]:
    """Generate into a temporary directory; report time, records and peak memory."""
    from linkready.generate.api import generate_to_dir, generate_world
    from linkready.generate.scenario import load_scenario

    pop = int(population) if population != "default" else None
    sc = load_scenario(scenario, population=pop)
    # Warm up (name lists, the NHS-number pool) so neither timing pays one-off set-up.
    generate_world(load_scenario(scenario, population=1000))
    # In memory only (what Faker's row-by-row figure is compared with), then end to end.
    _, in_memory = timed(lambda: generate_world(sc))
    with tempfile.TemporaryDirectory() as tmp:
        manifest, seconds = timed(lambda: generate_to_dir(sc, Path(tmp) / "w", fmt=fmt))
    return {
        "seconds": seconds,
        "in_memory_seconds": in_memory,
        "records": sum(manifest["row_counts"].values()),
        "people": manifest["population"],
        "peak_mb": peak_rss_mb(),
    }


def faker_rows(n: str) -> dict[str, Any]:
    """Produce the same fields as an extract row, one record at a time, with Faker."""
    from faker import Faker

    fake = Faker("en_GB")
    Faker.seed(1)

    def rows() -> list[tuple]:
        out = []
        for _ in range(int(n)):
            sex = fake.random_element(("Male", "Female"))
            given = fake.first_name_male() if sex == "Male" else fake.first_name_female()
            out.append(
                (
                    fake.unique.numerify("GP########"),
                    fake.numerify("999 ### ####"),
                    given,
                    fake.last_name(),
                    fake.date_of_birth().strftime("%d/%m/%Y"),
                    sex,
                    fake.postcode(),
                    fake.random_element("ABCHJKMN"),
                )
            )
        return out

    _, seconds = timed(rows)
    return {"seconds": seconds, "records": int(n)}


def run(quick: bool = False) -> list[dict[str, Any]]:
    scenario, population = ("default", "default") if quick else ("ics", "default")
    g = run_isolated("benchmarks.bench_generate", "generate_once", scenario, population, "csv")
    f = run_isolated("benchmarks.bench_generate", "faker_rows", "20000")
    ours = g["records"] / g["in_memory_seconds"]
    ours_written = g["records"] / g["seconds"]
    theirs = f["records"] / f["seconds"]
    label = f"generate {scenario} ({g['people']:,} people, {g['records']:,} records, CSV)"
    return [
        {
            "benchmark": label,
            "metric": "wall time",
            "value": round(g["seconds"], 2),
            "unit": "s",
            "target": "≤ 30 s for ics",
            "note": "",
        },
        {
            "benchmark": label,
            "metric": "peak memory",
            "value": round(g["peak_mb"]),
            "unit": "MB",
            "target": "≤ 6144 MB for ics",
            "note": "peak RSS of a fresh process",
        },
        {
            "benchmark": label,
            "metric": "records per second, in memory",
            "value": round(ours),
            "unit": "records/s",
            "target": "",
            "note": "population, errors and formatting; no I/O",
        },
        {
            "benchmark": label,
            "metric": "records per second, written",
            "value": round(ours_written),
            "unit": "records/s",
            "target": "",
            "note": "end to end, files on disk",
        },
        {
            "benchmark": "Faker, row by row (same fields, 20,000 rows)",
            "metric": "records per second",
            "value": round(theirs),
            "unit": "records/s",
            "target": "",
            "note": "Faker en_GB",
        },
        {
            "benchmark": "generator vs Faker",
            "metric": "speed-up, in memory",
            "value": round(ours / theirs, 1),
            "unit": "×",
            "target": "≥ 20×",
            "note": "both produce rows in memory; ours also builds the population and errors",
        },
        {
            "benchmark": "generator vs Faker",
            "metric": "speed-up, ours written to disk",
            "value": round(ours_written / theirs, 1),
            "unit": "×",
            "target": "",
            "note": "ours includes writing CSV, truth and population files; Faker's writes nothing",
        },
    ]
