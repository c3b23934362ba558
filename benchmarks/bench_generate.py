"""Generator speed and memory: the ``ics`` scenario end to end, and records per second
against producing the same fields row by row with Faker."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks._machine import peak_rss_mb, run_isolated, timed


def _cpu_seconds() -> float:
    """User + system CPU time of this process (fairer than wall time on a shared machine)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


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
        cpu = _cpu_seconds()
        manifest, seconds = timed(lambda: generate_to_dir(sc, Path(tmp) / "w", fmt=fmt))
        cpu = _cpu_seconds() - cpu
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "in_memory_seconds": in_memory,
        "records": sum(manifest["row_counts"].values()),
        "people": manifest["population"],
        "peak_mb": peak_rss_mb(),
    }


CORE_FIELDS = ("PATIENT_ID", "NHS_NUMBER", "FORENAME", "SURNAME", "DATE_OF_BIRTH", "SEX",
               "POSTCODE", "ETHNIC_CATEGORY")


def faker_rows(n: str) -> dict[str, Any]:
    """The baseline the issue names: a Faker row loop writing the same core fields as CSV
    (``csv`` module, one row at a time), end to end, file closed."""
    import csv

    from faker import Faker

    fake = Faker("en_GB")
    Faker.seed(1)

    def write(path: Path) -> int:
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(CORE_FIELDS)
            for _ in range(int(n)):
                sex = fake.random_element(("Male", "Female"))
                given = fake.first_name_male() if sex == "Male" else fake.first_name_female()
                out.writerow((
                    fake.unique.numerify("GP########"),
                    fake.numerify("999 ### ####"),
                    given,
                    fake.last_name(),
                    fake.date_of_birth().strftime("%d/%m/%Y"),
                    sex,
                    fake.postcode(),
                    fake.random_element("ABCHJKMN"),
                ))
        return path.stat().st_size

    with tempfile.TemporaryDirectory() as tmp:
        cpu = _cpu_seconds()
        size, seconds = timed(lambda: write(Path(tmp) / "faker.csv"))
        cpu = _cpu_seconds() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "records": int(n), "bytes": size}


def run(quick: bool = False) -> list[dict[str, Any]]:
    scenario, population = ("default", "default") if quick else ("ics", "default")
    g = run_isolated("benchmarks.bench_generate", "generate_once", scenario, population, "csv")
    f = run_isolated("benchmarks.bench_generate", "faker_rows", "20000")
    ours = g["records"] / g["in_memory_seconds"]
    ours_written = g["records"] / g["seconds"]
    theirs = f["records"] / f["seconds"]  # written to CSV, end to end
    cpu_ratio = (g["records"] / g["cpu_seconds"]) / (f["records"] / f["cpu_seconds"])
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
            "benchmark": "Faker, row by row (same core fields, 20,000 rows, CSV)",
            "metric": "records per second, written",
            "value": round(theirs),
            "unit": "records/s",
            "target": "",
            "note": "Faker en_GB, csv.writer row by row, end to end",
        },
        {
            "benchmark": "generator vs Faker",
            "metric": "speed-up, both written to CSV",
            "value": round(ours_written / theirs, 1),
            "unit": "×",
            "target": "≥ 20×",
            "note": "end to end on both sides; ours also writes truth, population, "
                    "project.yaml and manifest, and builds households, histories and errors",
        },
        {
            "benchmark": "generator vs Faker",
            "metric": "speed-up, both written, per CPU second",
            "value": round(cpu_ratio, 1),
            "unit": "×",
            "target": "",
            "note": "records per CPU second (user + system), less sensitive to other load",
        },
        {
            "benchmark": "generator vs Faker",
            "metric": "speed-up, ours in memory",
            "value": round(ours / theirs, 1),
            "unit": "×",
            "target": "",
            "note": "ours without writing files, against Faker's written rows (for reference)",
        },
    ]
