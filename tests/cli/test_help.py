"""The command line's shape: -h everywhere, workflow order, clean flags, one default output
place in every help text, assess taking link's options, option typos named as such."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from linkready.cli._common import DEFAULT_OUT
from linkready.cli.app import ORDER, app

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[2] / "synthetic_data" / "sample"


@pytest.fixture(scope="module")
def sample_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's sample world (the default scenario's seven sources):
    the assess tests below stop before any work, so they need only a project file whose
    sources exist, not a world generated for them; the copy keeps the sample untouched."""
    import shutil

    folder = tmp_path_factory.mktemp("sample") / "sample"
    shutil.copytree(SAMPLE, folder)
    return folder


def _commands(group: Any = None, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...],
                                                                            Any]]:
    """Every (path, click command) of the app, groups included."""
    import typer.main

    group = group or typer.main.get_command(app)
    found = [(prefix, group)]
    for name, cmd in getattr(group, "commands", {}).items():
        found += _commands(cmd, (*prefix, name))
    return found


ALL = _commands()


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "root")
def test_dash_h_works_and_flags_show_no_type(path: tuple[str, ...]) -> None:
    """`-h` gives the same help as `--help`; no flag is shown taking a `<bool>` value."""
    short = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "200"})
    long = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert short.exit_code == 0, short.output
    assert short.output == long.output
    assert "Usage:" in short.output
    assert "<bool>" not in short.output


def test_commands_listed_in_workflow_order() -> None:
    """`linkready --help` lists generate … demo in the order of the work."""
    out = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    listed = [m.group(1) for m in re.finditer(r"^│ (\w+)\s{2,}", out, re.M)]
    registered = {p[0] for p, _ in ALL if len(p) == 1}
    assert set(ORDER) == registered, "a command is missing from ORDER"
    assert listed == list(ORDER)
    assert listed.index("generate") < listed.index("profile") < listed.index("link") \
        < listed.index("assess") < listed.index("report")


def _option(cmd: Any, name: str) -> Any:
    return next((p for p in cmd.params if name in getattr(p, "opts", [])), None)


def test_every_project_command_states_the_same_default_out() -> None:
    """Each command taking PROJECT.yaml says where it writes by default, in the same
    words (review's own folders name linkready-results/ too)."""
    checked = 0
    for path, cmd in ALL:
        takes_project = any(getattr(p, "metavar", None) == "PROJECT.yaml" for p in cmd.params)
        out = _option(cmd, "--out")
        if not takes_project or out is None:
            continue
        checked += 1
        text = " ".join(out.help.split())
        if path[0] == "review":
            assert "linkready-results/" in text or "link output folder" in text, path
        else:
            assert DEFAULT_OUT in text, (path, text)
    assert checked >= 7


def test_commands_without_a_project_say_where_they_write() -> None:
    """generate and sweep need --out; demo and lessons run show their default."""
    by_path = dict(ALL)
    for path in (("generate",), ("sweep",)):
        assert "required" in _option(by_path[path], "--out").help
    assert str(_option(by_path[("demo",)], "--out").default) == "out/demo"
    assert "out/lessons/NAME" in _option(by_path[("lessons", "run")], "--out").help


def test_assess_takes_links_options() -> None:
    """assess accepts every linkage option of link (same names, defaults) and the gate."""
    by_path = dict(ALL)
    link, assess = by_path[("link",)], by_path[("assess",)]
    for name in ("--pairs", "--threshold", "--seed", "--backend", "--spark-conf",
                 "--workspace", "--out"):
        a, lk = _option(assess, name), _option(link, name)
        assert a is not None and lk is not None, name
        assert a.default == lk.default, name
    assert _option(assess, "--fail-on-error") is not None


def test_assess_passes_links_options_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        sample_world: Path) -> None:
    """--pairs, --threshold and --seed reach the pipeline (stopped before any work)."""
    from linkready import pipeline

    seen: dict[str, Any] = {}

    def fake_assess(project: Any, out: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        raise typer.Exit(0)

    monkeypatch.setattr(pipeline, "assess", fake_assess)
    result = runner.invoke(app, ["assess", str(sample_world / "project.yaml"), "--out",
                                 str(tmp_path / "o"), "--pairs", "acute:gp_register",
                                 "--threshold", "0.8", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert seen["pairs"] == [("acute", "gp_register")]
    assert seen["threshold"] == 0.8 and seen["seed"] == 7


def test_assess_refuses_a_bad_pairs_value(sample_world: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", str(sample_world / "project.yaml"), "--out",
                                 str(tmp_path / "o"), "--pairs", "acute"])
    assert result.exit_code == 2
    assert "--pairs: `acute` is not LEFT:RIGHT" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["sweep", "default", "--out", "{tmp}/s", "-n", "200", "--vary",
      "sources.la_adult_social_care.errors.nhs_mising.rate=0,1"],
     "--vary sources.la_adult_social_care.errors.nhs_mising.rate: `nhs_mising` is not a "
     "scenario key under sources.la_adult_social_care.errors; did you mean `nhs_missing`?"),
    (["sweep", "default", "--out", "{tmp}/s", "-n", "200", "--vary",
      "sources.la_adult_scoial_care.errors.nhs_missing.rate=0,1"],
     "`la_adult_scoial_care` is not a scenario key under sources; did you mean "
     "`la_adult_social_care`?"),
    (["sweep", "default", "--out", "{tmp}/s", "-n", "200", "--vary",
      "sources.la_adult_social_care.errors.nhs_missing.rate=0,abc"],
     "--vary sources.la_adult_social_care.errors.nhs_missing.rate=abc: Input should be a "
     "valid number"),
    (["lessons", "run", "no_nhs_number", "-n", "200", "--out", "{tmp}/l", "--set",
      "world.twin_rat=0.1"],
     "--set world.twin_rat: `twin_rat` is not a scenario key under world; did you mean "
     "`twin_rate`?"),
])
def test_a_typo_in_vary_or_set_names_the_option(args: list[str], expected: str,
                                                tmp_path: Path) -> None:
    """The option and the bad key are named, not the scenario file; nothing is written."""
    result = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args],
                           env={"COLUMNS": "400"})
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert expected in text, text
    assert ".yaml" not in text
    assert list(tmp_path.iterdir()) == []


