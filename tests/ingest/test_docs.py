"""The documentation's examples are true: they are run here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linkready.profile._dqmi import item_score
from linkready.project import load_project

DOCS = Path(__file__).parents[2] / "docs"


def test_project_yaml_example_loads(tmp_path: Path) -> None:
    """The example in docs/project-yaml.md is a valid project file."""
    text = (DOCS / "project-yaml.md").read_text()
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example is not None
    path = tmp_path / "project.yaml"
    path.write_text(example.group(1))
    project = load_project(path)
    assert project.sources["la_adult_social_care"].dob_formats == ["%d.%m.%Y", "%Y-%m-%d"]
    assert project.validation.mostly_for("ethnicity") == 0.8
    assert project.sources["la_adult_social_care"].values["sex"]["Not recorded"] is None


def test_dqmi_worked_example() -> None:
    """The worked example in docs/methods/dqmi.md gives the figures it states."""
    s = item_score("nhs_number", {"valid": 900, "default": 20, "invalid": 30, "missing": 50})
    text = (DOCS / "methods" / "dqmi.md").read_text()
    for value in (s.completeness, s.validity, s.non_default, s.score):
        assert f"{value:.1f}" in text
    assert s.score == pytest.approx(96.56, abs=0.01)
