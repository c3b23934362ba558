"""Scale: ``linkready assess`` on a whole integrated care system, and DuckDB against Spark.

- the ``ics`` scenario (900k people, the most the NHS test range allows; ~1.27M records
  in seven sources) through ``assess`` (ingest → profile → validate → link → evaluate →
  report), with wall time and peak memory per stage, on the machine's cores;
- the same at 50k (``default``) and 250k (``borough``) people, to show the growth;
- DuckDB against Spark (local, same cores) on one mid-size project: both link times and
  the largest difference in match rate between them.

Each size runs in a fresh process (:func:`benchmarks._machine.run_isolated`), so its
peak memory is its own. Generating the extracts is not timed.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._machine import peak_rss_mb, run_isolated

TARGET_SECONDS = 600
TARGET_MB = 16 * 1024


def _generate(scenario: str, population: str, root: Path) -> Path:
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario

    pop = None if population == "default" else int(population)
    generate_to_dir(load_scenario(scenario, population=pop), root, fmt="parquet",
                    overwrite=True)
    return root / "project.yaml"


def assess_once(scenario: str, population: str) -> dict[str, Any]:
    """Generate (untimed), then ``assess``; wall time and peak memory per stage."""
    from linkready.project import load_project
    from linkready.report import assess_project

    with tempfile.TemporaryDirectory() as tmp:
        project_file = _generate(scenario, population, Path(tmp) / "w")
        project = load_project(project_file)
        base_mb = peak_rss_mb()
        marks: list[tuple[str, float, float]] = []

        def progress(step: str, done: int = 1) -> None:
            marks.append((step, time.perf_counter(), peak_rss_mb()))

        start = time.perf_counter()
        result = assess_project(project, project_file, Path(tmp) / "out", progress=progress)
        seconds = time.perf_counter() - start
        linkage = json.loads((Path(tmp) / "out" / "linkage.json").read_text())
        manifest = json.loads((Path(tmp) / "w" / "manifest.json").read_text())
    records = sum(manifest["row_counts"].values())
    # Peak memory reached by the end of each stage (ru_maxrss only grows).
    stage_of = {"profiled": "profile", "validated": "validate", "clusters": "link",
                "evaluated": "evaluate", "report": "report"}
    peaks: dict[str, float] = {}
    ingest_done = False
    for step, _, mb in marks:
        if not ingest_done and step in stage_of:
            ingest_done = True
        name = stage_of.get(step, "ingest" if not ingest_done else None)
        if name:
            peaks[name] = mb
    return {"seconds": seconds, "stages": result.seconds, "peak_mb_by_stage": peaks,
            "peak_mb": peak_rss_mb(), "generate_peak_mb": base_mb, "records": records,
            "people": manifest["population"], "pairs": len(linkage["pairs"]),
            "warnings": [w for w in linkage["warnings"] if ": memory:" in w]}


def link_compare(scenario: str, population: str) -> dict[str, Any]:
    """Link one project with DuckDB and with local Spark; times and match rates."""
    from linkready.link import link_project
    from linkready.link.spark import SparkSettings
    from linkready.project import load_project

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        project = load_project(_generate(scenario, population, Path(tmp) / "w"))
        t = time.perf_counter()
        duck = link_project(project)
        duck_s = time.perf_counter() - t
        t = time.perf_counter()
        spark = link_project(project, backend="spark", spark_settings=SparkSettings(
            master=f"local[{cores}]"))
        spark_s = time.perf_counter() - t
    diffs, suppressed = [], 0
    for d, s in zip(duck.summary["pairs"], spark.summary["pairs"], strict=True):
        for stage in ("probabilistic", "combined"):
            a, b = d[stage]["match_rate"], s[stage]["match_rate"]
            if isinstance(a, float) and isinstance(b, float):
                diffs.append(abs(a - b))
            else:  # "*": rests on a count of 1–7, not published
                suppressed += 1
    records = sum(int(p["left_records"]) for p in duck.summary["pairs"])
    return {"duckdb_seconds": duck_s, "spark_seconds": spark_s,
            "max_rate_diff_points": 100 * max(diffs, default=0.0),
            "pairs": len(duck.summary["pairs"]), "suppressed_rates": suppressed,
            "left_records": records}


def _row(bench: str, metric: str, value: Any, unit: str, target: str = "",
         note: str = "") -> dict[str, Any]:
    return {"benchmark": bench, "metric": metric, "value": value, "unit": unit,
            "target": target, "note": note}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) at start"


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Scale figures as result rows."""
    sizes = ([("default", "5000"), ("borough", "20000"), ("ics", "60000")] if quick else
             [("default", "default"), ("borough", "default"), ("ics", "default")])
    rows: list[dict[str, Any]] = []
    cores = os.cpu_count()
    for scenario, pop in sizes:
        load = _load()
        r = run_isolated("benchmarks.bench_scale", "assess_once", scenario, pop)
        label = (f"assess {scenario} ({r['people']:,} people, {r['records']:,} records, "
                 f"{r['pairs']} pairs, {cores} cores)")
        is_ics = scenario == "ics"
        rows.append(_row(label, "wall time", round(r["seconds"], 1), "s",
                         f"≤ {TARGET_SECONDS} s" if is_ics and not quick else "",
                         f"ingest → report; generate not timed; {load}"))
        rows.append(_row(label, "peak memory", round(r["peak_mb"]), "MB",
                         f"≤ {TARGET_MB} MB" if is_ics and not quick else "",
                         "peak RSS of a fresh process, including generating the extracts "
                         f"({round(r['generate_peak_mb'])} MB by then)"))
        for stage, seconds in r["stages"].items():
            peak = r["peak_mb_by_stage"].get(stage)
            rows.append(_row(label, f"{stage}: wall time", round(seconds, 1), "s", "",
                             f"peak {round(peak)} MB by its end" if peak else ""))
        for w in r["warnings"]:
            rows.append(_row(label, "memory guard", "warned", "", "", w))
    load = _load()
    scenario, pop = ("default", "5000") if quick else ("default", "default")
    c = run_isolated("benchmarks.bench_scale", "link_compare", scenario, pop)
    label = (f"link {scenario} ({c['pairs']} pairs, {c['left_records']:,} left records): "
             f"DuckDB vs Spark local[{cores}]")
    rows.append(_row(label, "DuckDB link time", round(c["duckdb_seconds"], 1), "s"))
    rows.append(_row(label, "Spark link time", round(c["spark_seconds"], 1), "s", "",
                     f"includes starting the JVM and session; {load}"))
    rows.append(_row(label, "largest match-rate difference", round(c["max_rate_diff_points"],
                                                                   3),
                     "pp", "≤ 0.5", "probabilistic and combined rates, every pair"
                     + (f" ({c['suppressed_rates']} suppressed as *, not compared)"
                        if c["suppressed_rates"] else "")))
    return rows
