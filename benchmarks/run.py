"""Run every benchmark, print the figures and write them with the machine to results.md.

python -m benchmarks.run            # full size
python -m benchmarks.run --quick    # small sizes, for a smoke check
python -m benchmarks.run --only generate,profile
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Any

from benchmarks._machine import machine

HERE = Path(__file__).parent


def discover() -> list[str]:
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(HERE)])
        if m.name.startswith("bench_")
    )


def render(rows_by_bench: dict[str, list[dict[str, Any]]], quick: bool) -> str:
    m = machine()
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); every figure below was measured "
        "by the code in this folder on the machine described.",
        "",
        f"- date: {dt.date.today().isoformat()}" + (" (quick mode: small sizes)" if quick else ""),
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM",
        f"- Python {m['python']} on {m['platform']}",
        "",
    ]
    for name, rows in rows_by_bench.items():
        lines += [
            f"## {name}",
            "",
            "| benchmark | metric | value | unit | target | note |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['benchmark']} | {r['metric']} | {r['value']} | {r['unit']} | "
                f"{r.get('target', '')} | {r.get('note', '')} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)
    names = [n for n in discover() if not args.only or n in args.only.split(",")]
    results: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        rows = module.run(quick=args.quick)
        for r in rows:
            print(
                f"  {r['benchmark']}: {r['metric']} = {r['value']} {r['unit']}"
                + (f"  (target {r['target']})" if r.get("target") else ""),
                flush=True,
            )
        results[name] = rows
    text = render(results, args.quick)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
