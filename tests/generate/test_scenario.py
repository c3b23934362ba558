"""Scenario loading: built-ins, inheritance, overrides and every-problem-at-once errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkready.errors import ConfigError
from linkready.generate.scenario import SOURCE_KINDS, list_scenarios, load_scenario

BUILT_IN = ["default", "borough", "ics", "la_without_nhs_number", "primary_acute", "well_recorded"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_built_in_scenarios_validate(name: str) -> None:
    """Every built-in scenario loads, holds every source kind and has a description."""
    scenario = load_scenario(name)
    assert set(scenario.sources) == set(SOURCE_KINDS)
    assert list_scenarios()[name]


def test_extends_overrides_only_what_it_names() -> None:
    """A child scenario changes its own keys and inherits the rest."""
    base = load_scenario("default")
    child = load_scenario("la_without_nhs_number")
    assert child.sources["la_housing"].errors.nhs_missing.rate == 1.0
    assert child.sources["acute"] == base.sources["acute"]
    assert child.population == base.population


def test_dotted_overrides_and_cli_values() -> None:
    """Population, seed and dotted-key overrides apply after inheritance."""
    s = load_scenario(
        "default",
        population=1234,
        seed=7,
        overrides={"sources.la_adult_social_care.errors.nhs_missing.rate": 0.5},
    )
    assert (s.population, s.seed) == (1234, 7)
    assert s.sources["la_adult_social_care"].errors.nhs_missing.rate == 0.5
    assert s.config_hash() != load_scenario("default", population=1234, seed=7).config_hash()


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    """Unknown key, rate out of range, unknown source kind and bad type are all reported."""
    path = tmp_path / "bad.yaml"
    path.write_text(
        "population: many\n"
        "colour: blue\n"
        "sources:\n"
        "  gp_register:\n"
        "    coverage: {resident: 1.5}\n"
        "    errors: {nhs_missing: 2, name_typo: 0.1}\n"
        "  pharmacy:\n"
        "    coverage: {resident: 0.5}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    lines = info.value.lines()
    text = "\n".join(lines)
    assert all(line.startswith(str(path)) for line in lines)
    for key in ["population", "colour", "sources.gp_register.coverage.resident",
                "sources.gp_register.errors.nhs_missing.rate",
                "sources.gp_register.errors.name_typo"]:
        assert key in text, key
    assert len(lines) >= 5


def test_unknown_source_kind(tmp_path: Path) -> None:
    """A source that is no known system is named with the kinds to choose from."""
    path = tmp_path / "bad.yaml"
    path.write_text("population: 100\nsources:\n  pharmacy:\n    coverage: {resident: 0.5}\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert "pharmacy" in info.value.lines()[0] and "gp_register" in info.value.lines()[0]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        pytest.param("population: [1\n", "YAML", id="malformed-yaml"),
        pytest.param("- a\n- b\n", "mapping", id="not-a-mapping"),
        pytest.param("extends: nowhere\n", "nowhere", id="unknown-parent"),
        pytest.param("population: 2000000\nsources: {}\n", "population", id="beyond-test-range"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, needle: str) -> None:
    """Broken scenario files give a ConfigError naming the problem."""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert needle in "\n".join(info.value.lines())


def test_unknown_scenario_name() -> None:
    """An unknown name lists the built-in scenarios."""
    with pytest.raises(ConfigError, match="default"):
        load_scenario("no_such_scenario")


def test_a_project_file_given_as_the_scenario_is_one_line(tmp_path: Path) -> None:
    """`linkready generate project.yaml`: one line saying it is a project file and which
    command takes it (it was 50 lines, one per key)."""
    from linkready.generate.scenario import load_scenario

    project = tmp_path / "project.yaml"
    project.write_text("name: mine\nsources:\n  gp: {path: gp.csv, columns: {record_id: ID}}\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(project)
    (line,) = info.value.lines()
    assert "a project file" in line and "linkready assess" in line


def test_extends_naming_no_scenario_names_the_file_and_key(tmp_path: Path) -> None:
    """`extends: nosuch` in a user's scenario: the line names that file and `extends`
    (it named only the missing scenario)."""
    scenario = tmp_path / "mine.yaml"
    scenario.write_text("extends: nosuch\n")
    with pytest.raises(ConfigError) as info:
        load_scenario(scenario)
    (line,) = info.value.lines()
    assert str(scenario) in line and "extends:" in line and "`nosuch`" in line
