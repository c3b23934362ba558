"""``sweep``: the pieces of a parameter sweep (the grid, one row per value and pair, the
document). The run itself (generate → link → evaluate per value) is
:func:`linkready.pipeline.sweep`; this module imports no stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from linkready.documents import EvaluationPair, LinkagePair, SweepDocument, header
from linkready.errors import ConfigError


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


def slug(value: Any) -> str:
    """A folder-name-safe form of a swept value."""
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in str(value))


def valid_nhs_shares(workspace: Path) -> dict[str, float | str | None]:
    """Per source of a linked world's workspace, the *measured* share of records with a
    valid NHS number (published: ``*`` when it rests on 1–7 records). A sweep sets error
    rates; this is what they produced, and what the sweep page plots against."""
    from linkready.link.workspace import connect
    from linkready.privacy import safe_rate

    con = connect(workspace)
    try:
        rows = con.execute("SELECT source, count(*), count(*) FILTER (WHERE "
                           "nhs_number_valid) FROM ws.records GROUP BY source").fetchall()
    finally:
        con.close()
    return {str(src): safe_rate(int(valid), int(n)) for src, n, valid in rows}


def sweep_row(value: Any, link_pair: LinkagePair, eval_pair: EvaluationPair,
              valid_nhs: dict[str, float | str | None] | None = None) -> dict[str, Any]:
    """One row of the sweep table (aggregates only)."""
    return {
        "value": value,
        "left": link_pair["left"],
        "right": link_pair["right"],
        "left_valid_nhs_share": (valid_nhs or {}).get(link_pair["left"]),
        "deterministic_match_rate": link_pair["deterministic"]["match_rate"],
        "probabilistic_match_rate": link_pair["probabilistic"]["match_rate"],
        "expected_match_rate": link_pair["probabilistic"]["expected_match_rate"]["estimate"],
        "truth_overlap_rate": eval_pair["truth"]["overlap_rate"],
        "deterministic_f1": eval_pair["deterministic"]["f1"],
        "probabilistic_f1": eval_pair["probabilistic"]["f1"],
    }


def sweep_document(scenario: str, key: str, values: list[Any], rows: list[dict[str, Any]],
                   *, population: int | None, seed: int | None,
                   threshold: float) -> SweepDocument:
    """The whole ``sweep.json`` document (its ``project`` is the scenario; a sweep has
    no project file, so ``config_hash`` is null)."""
    return {
        **header(scenario, None),
        "scenario": scenario,
        "key": key,
        "values": values,
        "population": population,
        "seed": seed,
        "threshold": threshold,
        "rows": rows,
    }


def write_sweep(summary: SweepDocument, out: Path) -> Path:
    """Write ``sweep.json`` and its own page, ``sweep.html`` (never part of a project's
    report: its pairs come from synthetic worlds)."""
    from linkready.outdir import write_json, write_text
    from linkready.report.sweep_page import render_sweep_page

    path = write_json(out / "sweep.json", summary)
    write_text(out / "sweep.html", render_sweep_page(dict(summary)))
    return path
