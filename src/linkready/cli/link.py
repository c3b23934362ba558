"""``linkready link``: deterministic then probabilistic linkage of every pair; clusters."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from linkready.cli._common import console, err_console, user_errors

if TYPE_CHECKING:
    from linkready.link.spark import SparkSettings

BackendOpt = Annotated[str, typer.Option(
    "--backend", help="Engine Splink runs on: duckdb (this machine) or spark (needs "
                      "linkready\\[spark] and Java 17; see docs/scale.md).")]
SparkConfOpt = Annotated[Path | None, typer.Option(
    "--spark-conf", exists=True, dir_okay=False, readable=True, metavar="SPARK.yaml",
    help="Spark session settings for --backend spark: master URL, config keys, "
         "checkpoint directory (default: local Spark on this machine).")]


def warn_now(message: str) -> None:
    """Print a warning on stderr while work goes on (the memory guard's)."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}")


def link(
    project_file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
        help="The project file.")],
    pairs: str | None = typer.Option(None, "--pairs",
                                     help="Pairs to link as LEFT:RIGHT,… (default: every "
                                          "source against the spine)."),
    threshold: float = typer.Option(0.9, "--threshold", "-t",
                                    help="Match probability at which a pair is linked."),
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write into (default: linkready-results/ beside the "
                            "project file).")] = None,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace (default: linkready.duckdb in the --out "
                            "folder).")] = None,
    seed: int = typer.Option(42, "--seed", min=0, max=2**32 - 1,
                             help="Seed for Splink's random sampling."),
    backend: BackendOpt = "duckdb",
    spark_conf: SparkConfOpt = None,
) -> None:
    """Link each source to the spine: exact NHS number, then Splink; cluster everyone."""
    with user_errors():
        from linkready import pipeline
        from linkready.cli.progress import run_plan
        from linkready.link.backends import check_backend
        from linkready.link.workspace import parse_pairs
        from linkready.project import load_project

        check_backend(backend)
        project = load_project(project_file)
        chosen = parse_pairs(pairs)
        spark_settings = spark_settings_for(backend, spark_conf)
        result = run_plan(pipeline.link(project, out, pairs=chosen, threshold=threshold,
                                        seed=seed, workspace=workspace, backend=backend,
                                        spark_settings=spark_settings, on_warning=warn_now))
        print_linkage_summary(result.run.summary, result.out)


def spark_settings_for(backend: str, spark_conf: Path | None) -> SparkSettings | None:
    """The Spark settings to use (None for DuckDB); --spark-conf needs --backend spark."""
    from linkready.errors import ConfigError

    if backend != "spark":
        if spark_conf is not None:
            raise ConfigError("--spark-conf is only used with --backend spark; add it or "
                              "drop --spark-conf")
        return None
    from linkready.link.spark import check_requirements, load_spark_settings

    settings = load_spark_settings(spark_conf)
    check_requirements()  # before any stage runs: missing PySpark or Java fails fast
    return settings


def _label_free(prob: dict) -> tuple[str, str]:
    """Estimated blocking recall and false-link share, each with its interval."""
    from linkready.cli._common import rate_text

    out = []
    for block, key in ((prob.get("blocking", {}).get("estimated_recall"), "estimate"),
                       (prob.get("false_links"), "share")):
        out.append("–" if not block else f"{rate_text(block[key])} "
                   f"({rate_text(block['lower'])}–{rate_text(block['upper'])})")
    return out[0], out[1]


def print_linkage_summary(summary: dict, out_dir: Path) -> None:
    """A table of match rates per pair (aggregates only)."""
    from rich.table import Table

    from linkready.cli._common import rate_text

    table = Table("left → right", "left records", "deterministic", "probabilistic",
                  "expected (interval)", "blocking recall", "false links",
                  title=f"Linkage at p ≥ {summary['threshold']}")
    for p in summary["pairs"]:
        e = p["probabilistic"]["expected_match_rate"]
        table.add_row(f"{p['left']} → {p['right']}", str(p["left_records"]),
                      rate_text(p["deterministic"]["match_rate"]),
                      rate_text(p["probabilistic"]["match_rate"]),
                      f"{rate_text(e['estimate'])} ({rate_text(e['lower'])}–"
                      f"{rate_text(e['upper'])})",
                      *_label_free(p["probabilistic"]))
    console.print(table)
    c = summary["clusters"]
    console.print(f"distinct people across {len(c['sources'])} sources: {c['distinct_people']}")
    for w in summary["warnings"]:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    console.print(f"wrote {escape(str(out_dir))}/linkage.json, links.parquet, "
                  "clusters.parquet, model.json")
