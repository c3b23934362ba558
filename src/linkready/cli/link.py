"""``linkready link``: deterministic then probabilistic linkage of every pair; clusters."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from linkready.cli._common import AGGREGATES_HELP, console, err_console, user_errors

if TYPE_CHECKING:
    from linkready.documents import LinkagePair
    from linkready.link.spark import SparkSettings

BackendOpt = Annotated[str, typer.Option(
    "--backend", help="Engine Splink runs on: duckdb (this machine) or spark (needs "
                      "linkready\\[spark] and Java 17; see docs/scale.md).")]
SparkConfOpt = Annotated[Path | None, typer.Option(
    "--spark-conf", exists=True, dir_okay=False, readable=True, metavar="SPARK.yaml",
    help="Spark session settings for --backend spark: master URL, config keys, "
         "checkpoint directory (default: local Spark on this machine).")]


PairsOpt = Annotated[str | None, typer.Option(
    "--pairs", metavar="LEFT:RIGHT,…",
    help="Pairs to link (default: every pair the project file lists, else every source "
         "against the spine).")]
ThresholdOpt = Annotated[float, typer.Option(
    "--threshold", "-t", help="Match probability at which a pair is linked (strictly "
                              "between 0 and 1).")]
AggregatesOpt = Annotated[bool, typer.Option("--aggregates-only", help=AGGREGATES_HELP)]
SeedOpt = Annotated[int, typer.Option(
    "--seed", min=0, max=2**32 - 1, help="Seed for Splink's random sampling.")]


def warn_now(message: str) -> None:
    """Print a warning on stderr while work goes on (the memory guard's)."""
    err_console.print(f"[yellow]warning:[/] {escape(message)}")


def link(
    project_file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="PROJECT.yaml",
        help="The project file.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write into (default: linkready-results/ beside the "
                            "project file).")] = None,
    pairs: PairsOpt = None,
    threshold: ThresholdOpt = 0.9,
    seed: SeedOpt = 42,
    workspace: Annotated[Path | None, typer.Option(
        "--workspace", help="DuckDB workspace (default: linkready.duckdb in the --out "
                            "folder). Only the sources the pairs name are ingested into "
                            "it; those it already holds, current, are not read again.")
    ] = None,
    backend: BackendOpt = "duckdb",
    spark_conf: SparkConfOpt = None,
    aggregates_only: AggregatesOpt = False,
    no_estimates: Annotated[bool, typer.Option(
        "--no-estimates",
        help="Skip the label-free estimates (expected match rate with its interval, "
             "false links, blocking recall): the same links and clusters, faster. For a "
             "relink of a linkage already assessed; assess always estimates.")] = False,
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
                                        spark_settings=spark_settings, on_warning=warn_now,
                                        aggregates_only=aggregates_only,
                                        estimates=not no_estimates))
        print_linkage_summary(result.run.summary, result.out,
                              record_level=not aggregates_only)


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


def _label_free(pair: LinkagePair) -> tuple[str, str]:
    """Estimated blocking recall and false-link share, each with its interval; recall
    "not read" where the model expects too few matches for it to mean anything (the
    report's rule, :func:`linkready.report._verdict.too_few_matches`)."""
    from linkready.cli._common import rate_text
    from linkready.link.skipped import NOT_ESTIMATED, skipped

    def text(point: Any, lower: Any, upper: Any) -> str:
        return f"{rate_text(point)} ({rate_text(lower)}–{rate_text(upper)})"

    if skipped(pair):
        return NOT_ESTIMATED, NOT_ESTIMATED
    # The report package (all of it) only where there is a recall to read.
    from linkready.report._verdict import Thresholds, too_few_matches

    prob = pair["probabilistic"]
    recall = prob.get("blocking", {}).get("estimated_recall")
    false = prob.get("false_links")
    if recall and too_few_matches(pair, Thresholds()) is not None:
        shown = "not read: too few expected matches"
    else:
        shown = "–" if not recall else text(recall["estimate"], recall["lower"],
                                           recall["upper"])
    return (shown,
            "–" if not false else text(false["share"], false["lower"], false["upper"]))


def dedupe_line(d: Mapping[str, Any]) -> str:
    """One deduplicated source in words: its distinct people, those held more than once
    (not to be read as each other: fake_1000's 445 distinct people were read as 445
    duplicates), and the model's expected share of records with a duplicate, which the
    count at the threshold falls short of when links are uncertain."""
    from linkready.cli._common import rate_text

    people = d.get("probable_people")
    among = "" if people is None else f", among about {people} distinct people"
    text = (f"{escape(d['source'])}: {d['duplicate_people']} probable people held more "
            f"than once{among} in {d['records']} records ({d['duplicate_records']} "
            f"duplicate records, {rate_text(d['duplicate_record_share'])})")
    e = d.get("expected_share_with_duplicate")
    if e:
        text += (f"; records with a duplicate, as the model expects: "
                 f"{rate_text(e['estimate'])} ({rate_text(e['lower'])}–"
                 f"{rate_text(e['upper'])})")
    return text


def print_linkage_summary(summary: Mapping[str, Any], out_dir: Path, *,
                          record_level: bool = True) -> None:
    """A table of match rates per pair (aggregates only)."""
    from rich.table import Table

    from linkready.cli._common import rate_text
    from linkready.documents import linkage_pairs
    from linkready.link.skipped import NOT_ESTIMATED, skipped

    table = Table("left → right", "left records", "deterministic", "probabilistic",
                  "expected (interval)", "blocking recall", "false links",
                  title=f"Linkage at p ≥ {summary['threshold']}")
    for p in linkage_pairs(summary):
        e = p["probabilistic"]["expected_match_rate"]
        table.add_row(f"{p['left']} → {p['right']}", str(p["left_records"]),
                      rate_text(p["deterministic"]["match_rate"]),
                      rate_text(p["probabilistic"]["match_rate"]),
                      NOT_ESTIMATED if skipped(p) else
                      f"{rate_text(e['estimate'])} ({rate_text(e['lower'])}–"
                      f"{rate_text(e['upper'])})",
                      *_label_free(p))
    if table.row_count:  # none when only pairs [S, S] were linked (duplicates, below)
        console.print(table)
    c = summary["clusters"]
    n = len(c["sources"])
    console.print(f"distinct people across {n} source{'s' if n != 1 else ''}: "
                  f"{c['distinct_people']}")
    for d in summary.get("dedupe", []):  # pairs [S, S]: duplicates within a source
        console.print(dedupe_line(d))
    for w in summary["warnings"]:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    console.print(f"wrote {escape(str(out_dir))}/linkage.json, "
                  + ("links.parquet, clusters.parquet (record-level), " if record_level
                     else "") + "model.json")
