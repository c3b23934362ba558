"""Property: any project file, however malformed, loads or raises ConfigError (exit 2)
with one line per problem naming the file; nothing else escapes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkready.errors import ConfigError
from linkready.project import load_project

KEYS = ["name", "sources", "truth", "spine", "pairs", "reference_date", "validation",
        "path", "columns", "encoding", "delimiter", "dob_format", "values", "record_id",
        "nhs_number", "record_id_is_identifier", "format", "mostly", "../x", "[/]", "a\tb"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(KEYS), st.dates())
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS),
                                                      st.text(max_size=8)), inner,
                                            max_size=5)),
    max_leaves=25,
)
VALID = {"name": "t", "sources": {"src": {"path": "src.csv", "columns": {"record_id": "ID"}}}}


def _load(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "project.yaml"
        path.write_bytes(text)
        try:
            load_project(path)
        except ConfigError as exc:
            assert exc.exit_code == 2
            assert all(str(path) in line or "project.yaml" in line for line in exc.lines())


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(KEYS), values, max_size=6),
       source=st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_any_mapping_loads_or_is_a_config_error(data: dict[str, Any],
                                                source: dict[str, Any]) -> None:
    """Random keys and values at the top level and inside a source."""
    doc = {**VALID, **data}
    if isinstance(doc.get("sources"), dict) and doc["sources"]:
        doc["sources"] = {**doc["sources"], "src": {**VALID["sources"]["src"], **source}}
    _load(yaml.safe_dump(doc, allow_unicode=True).encode())


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=st.binary(max_size=200))
def test_any_bytes_load_or_are_a_config_error(text: bytes) -> None:
    """Random bytes, including invalid UTF-8, tabs and NULs."""
    _load(text)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(data=values, text=st.text(max_size=120))
def test_the_fast_parser_reads_what_pyyaml_reads(data: Any, text: str) -> None:
    """libyaml's parser (the fast path) gives exactly what PyYAML's own parser gives,
    and raises where it raises (then with PyYAML's own message)."""
    from linkready import _config

    def pure(doc: str) -> Any:
        loader = _config._Loader(doc)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()

    for doc in (yaml.safe_dump(data, allow_unicode=True), text):
        try:
            expected: Any = pure(doc)
        except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
            with pytest.raises(type(exc)):
                _config._parse(doc)
            continue
        assert repr(_config._parse(doc)) == repr(expected)  # types too; NaN as NaN


def _columns(tmp_path: Path, columns: dict[str, Any]) -> Path:
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump({"name": "p", "sources": {"a": {"path": "a.csv",
                                                                   "columns": columns}}}))
    return path


def test_list_of_columns_for_joinable_fields_only(tmp_path: Path) -> None:
    """address_line may name a list of columns; dob, an empty list or a repeated column
    may not, and the one-line error names the file, the field and what to write."""
    project = load_project(_columns(tmp_path, {"record_id": "id",
                                               "address_line": ["street", "town"]}))
    assert project.sources["a"].column_list("address_line") == ["street", "town"]
    assert project.sources["a"].column_list("record_id") == ["id"]
    for columns, words in [
        ({"record_id": "id", "dob": ["d", "m"]}, "dob is mapped to a list of columns"),
        ({"record_id": ["id", "x"]}, "record_id is mapped to a list of columns"),
        ({"record_id": "id", "address_line": []}, "empty or names a column twice"),
        ({"record_id": "id", "address_line": ["s", "s"]}, "empty or names a column twice"),
        ({"record_id": "id", "address_line": ["id", "town"]}, "same column as address_line"),
    ]:
        path = _columns(tmp_path, columns)
        with pytest.raises(ConfigError) as err:
            load_project(path)
        lines = err.value.lines()
        assert any(words in line and str(path) in line for line in lines), (columns, lines)


GOOD_TEXT = ("name: p\nreference_date: 2025-04-01\nsources:\n"
             "  a: {path: a.csv, columns: {record_id: ID}}\n")


@pytest.mark.parametrize("bad", ["2025-13-01", "2023-02-29", "2025-04-31"])
def test_impossible_date_is_a_config_error_naming_the_line(tmp_path: Path, bad: str) -> None:
    """An impossible date (month 13, 29 February of a common year) is a one-line
    ConfigError naming the file and the line, not an internal error."""
    path = tmp_path / "project.yaml"
    path.write_text(GOOD_TEXT.replace("2025-04-01", bad))
    with pytest.raises(ConfigError) as info:
        load_project(path)
    (line,) = info.value.lines()
    assert str(path) in line and "line 2" in line and bad in line


