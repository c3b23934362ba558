"""Every profile check gives the known answer on a hand-built ten-record extract."""

from __future__ import annotations

from pathlib import Path

import pytest

import linkready
from linkready.profile import SourceProfile
from linkready.profile._dqmi import composite, item_score
from lr_extracts import GIVEN, VALID_NHS, one_source, person

ISSUED = "4010232137"  # valid, in the England/Wales 400–499 million range

ROWS = [
    person(1, nhs_number=VALID_NHS[0]),
    person(2, nhs_number="", given_name="UNKNOWN"),
    person(3, nhs_number="1111111111", dob="01/01/1900"),
    person(4, nhs_number="9434765918", family_name="Sm1th", postcode="ZZ99 3VZ"),
    person(5, nhs_number=ISSUED),
    person(6, record_id="R0005", nhs_number=VALID_NHS[6], dob="01/01/1905", sex="X",
           postcode="BAD"),
    person(7, nhs_number=VALID_NHS[7], given_name="J", dob="31/02/1980", ethnicity="Z",
           postcode=""),
    person(8, nhs_number=VALID_NHS[8], dob="01/01/2030", sex="Q", ethnicity="99"),
    person(9, nhs_number=VALID_NHS[0], dob="11/12/1980", sex="1"),
    person(10, nhs_number=VALID_NHS[5], given_name=GIVEN[1]),
]

EXPECTED = [
    # check, field, category, count
    pytest.param("records", "record", "all", 10, id="records"),
    pytest.param("completeness", "record_id", "missing", 0, id="record-id-missing"),
    pytest.param("uniqueness", "record_id", "duplicate_records", 2, id="dup-id-records"),
    pytest.param("uniqueness", "record_id", "duplicated_ids", 1, id="dup-ids"),
    pytest.param("issue", "nhs_number", "missing", 1, id="nhs-missing"),
    pytest.param("issue", "nhs_number", "repdigit", 1, id="nhs-repdigit"),
    pytest.param("issue", "nhs_number", "modulus11", 1, id="nhs-mod11"),
    pytest.param("nhs_number", "nhs_number", "present", 8, id="nhs-present"),
    pytest.param("nhs_number", "nhs_number", "valid", 7, id="nhs-valid"),
    pytest.param("nhs_number", "nhs_number", "test_range", 6, id="nhs-test-range"),
    pytest.param("nhs_number", "nhs_number", "outside_issued_ranges", 6, id="nhs-outside"),
    pytest.param("uniqueness", "nhs_number", "shared_number", 2, id="nhs-shared"),
    pytest.param("nhs_number", "nhs_number", "same_number_different_dob", 2, id="nhs-diff-dob"),
    pytest.param("nhs_number", "nhs_number", "same_number_different_sex", 2, id="nhs-diff-sex"),
    pytest.param("vodim", "nhs_number", "valid", 7, id="vodim-nhs-valid"),
    pytest.param("vodim", "nhs_number", "default", 1, id="vodim-nhs-default"),
    pytest.param("vodim", "nhs_number", "invalid", 1, id="vodim-nhs-invalid"),
    pytest.param("vodim", "nhs_number", "missing", 1, id="vodim-nhs-missing"),
    pytest.param("issue", "given_name", "placeholder", 1, id="given-placeholder"),
    pytest.param("issue", "given_name", "single_letter", 1, id="given-single-letter"),
    pytest.param("vodim", "given_name", "valid", 8, id="vodim-given-valid"),
    pytest.param("vodim", "given_name", "other", 1, id="vodim-given-other"),
    pytest.param("vodim", "given_name", "default", 1, id="vodim-given-default"),
    pytest.param("issue", "family_name", "non_alphabetic", 1, id="family-non-alpha"),
    pytest.param("vodim", "family_name", "invalid", 1, id="vodim-family-invalid"),
    pytest.param("issue", "dob", "sentinel", 1, id="dob-sentinel"),
    pytest.param("issue", "dob", "unparseable", 1, id="dob-unparseable"),
    pytest.param("issue", "dob", "future", 1, id="dob-future"),
    pytest.param("dob", "dob", "implausible_age", 1, id="dob-implausible"),
    pytest.param("vodim", "dob", "valid", 7, id="vodim-dob-valid"),
    pytest.param("vodim", "dob", "invalid", 2, id="vodim-dob-invalid"),
    pytest.param("issue", "sex", "not_known", 1, id="sex-not-known"),
    pytest.param("issue", "sex", "out_of_set", 1, id="sex-out-of-set"),
    pytest.param("vodim", "sex", "valid", 8, id="vodim-sex-valid"),
    pytest.param("issue", "postcode", "pseudo", 1, id="pc-pseudo"),
    pytest.param("issue", "postcode", "invalid_format", 1, id="pc-invalid"),
    pytest.param("issue", "postcode", "missing", 1, id="pc-missing"),
    pytest.param("vodim", "postcode", "valid", 7, id="vodim-pc-valid"),
    pytest.param("issue", "ethnicity", "not_stated", 1, id="eth-not-stated"),
    pytest.param("issue", "ethnicity", "not_known", 1, id="eth-not-known"),
    pytest.param("vodim", "ethnicity", "default", 2, id="vodim-eth-default"),
    pytest.param("uniqueness", "person", "probable_duplicates", 2, id="probable-dups"),
    pytest.param("readiness", "record", "deterministic", 7, id="ready-deterministic"),
    pytest.param("readiness", "record", "probabilistic", 4, id="ready-probabilistic"),
    pytest.param("readiness", "record", "either", 7, id="ready-either"),
    pytest.param("readiness", "record", "neither", 3, id="ready-neither"),
]


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> SourceProfile:
    """The exact profile of the ten-record extract (`linkready.profile` beside the
    document it publishes)."""
    d = tmp_path_factory.mktemp("known")
    prof = linkready.profile(one_source(d, ROWS)).profile
    assert prof is not None
    return prof.sources["src"]


