"""`linkready demo` end to end: generate the default scenario (50,000 people), a small
sweep, then ingest → profile → validate → link → evaluate → report, in a fresh process."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._machine import peak_rss_mb

STAGES = ("generate", "sweep", "ingest", "profile", "validate", "link", "evaluate", "report")


def demo_once(population: str) -> dict[str, Any]:
    """Run the demo into a temporary directory; report wall time, stage times, memory."""
    from linkready.cli.demo import run_demo

    pop = None if population == "default" else int(population)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        start = time.perf_counter()
        # The summary goes to the console; keep the benchmark's own stdout to one JSON line.
        with contextlib.redirect_stdout(io.StringIO()):
            result = run_demo(out, overwrite=True, sweep=True, population=pop)
        seconds = time.perf_counter() - start
        report_kb = result.report_path.stat().st_size / 1024
        people = result.report.key_figures[1].value if len(result.report.key_figures) > 1 \
            else ""
    return {"seconds": seconds, "stages": result.seconds, "peak_mb": peak_rss_mb(),
            "report_kb": report_kb, "charts": len(result.report.charts()), "people": people}


def _isolated(population: str) -> dict[str, Any]:
    """:func:`demo_once` in a fresh interpreter, started with ``-m`` rather than ``-c``:
    pyspark (pulled in by Great Expectations when installed) exits a ``python -c`` process
    at import, taking it for a doctest run."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_demo", population],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"bench_demo failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(quick: bool = False) -> list[dict[str, Any]]:
    population = "5000" if quick else "default"
    d = _isolated(population)
    from linkready.cli.demo import SWEEP_POPULATION

    sweep_pop = SWEEP_POPULATION if population == "default" else \
        min(SWEEP_POPULATION, int(population))
    label = f"linkready demo ({'50,000' if population == 'default' else population} people)"
    rows = [
        {"benchmark": label, "metric": "wall time", "value": round(d["seconds"], 1),
         "unit": "s", "target": "≤ 90 s on 2 cores",
         "note": f"generate, sweep (3 worlds of {sweep_pop:,}), assess and report"},
        {"benchmark": label, "metric": "peak memory", "value": round(d["peak_mb"]),
         "unit": "MB", "target": "", "note": "peak RSS of a fresh process"},
    ]
    for stage in STAGES:
        if stage in d["stages"]:
            rows.append({"benchmark": label, "metric": f"{stage} time",
                         "value": round(d["stages"][stage], 1), "unit": "s", "target": "",
                         "note": ""})
    rows.append({"benchmark": label, "metric": "report.html size",
                 "value": round(d["report_kb"]), "unit": "KB", "target": "",
                 "note": f"{d['charts']} inline SVG charts, no script"})
    return rows


if __name__ == "__main__":
    print(json.dumps(demo_once(sys.argv[1] if len(sys.argv) > 1 else "default")))
