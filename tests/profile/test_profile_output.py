"""profile.json on a generated world: figures match the generator, no identifiers leak."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import linkready
from linkready.cli.app import app
from linkready.ingest import _rules as R
from linkready.profile import ProjectProfile
from lr_extracts import GIVEN, one_source, person

runner = CliRunner()
IDENTIFYING = ("nhs_number", "given_name", "family_name", "dob", "middle_names")


@pytest.fixture(scope="module")
def profiled(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`linkready profile` on the shared 3,000-person world (workspace and output in tmp)."""
    tmp = tmp_path_factory.mktemp("profiled")
    result = runner.invoke(app, ["profile", str(small_world / "project.yaml"), "--out",
                                 str(tmp / "out"), "--workspace", str(tmp / "ws.duckdb")])
    assert result.exit_code == 0, result.output
    return {"doc": json.loads((tmp / "out" / "profile.json").read_text()),
            "text": (tmp / "out" / "profile.json").read_text(),
            "workspace": tmp / "ws.duckdb", "console": result.output}


@pytest.fixture(scope="module")
def exact(small_world: Path, profiled: dict[str, Any],
          tmp_path_factory: pytest.TempPathFactory) -> ProjectProfile:
    """The exact (unsuppressed) profile of the same workspace, as `linkready.profile`
    returns it beside the document."""
    prof = linkready.profile(small_world / "project.yaml", tmp_path_factory.mktemp("api"),
                             workspace=profiled["workspace"]).profile
    assert prof is not None
    return prof


def input_identifiers(world: Path) -> set[str]:
    """Every name, NHS number and DOB string in the world's raw extracts."""
    project = yaml.safe_load((world / "project.yaml").read_text())
    found: set[str] = set()
    for spec in project["sources"].values():
        cols = {c: f for f, c in spec["columns"].items() if f in IDENTIFYING}
        with (world / spec["path"]).open(encoding=spec.get("encoding", "utf-8")) as fh:
            for row in csv.DictReader(fh, delimiter=spec.get("delimiter", ",")):
                for col, field in cols.items():
                    value = (row.get(col) or "").strip()
                    if not value:
                        continue
                    found.add(value.upper())
                    if field == "nhs_number":
                        found.add(re.sub(r"\D", "", value))
    return found


