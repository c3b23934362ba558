"""``sweep``: regenerate a scenario over a grid of one parameter, relink and evaluate each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from linkready._version import __version__
from linkready.errors import ConfigError
from linkready.link.run import DEFAULT_THRESHOLD, SCHEMA_VERSION
from linkready.progress import ProgressCallback, no_progress


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """``KEY=V1,V2,…`` → (dotted key, values parsed as YAML scalars)."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise ConfigError(f"--vary: `{text}` is not KEY=V1,V2,…; write e.g. "
                          "sources.la_adult_social_care.errors.nhs_missing.rate=0,0.5,1")
    parsed = []
    for v in values.split(","):
        try:
            parsed.append(yaml.safe_load(v.strip()))
        except yaml.YAMLError:
            raise ConfigError(f"--vary: value `{v}` is not a plain value") from None
    return key, parsed


def _slug(value: Any) -> str:
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in str(value))


def sweep_row(value: Any, link_pair: dict[str, Any], eval_pair: dict[str, Any]) -> dict:
    """One row of the sweep table (aggregates only)."""
    return {
        "value": value,
        "left": link_pair["left"],
        "right": link_pair["right"],
        "deterministic_match_rate": link_pair["deterministic"]["match_rate"],
        "probabilistic_match_rate": link_pair["probabilistic"]["match_rate"],
        "expected_match_rate": link_pair["probabilistic"]["expected_match_rate"]["estimate"],
        "truth_overlap_rate": eval_pair["truth"]["overlap_rate"],
        "deterministic_f1": eval_pair["deterministic"]["f1"],
        "probabilistic_f1": eval_pair["probabilistic"]["f1"],
    }


def run_sweep(scenario: str, key: str, values: list[Any], out: Path, *,
              population: int | None = None, seed: int | None = None,
              pairs: list[tuple[str, str]] | None = None,
              threshold: float = DEFAULT_THRESHOLD,
              progress: ProgressCallback = no_progress) -> dict[str, Any]:
    """For each value: generate into ``out/<i>_<value>``, link, evaluate; return the
    sweep summary (also the content of ``sweep.json``)."""
    from linkready.generate.api import generate_to_dir
    from linkready.generate.scenario import load_scenario
    from linkready.link.evaluate_run import evaluate_outputs
    from linkready.link.run import link_project, write_outputs
    from linkready.project import load_project

    if not values:
        raise ConfigError("--vary: give at least one value")
    # Validate every value before generating anything, so a typo fails fast.
    scenarios = [load_scenario(scenario, population=population, seed=seed,
                               overrides={key: v}) for v in values]
    rows: list[dict[str, Any]] = []
    for i, (value, scen) in enumerate(zip(values, scenarios, strict=True)):
        run_dir = out / f"{i:02d}_{_slug(value)}"
        generate_to_dir(scen, run_dir / "data", fmt="parquet", overwrite=True)
        project = load_project(run_dir / "data" / "project.yaml")
        run = link_project(project, pairs=pairs, threshold=threshold)
        write_outputs(run, run_dir / "linkage")
        evaluation = evaluate_outputs(project, run.links.to_pandas(), run.summary,
                                      clusters=run.clusters)
        for lp, ep in zip(run.summary["pairs"], evaluation["pairs"], strict=True):
            rows.append(sweep_row(value, lp, ep))
        progress(f"{key}={value}")
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "scenario": scenario,
        "key": key,
        "values": values,
        "population": population,
        "seed": scenarios[0].seed if hasattr(scenarios[0], "seed") else seed,
        "threshold": threshold,
        "rows": rows,
    }


def write_sweep(summary: dict[str, Any], out: Path) -> Path:
    """Write ``sweep.json``."""
    from linkready.outdir import write_json

    return write_json(out / "sweep.json", summary)