@pytest.mark.parametrize(("check", "field", "category", "count"), EXPECTED)
def test_known_answer(profile: SourceProfile, check: str, field: str, category: str,
                      count: int) -> None:
    """The check counts exactly the records built to trigger it."""
    assert profile.count(check, field, category) == count


def test_vodim_classes_partition_records(profile: SourceProfile) -> None:
    """For every held field the five VODIM classes add up to the records."""
    for f in ("nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "ethnicity"):
        vodim = profile.vodim(f)
        assert vodim is not None and sum(vodim.values()) == profile.records, f


def test_discriminating_power(profile: SourceProfile) -> None:
    """Distinct values and the top value's size are counted over non-null values."""
    power = {p.field: p for p in profile.power}
    assert (power["given_name"].distinct, power["given_name"].non_null,
            power["given_name"].top1) == (8, 9, 2)
    assert power["sex"].distinct == 2 and power["sex"].top1 == 7


def test_subgroups_sum_to_totals(profile: SourceProfile) -> None:
    """Each subgroup dimension splits the records, valid NHS numbers and linkable records."""
    dims = {g.dimension for g in profile.subgroups}
    assert dims == {"ethnicity", "ethnic_group", "sex", "age_band"}
    for dim in dims:
        groups = [g for g in profile.subgroups if g.dimension == dim]
        assert sum(g.records for g in groups) == 10
        assert sum(g.nhs_valid for g in groups) == 7
        assert sum(g.nhs_present for g in groups) == 8
        assert sum(g.linkable_probabilistic for g in groups) == 4


def test_age_bands(profile: SourceProfile) -> None:
    """Ages are measured at the reference date; unknown DOBs fall in `not known`."""
    bands = {g.group: g.records for g in profile.subgroups if g.dimension == "age_band"}
    assert bands == {"30-49": 6, "80+": 1, "not known": 3}


@pytest.mark.parametrize(("vodim", "expected"), [
    pytest.param({"valid": 10}, (100, 100, 100), id="perfect"),
    pytest.param({"valid": 5, "missing": 5}, (50, 100, 100), id="half-missing"),
    pytest.param({"valid": 6, "invalid": 2, "missing": 2}, (80, 75, 100), id="invalid"),
    pytest.param({"valid": 6, "default": 2, "other": 2}, (100, 100, 80), id="defaults"),
    pytest.param({"missing": 4}, (0, 0, 0), id="all-missing"),
])
def test_dqmi_item_score(vodim: dict[str, int], expected: tuple[float, float, float]) -> None:
    """Item score = mean of completeness, validity and non-default shares."""
    s = item_score("x", vodim)
    assert (s.completeness, s.validity, s.non_default) == pytest.approx(expected)
    assert s.score == pytest.approx(sum(expected) / 3)


def test_dqmi_composite_counts_not_held_as_zero() -> None:
    """Composite averages over all seven identifying fields; not held scores 0."""
    items = [item_score(f, {"valid": 1}) for f in ("a", "b", "c", "d", "e", "f")]
    items.append(item_score("g", None))
    scores = composite(items)
    assert scores["composite"] == pytest.approx(600 / 7)
    assert scores["composite_held"] == pytest.approx(100)
    assert scores["coverage"] == pytest.approx(600 / 7)


@pytest.mark.parametrize(("copies", "detected"), [
    pytest.param(30, True, id="default-detected"),
    pytest.param(5, False, id="too-few-to-be-a-default"),
])
def test_suspected_default_dob(tmp_path: Path, copies: int, detected: bool) -> None:
    """A DOB far more common than any birthday is named as a suspected local default."""
    import random

    rnd = random.Random(1)
    rows = [person(i, record_id=f"R{i}", dob=f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/"
                   f"{rnd.randint(1930, 2010)}") for i in range(1500)]
    for i in range(copies):
        rows[i]["dob"] = "01/01/1970"
    result = linkready.profile(one_source(tmp_path, rows))
    prof = result.profile
    assert prof is not None
    doc = result.to_dict()["sources"]["src"]["defaults_detected"]
    if detected:
        assert doc == [{"field": "dob", "value": "1970-01-01", "count": 30, "share": 0.02}]
        assert prof.sources["src"].count("dob", "dob", "suspected_default") == copies
    else:
        assert doc == []


def test_non_uk_postcodes_count_as_linkable(tmp_path: Path) -> None:
    """Where most postcodes fail the UK format (another country's, as in FEBRL), linkage
    compares them as normalised strings, so readiness counts them: names, DOB and such a
    postcode make a record linkable (it said 0% linkable on FEBRL 4, which links 98.7%).
    A blank postcode still does not count."""
    columns = {f: f.upper() for f in ("record_id", "given_name", "family_name", "dob",
                                      "postcode")}
    rows = [person(i, postcode=str(2600 + i)) for i in range(9)] + [person(9, postcode="")]
    prof = linkready.profile(one_source(tmp_path, rows, columns=columns)).profile
    ready = prof.sources["src"]
    assert ready.count("readiness", "record", "probabilistic") == 9
    assert ready.count("readiness", "record", "neither") == 1
    assert sum(g.linkable_probabilistic for g in ready.subgroups
               if g.dimension == "sex") == 9