def strings_in(doc: Any) -> set[str]:
    """Every key and string value in a JSON document, upper-cased."""
    out: set[str] = set()
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.add(str(k).upper())
            out |= strings_in(v)
    elif isinstance(doc, list):
        for v in doc:
            out |= strings_in(v)
    elif isinstance(doc, str):
        out.add(doc.upper())
    return out


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The strings profile.json uses whatever the data: keys, check names, codes, labels —
    taken from the profile of a hand-built extract, which must not hold its own names."""
    d = tmp_path_factory.mktemp("vocab")
    rows = [person(i, family_name="Lovelace") for i in range(26)]
    project_file = one_source(d, rows)
    assert runner.invoke(app, ["profile", str(project_file)]).exit_code == 0
    vocab = strings_in(json.loads((d / "linkready-results" / "profile.json").read_text()))
    assert not vocab & ({g.upper() for g in GIVEN} | {"LOVELACE"})
    return vocab | {g.upper() for g in R.ETHNIC_GROUPS.values()} | set(R.ETHNICITY_CODES)


def test_no_identifier_in_profile_json(small_world: Path, profiled: dict[str, Any],
                                       vocabulary: set[str]) -> None:
    """No name, NHS number or DOB string of the inputs appears in profile.json or on screen."""
    identifiers = input_identifiers(small_world)
    # A surname may coincide with the tool's own words ("Read", "White"): those are
    # allowed only because the same words appear for data holding no such name.
    leaked = (strings_in(profiled["doc"]) & identifiers) - vocabulary
    assert not leaked
    # Sentinel DOBs are named defaults, not anyone's date of birth.
    sentinels = {d.isoformat() for d in R.SENTINEL_DOBS}
    for value in identifiers - sentinels:
        if re.fullmatch(r"[\d/.\- ]{8,}", value):  # NHS numbers and dates as text
            assert value not in profiled["text"]
            assert value not in profiled["console"]


def walk_counts(doc: Any, key: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += walk_counts(v, k)
    elif isinstance(doc, list):
        for v in doc:
            found += walk_counts(v, key)
    elif key in ("count", "records", "distinct_values", "non_null"):
        found.append((key, doc))
    return found


def test_every_count_is_suppressed(profiled: dict[str, Any]) -> None:
    """Every count is 0, '*' or a multiple of 5; every share is null, '*' or within
    [0, 1]."""
    counts = walk_counts(profiled["doc"]["sources"])
    assert counts
    for key, value in counts:
        assert value == "*" or (isinstance(value, int) and value % 5 == 0), (key, value)
    shares = re.findall(r'"share": ([^,\n}]+)', profiled["text"])
    assert shares
    assert all(s in ("null", '"*"') or 0 <= float(s) <= 1 for s in shares)


def test_shares_follow_the_one_rule(profiled: dict[str, Any], exact: ProjectProfile) -> None:
    """A profile share is the exact share to 4 decimals, '*' where its count or the rest
    of the records is 1–7: the rule of every document (linkready.publish)."""
    from linkready.privacy import safe_rate

    seen = set()
    for name, prof in exact.sources.items():
        ready = profiled["doc"]["sources"][name]["readiness"]
        for cat in ("deterministic", "probabilistic", "either", "neither"):
            n = prof.count("readiness", "record", cat)
            assert ready[cat]["share"] == safe_rate(n, prof.records), (name, cat)
            seen.add(type(ready[cat]["share"]))
    assert float in seen


def test_document_shape(profiled: dict[str, Any]) -> None:
    """profile.json carries its schema version, the tool version and every source."""
    doc = profiled["doc"]
    assert doc["schema_version"] == "1.1"
    assert doc["tool"] == "linkready" and doc["tool_version"]
    src = doc["sources"]["gp_register"]
    for key in ("records", "fields", "checks", "discriminating_power", "subgroups", "dqmi",
                "readiness", "standardisation"):
        assert key in src
    assert doc["sources"]["childrens_social_care"]["fields"]["nhs_number"] == {"held": False}


GENERATOR_ERRORS = [
    # manifest error kind, profile issues it must equal: standardisation turns each into
    # exactly these issue codes
    pytest.param("nhs_missing", [("nhs_number", "missing")], id="nhs-missing"),
    pytest.param("nhs_placeholder", [("nhs_number", "repdigit"), ("nhs_number", "placeholder")],
                 id="nhs-placeholder"),
    pytest.param("nhs_invalid", [("nhs_number", "modulus11")], id="nhs-invalid"),
    pytest.param("postcode_pseudo", [("postcode", "pseudo")], id="postcode-pseudo"),
    pytest.param("postcode_missing", [("postcode", "missing")], id="postcode-missing"),
    pytest.param("dob_default", [("dob", "sentinel")], id="dob-default"),
    pytest.param("ethnicity_not_stated", [("ethnicity", "not_stated")], id="ethnicity-z"),
    pytest.param("sex_unknown", [("sex", "indeterminate"), ("sex", "not_known")],
                 id="sex-unknown"),
]


@pytest.mark.parametrize(("kind", "issues"), GENERATOR_ERRORS)
def test_profile_matches_generator_manifest(small_world: Path, exact: ProjectProfile,
                                            kind: str, issues: list[tuple[str, str]]) -> None:
    """Profile issue counts equal the errors the generator says it injected."""
    manifest = json.loads((small_world / "manifest.json").read_text())
    for source, prof in exact.sources.items():
        assert prof.records == manifest["row_counts"][source]
        injected = manifest["errors"][source].get(kind, 0)
        if not all(f in prof.held for f, _ in issues):
            assert injected == 0
            continue
        found = sum(prof.count("issue", f, c) for f, c in issues)
        assert found == injected, (source, kind)


def test_subgroups_sum_to_totals_on_world(exact: ProjectProfile) -> None:
    """On every generated source each dimension's groups add up to the source's figures."""
    for prof in exact.sources.values():
        for dim in {g.dimension for g in prof.subgroups}:
            groups = [g for g in prof.subgroups if g.dimension == dim]
            assert sum(g.records for g in groups) == prof.records
            assert sum(g.nhs_valid for g in groups) == prof.count("nhs_number", "nhs_number",
                                                                   "valid")
            assert sum(g.linkable_probabilistic for g in groups) == prof.count(
                "readiness", "record", "probabilistic")


def test_csv_and_parquet_give_the_same_profile(tmp_path: Path) -> None:
    """The same world written as CSV and as Parquet profiles identically."""
    figures, documents = [], []
    for fmt in ("csv", "parquet"):
        world = linkready.generate("default", tmp_path / fmt, population=600, seed=11,
                                   fmt=fmt)
        result = linkready.profile(world.project_file, tmp_path / f"{fmt}-profile")
        assert result.profile is not None
        figures.append({name: (p.checks, p.power, p.subgroups) for name, p in
                        result.profile.sources.items()})
        documents.append(result.to_dict()["sources"])
    assert figures[0] == figures[1]
    assert documents[0] == documents[1]


def test_undeclared_reference_date_is_no_record_s_date_of_birth(tmp_path: Path) -> None:
    """Without `reference_date`, ages are measured near the latest date of birth; the date
    written is the first of the next month, so profile.json holds no record's DOB (it held
    the youngest person's date of birth exactly)."""
    dobs = ["03/04/1950", "17/09/1988", "15/02/2026", "29/12/2001"]
    project_file = one_source(tmp_path, [person(i, dob=d) for i, d in enumerate(dobs)])
    doc = yaml.safe_load(project_file.read_text())
    del doc["reference_date"]
    project_file.write_text(yaml.safe_dump(doc))
    assert runner.invoke(app, ["profile", str(project_file)]).exit_code == 0
    text = (tmp_path / "linkready-results" / "profile.json").read_text()
    assert json.loads(text)["reference_date"] == "2026-03-01"
    for d in dobs:
        day, month, year = d.split("/")
        assert f"{year}-{month}-{day}" not in text and d not in text
