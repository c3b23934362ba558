"""``linkready lessons``: list the lessons and run one (generate → link → evaluate → page)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from linkready.cli._common import CONTEXT, console, user_errors

app = typer.Typer(
    context_settings=CONTEXT,
    name="lessons",
    help="Runnable lessons: each pitfall of record linkage measured on synthetic data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("list")
def list_lessons() -> None:
    """List the lessons in course order."""
    with user_errors():
        from rich.table import Table

        from linkready.lessons import LESSONS

        table = Table("#", "lesson", "title", "people", title="linkready lessons")
        for lesson in LESSONS.values():
            table.add_row(str(lesson.number), lesson.name, lesson.title,
                          f"{lesson.default_population:,}")
        console.print(table)
        console.print("run one with: linkready lessons run NAME [--population N] [--out DIR]")


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="The lesson to run (see `lessons list`).")],
    population: Annotated[int | None, typer.Option(
        "--population", "-n", min=200, help="People in the synthetic world (default: the "
                                            "lesson's own size).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write lesson.html and lesson.json into "
                            "(default: out/lessons/NAME).")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE", help="Override a scenario key, KEY=VALUE (repeatable), e.g. "
                      "--set world.twin_rate=0.1")] = None,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Override the scenario's "
                                                            "seed.")] = None,
    keep_data: Annotated[bool, typer.Option(
        "--keep-data", help="Keep the generated extracts and workspaces in OUT/data.")] = False,
) -> None:
    """Run a lesson and write its self-contained page (lesson.html) and lesson.json."""
    with user_errors():
        from linkready.cli.progress import progress_bar
        from linkready.lessons import get_lesson, parse_set, step_count
        from linkready.lessons import run as run_lesson

        lesson = get_lesson(name)
        sets = parse_set(set_)
        with progress_bar(f"lesson {lesson.number}: {lesson.name}",
                          step_count(lesson)) as advance:
            result = run_lesson(lesson.name, out, population=population, seed=seed,
                                sets=sets, keep_data=keep_data, progress=advance)
        paths = result.paths
        console.print(f"[bold]Lesson {lesson.number}: {lesson.title}[/]")
        for line in result.result.findings:
            console.print(f"• {line}")
        console.print(f"wrote {escape(str(paths[0]))} and {paths[1].name} "
                      f"({result.seconds:.1f} s)")