@pytest.mark.parametrize("text, key, first, second", [
    (GOOD_TEXT + "  a: {path: b.csv, columns: {record_id: ID}}\n", "a", 4, 5),
    (GOOD_TEXT.replace("reference_date", "name: q\nreference_date"), "name", 1, 2),
])
def test_a_key_given_twice_is_a_config_error(tmp_path: Path, text: str, key: str,
                                             first: int, second: int) -> None:
    """YAML keeps the last of two equal keys, so a source listed twice under one name
    would silently drop the first extract: refused, naming both lines."""
    path = tmp_path / "project.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_project(path)
    (line,) = info.value.lines()
    assert str(path) in line and f"`{key}`" in line
    assert f"line {first}" in line and f"line {second}" in line


def test_numbers_in_value_maps_and_column_names_are_read_as_text(tmp_path: Path) -> None:
    """`values: {sex: {1: 1, 2: 2}}` and a column named 2019 are what a user writes for
    numeric codes and headers; YAML makes them integers, which were refused ("Input
    should be a valid string"). A true/false key stays an error (YAML reads Yes/No so)."""
    path = tmp_path / "project.yaml"
    path.write_text("name: p\nsources:\n  a: {path: a.csv, columns: {record_id: 2019},\n"
                    "      values: {sex: {1: 1, 2: '2', 0: null}}}\n")
    spec = load_project(path).sources["a"]
    assert spec.columns["record_id"] == "2019"
    assert spec.values == {"sex": {"1": "1", "2": "2", "0": None}}
    path.write_text("name: p\nsources:\n  a: {path: a.csv, columns: {record_id: ID},\n"
                    "      values: {sex: {Yes: '1'}}}\n")
    with pytest.raises(ConfigError):
        load_project(path)


def test_a_scenario_given_as_the_project_is_one_line(tmp_path: Path) -> None:
    """`linkready assess configs/scenarios/default.yaml`: one line saying it is a scenario
    and how to make a project of it (it was 50 lines, one per key)."""
    from linkready.generate.scenario import resolve_scenario_path

    with pytest.raises(ConfigError) as info:
        load_project(resolve_scenario_path("default"))
    (line,) = info.value.lines()
    assert "a scenario" in line and "linkready generate" in line


@pytest.mark.parametrize("value", ["20250401", "tomorrow", "2025-04-01 10:00:00", "'01/04/2025'"])
def test_a_reference_date_not_written_as_a_date_names_the_form(tmp_path: Path,
                                                                value: str) -> None:
    """A reference_date written 20250401 (YAML: an integer, which pydantic reads as a Unix
    time), 'tomorrow' or with a time: the line says to write YYYY-MM-DD."""
    path = tmp_path / "project.yaml"
    path.write_text(GOOD_TEXT.replace("2025-04-01", value))
    with pytest.raises(ConfigError) as info:
        load_project(path)
    (line,) = info.value.lines()
    assert "reference_date" in line and "YYYY-MM-DD" in line
    assert "Datetimes provided" not in line and "Unix" not in line


@pytest.mark.parametrize("extra, key, words", [
    ("pairs: acute:gp_register\n", "pairs", "[[acute, gp_register]]"),
    ("pairs:\n  - [a, a, a]\n", "pairs.0", "[left, right]"),
])
def test_a_wrongly_shaped_key_shows_the_shape(tmp_path: Path, extra: str, key: str,
                                              words: str) -> None:
    """`pairs: a:b` or a pair of three: the line shows the shape to write (it said
    'correct the value')."""
    path = tmp_path / "project.yaml"
    path.write_text(GOOD_TEXT + extra)
    with pytest.raises(ConfigError) as info:
        load_project(path)
    (line,) = info.value.lines()
    assert f"{key}:" in line and words in line and "correct the value" not in line


@pytest.mark.parametrize("text, key, words", [
    ("name: p\nsources: [a]\n", "sources", "NAME: {path:"),
    ("name: p\nsources:\n  a: {path: a.csv, columns: [ID]}\n", "sources.a.columns",
     "{record_id:"),
    # a union (text or list): one line, not one per member pydantic tried
    ("name: p\nsources:\n  a: {path: a.csv, columns: {record_id: ID}, dob_format: {a: b}}\n",
     "sources.a.dob_format", '"%d/%m/%Y"'),
])
def test_sources_and_columns_of_the_wrong_shape_show_it(tmp_path: Path, text: str, key: str,
                                                        words: str) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_project(path)
    (line,) = info.value.lines()
    assert f"{key}:" in line and words in line and "correct the value" not in line