def test_a_bad_scenario_file_is_still_named(tmp_path: Path) -> None:
    """A problem in the scenario file itself (not from --vary) still names the file."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: default\npopulaton: 5\n", encoding="utf-8")
    result = runner.invoke(app, ["sweep", str(bad), "--out", str(tmp_path / "s"), "--vary",
                                 "seed=1"], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "populaton" in result.output


@pytest.mark.parametrize(("args", "fragment"), [
    (["--pairs", "nope:gp_register"], "--pairs: `nope` is not a source"),
    (["--threshold", "1.5"], "strictly between 0 and 1"),
])
def test_assess_refuses_bad_link_options_before_any_work(sample_world: Path, tmp_path: Path,
                                                         args: list[str],
                                                         fragment: str) -> None:
    result = runner.invoke(app, ["assess", str(sample_world / "project.yaml"), "--out",
                                 str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and fragment in result.output
    assert not (tmp_path / "o").exists()


def _safety_table() -> dict[str, str]:
    """docs/safety.md "Where outputs go": command → its default output folder."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "safety.md").read_text("utf-8")
    section = text.split("## Where outputs go", 1)[1].split("\n\n", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines()[3:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in re.findall(r"`([^`]+)`", cells[0]):
            table[name] = cells[1]
    return table


def test_the_docs_state_each_commands_default_out_as_its_help_does() -> None:
    """Every command with --out is in docs/safety.md's table, with the default its help
    gives (the folder beside PROJECT.yaml, a sub-folder of it, or a fixed or required
    --out)."""
    table = _safety_table()
    leaves = [(" ".join(p), c) for p, c in ALL if _option(c, "--out") is not None]
    assert sorted(n for n, _ in leaves) == sorted(table), "commands and table differ"
    for name, cmd in leaves:
        out, doc = _option(cmd, "--out"), table[name]
        text = " ".join((out.help or "").split())
        if out.required or "required" in text:
            assert "(required)" in doc, (name, doc)
        elif out.default is not None:
            assert f"`{out.default}`" in doc, (name, doc)
        else:
            folder = re.search(r"`([^`]+/[^`]*)`", doc)
            assert folder, (name, doc)
            if not folder.group(1).startswith("linkready-results/"):
                assert folder.group(1) in text, (name, folder.group(1), text)
                continue
            sub = folder.group(1).removeprefix("linkready-results/")
            assert "linkready-results/" in text or "link output folder" in text, name
            assert not sub or sub in text, (name, sub, text)


@pytest.mark.parametrize("args, words", [
    (["link", "p.yaml", "--seed", "-3"], ["--seed", "greater than or equal to 0"]),
    (["link"], ["Missing argument", "PROJECT"]),
    (["profile", "p.yaml", "--no-such-option"], ["No such option", "--no-such-option"]),
    (["generate", "default", "--population", "abc"], ["--population", "integer"]),
    (["assess", "p.yaml", "--no-estimates"],
     ["No such option", "--no-estimates", "assess and whatif always estimate",
      "`linkready link --no-estimates`"]),
])
def test_a_bad_option_is_one_line(args: list[str], words: list[str]) -> None:
    """A value the option parser refuses is one line, as linkready's own errors are,
    naming the option and where help is (it was a usage line, a hint and a 3-line box)."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.splitlines()
    assert line.startswith("error: ") and f"`linkready {args[0]} -h`" in line
    for w in words:
        assert w in line, line


def test_typer_rich_utils_loads_on_first_use_and_patched() -> None:
    """Importing the CLI leaves out typer.rich_utils (rich.markdown, markdown-it,
    Pygments: help and usage errors only); once read, its error printer is linkready's."""
    import subprocess
    import sys

    code = ("import sys, linkready.cli.app, typer; "
            "print(sorted(m for m in ('typer.rich_utils', 'rich.markdown', 'markdown_it') "
            "if m in sys.modules)); "
            "print(typer.rich_utils.rich_format_error.__name__, "
            "'rich.markdown' in sys.modules, type(typer.rich_utils).__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "one_line_error True module"]
