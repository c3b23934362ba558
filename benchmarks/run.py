"""Run every benchmark, print the figures and write them with the machine to results.md.

python -m benchmarks.run            # full size
python -m benchmarks.run --quick    # small sizes, for a smoke check
python -m benchmarks.run --only generate,profile
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
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


def _sections(text: str) -> dict[str, str]:
    """The ``## name`` sections of an existing results file, by name."""
    out: dict[str, str] = {}
    for block in text.split("\n## ")[1:]:
        name = block.split("\n", 1)[0].strip()
        out[name] = "## " + block.rstrip() + "\n"
    return out


def render_section(name: str, rows: list[dict[str, Any]], quick: bool) -> str:
    load = os.getloadavg()[0]
    lines = [
        f"## {name}",
        "",
        f"Run {dt.date.today().isoformat()}{' in quick mode (small sizes)' if quick else ''}; "
        f"1-minute load average at the end: {load:.1f} on {os.cpu_count()} cores.",
        "",
        "| benchmark | metric | value | unit | target | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['benchmark']} | {r['metric']} | {r['value']} | {r['unit']} | "
            f"{r.get('target', '')} | {r.get('note', '')} |"
        )
    return "\n".join(lines) + "\n"


def render(sections: dict[str, str]) -> str:
    m = machine()
    head = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); every figure below was measured "
        "by the code in this folder on the machine described. A run of some benchmarks "
        "(`--only`) replaces their sections and keeps the others.",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM",
        f"- Python {m['python']} on {m['platform']}",
        "",
        "",
    ]
    return "\n".join(head) + "\n".join(sections[k] for k in sorted(sections))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)
    names = [n for n in discover() if not args.only or n in args.only.split(",")]
    out = Path(args.out)
    sections = _sections(out.read_text(encoding="utf-8")) if out.exists() else {}
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
        sections[name] = render_section(name, rows, args.quick)
        out.write_text(render(sections), encoding="utf-8")  # after each, in case one fails
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
