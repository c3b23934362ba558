"""Lesson speed: each lesson end to end (generate, ingest, link, evaluate, measure, page)
at its default size, in a fresh process, against the ≤ 60 s a live teaching session
allows."""

from __future__ import annotations

from typing import Any

from benchmarks._machine import peak_rss_mb, run_isolated, timed


def lesson_once(name: str, population: str) -> dict[str, Any]:
    """Run one lesson (page rendered in memory, nothing written); time and peak memory."""
    from linkready.lessons import LESSONS, run_lesson

    lesson = LESSONS[name]
    pop = lesson.default_population if population == "default" else int(population)
    run, seconds = timed(lambda: run_lesson(name, population=pop))
    return {"seconds": seconds, "people": pop, "worlds": len(lesson.variants),
            "peak_mb": peak_rss_mb(), "figures": len(run.result.figures)}


def run(quick: bool = False) -> list[dict[str, Any]]:
    from linkready.lessons import LESSONS

    rows: list[dict[str, Any]] = []
    total = 0.0
    for name, lesson in LESSONS.items():
        size = str(lesson.test_population) if quick else "default"
        r = run_isolated("benchmarks.bench_lessons", "lesson_once", name, size)
        total += r["seconds"]
        worlds = f", {r['worlds']} worlds" if r["worlds"] > 1 else ""
        rows.append({
            "benchmark": f"lesson {lesson.number}: {name} ({r['people']:,} people{worlds})",
            "metric": "wall time",
            "value": round(r["seconds"], 1),
            "unit": "s",
            "target": "≤ 60 s" if not quick else "",
            "note": f"peak {round(r['peak_mb'])} MB; generate → link → evaluate → page",
        })
    rows.append({
        "benchmark": "all twelve lessons",
        "metric": "total wall time",
        "value": round(total, 1),
        "unit": "s",
        "target": "",
        "note": "sum of the runs above, each in a fresh process",
    })
    return rows
