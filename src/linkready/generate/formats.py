"""How each kind of system writes its extract: column names, date format, codes, case.

The formats are modelled on the systems' published data standards and on what analysts
meet in practice (e.g. GP systems with ``dd/mm/yyyy`` dates and spaced NHS numbers, SUS-
style ISO dates and gender codes, council systems with "Male"/"Female" or ISO 5218 codes,
compact lower-case postcodes and ethnicity descriptions instead of codes). They are
illustrative: no real system's layout is reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from linkready.generate.scenario import FormatOverride

ETHNICITY_DESCRIPTIONS: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese",
    "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated",
}
MONTHS = np.array(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    dtype=object,
)


@dataclass(frozen=True)
class SystemFormat:
    """A system's raw layout. ``columns`` maps canonical (or extra) field → raw column."""

    columns: dict[str, str]
    date_format: str
    sex_codes: dict[str, str]  # canonical "1"/"2"/"9" → raw
    nhs_style: str = "plain"  # plain | spaced | dashed
    postcode_style: str = "spaced"  # spaced | compact | compact_lower
    name_case: str = "upper"  # upper | title | lower
    ethnicity_style: str = "code"  # code | description
    sentinel_dob: tuple[int, int, int] = (1900, 1, 1)
    id_prefix: str = ""
    id_digits: int = 8
    extras: dict[str, str] = field(default_factory=dict)  # raw column → note

    def with_override(self, o: FormatOverride) -> SystemFormat:
        changes = {k: v for k, v in o.model_dump().items() if v is not None}
        return replace(self, **changes)


SYSTEMS: dict[str, SystemFormat] = {
    "gp_register": SystemFormat(
        columns={
            "record_id": "PATIENT_ID",
            "nhs_number": "NHS_NUMBER",
            "given_name": "FORENAME",
            "family_name": "SURNAME",
            "dob": "DATE_OF_BIRTH",
            "sex": "GENDER",
            "postcode": "POSTCODE",
            "ethnicity": "ETHNIC_CATEGORY",
            "lsoa": "LSOA_NAME",
        },
        date_format="%d/%m/%Y",
        sex_codes={"1": "Male", "2": "Female", "9": "Unknown"},
        nhs_style="spaced",
        name_case="title",
        id_prefix="GP",
        id_digits=8,
    ),
    "acute": SystemFormat(
        columns={
            "record_id": "LocalPatientIdentifier",
            "nhs_number": "NHSNumber",
            "given_name": "PatientForename",
            "family_name": "PatientSurname",
            "dob": "PersonBirthDate",
            "sex": "PersonStatedGenderCode",
            "postcode": "PostcodeUsualAddress",
            "ethnicity": "EthnicCategory",
        },
        date_format="%Y-%m-%d",
        sex_codes={"1": "1", "2": "2", "9": "9"},
        nhs_style="plain",
        name_case="upper",
        id_prefix="RAL",
        id_digits=7,
        extras={"Setting": "Inpatient or A&E"},
    ),
    "community_health": SystemFormat(
        columns={
            "record_id": "client_id",
            "nhs_number": "nhs_no",
            "given_name": "first_name",
            "family_name": "last_name",
            "dob": "date_of_birth",
            "sex": "sex",
            "postcode": "post_code",
            "ethnicity": "ethnic_code",
        },
        date_format="%d-%b-%Y",
        sex_codes={"1": "M", "2": "F", "9": "U"},
        nhs_style="dashed",
        name_case="title",
        id_prefix="C",
        id_digits=9,
    ),
    "mental_health": SystemFormat(
        columns={
            "record_id": "LocalPatientId",
            "nhs_number": "NHSNUMBER",
            "given_name": "GIVEN_NAME",
            "family_name": "FAMILY_NAME",
            "dob": "DOB",
            "sex": "GENDER",
            "postcode": "POSTCODE",
            "ethnicity": "ETHNICITY",
        },
        date_format="%Y%m%d",
        sex_codes={"1": "1", "2": "2", "9": "X"},
        nhs_style="plain",
        name_case="upper",
        postcode_style="compact",
        id_prefix="MH",
        id_digits=7,
    ),
    "la_adult_social_care": SystemFormat(
        columns={
            "record_id": "Person ID",
            "nhs_number": "NHS No",
            "given_name": "Forename",
            "family_name": "Surname",
            "dob": "Date of Birth",
            "sex": "Gender",
            "postcode": "Postcode",
            "ethnicity": "Ethnicity",
        },
        date_format="%d/%m/%Y",
        sex_codes={"1": "Male", "2": "Female", "9": "Not Known"},
        nhs_style="spaced",
        name_case="title",
        postcode_style="compact_lower",
        ethnicity_style="description",
        id_prefix="",
        id_digits=6,
    ),
    "la_housing": SystemFormat(
        columns={
            "record_id": "tenancy_person_ref",
            "nhs_number": "nhs_number",
            "given_name": "forenames",
            "family_name": "surname",
            "dob": "dob",
            "sex": "gender_iso",
            "postcode": "postcode",
            "ethnicity": "ethnic_origin",
        },
        date_format="%d.%m.%Y",
        sex_codes={"1": "1", "2": "2", "9": "0"},
        nhs_style="plain",
        name_case="upper",
        postcode_style="compact",
        ethnicity_style="description",
        id_prefix="HSG",
        id_digits=7,
    ),
    "childrens_social_care": SystemFormat(
        columns={
            "record_id": "ChildID",
            "local_id": "UPN",
            "given_name": "Forename",
            "family_name": "Surname",
            "dob": "PersonBirthDate",
            "sex": "Gender",
            "postcode": "Postcode",
            "ethnicity": "Ethnicity",
        },
        date_format="%d/%m/%Y",
        sex_codes={"1": "M", "2": "F", "9": "U"},
        name_case="title",
        postcode_style="spaced",
        ethnicity_style="description",
        id_prefix="CSC",
        id_digits=6,
    ),
}


def _pad(values: npt.NDArray[np.int64], width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width=width, padding="0")


def format_dates(
    y: npt.NDArray[np.int64],
    m: npt.NDArray[np.int64],
    d: npt.NDArray[np.int64],
    fmt: str,
    missing: npt.NDArray[np.bool_],
) -> pa.Array:
    """Render (year, month, day) with a strftime-style format, vectorised.

    Supports %d %m %Y %y %b and literal characters. Values need not be a real date: a typo
    can make one that a parser will reject, as in real extracts."""
    tokens = {  # built only when the format uses them
        "%d": lambda: _pad(d, 2),
        "%m": lambda: _pad(m, 2),
        "%Y": lambda: _pad(y, 4),
        "%y": lambda: _pad(y % 100, 2),
        "%b": lambda: pa.array(MONTHS[np.clip(m, 1, 12) - 1], pa.string()),
    }
    parts: list[pa.Array | str] = []
    i = 0
    while i < len(fmt):
        tok = fmt[i : i + 2]
        if tok in tokens:
            parts.append(tokens[tok]())
            i += 2
        else:
            parts.append(fmt[i])
            i += 1
    out = pc.binary_join_element_wise(*parts, "")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), out)


def format_nhs(nhs: npt.NDArray[np.int64], style: str, missing: npt.NDArray[np.bool_]) -> pa.Array:
    s = _pad(nhs, 10)
    if style != "plain":
        sep = " " if style == "spaced" else "-"
        s = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(s, 0, 3),
            pc.utf8_slice_codeunits(s, 3, 6),
            pc.utf8_slice_codeunits(s, 6, 10),
            sep,
        )
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), s)


def format_names(names: npt.NDArray[np.object_], case: str) -> pa.Array:
    arr = pa.array(names, pa.string())
    return {"upper": pc.utf8_upper, "lower": pc.utf8_lower, "title": pc.utf8_title}[case](arr)


def format_postcodes(postcodes: npt.NDArray[np.object_], style: str) -> pa.Array:
    arr = pa.array(postcodes, pa.string())
    if style == "spaced":
        return arr
    arr = pc.replace_substring(arr, " ", "")
    return pc.utf8_lower(arr) if style == "compact_lower" else arr


def format_codes(values: npt.NDArray[np.object_], mapping: dict[str, str]) -> pa.Array:
    keys = np.array(list(mapping), dtype=object)
    idx = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(keys, pa.string()))
    vals = pa.array(list(mapping.values()), pa.string())
    return pc.take(vals, idx)
