"""Plain-English labels for the codes the JSON outputs use."""

from __future__ import annotations

from linkready.report._fmt import field_label

#: Standardisation log actions (``profile.json`` → ``standardisation``).
ACTIONS: dict[str, str] = {
    "read": "records read",
    "digits_only": "spaces and punctuation removed",
    "quote_removed": "leading apostrophe (spreadsheet text marker) removed",
    "decimal_suffix_removed": "trailing .0 (number stored as a float) removed",
    "scientific_notation": "in scientific notation (digits lost; store the column as text)",
    "from_float_column": "read from a float column (store the column as text)",

    "upper_cased": "converted to upper case",
    "punctuation_removed": "punctuation removed",
    "recoded": "recoded to the standard codes",
    "flagged:modulus11": "fails the Modulus 11 check (kept, marked invalid)",
    "set_null:missing": "blank, treated as missing",
    "set_null:repdigit": "repeated-digit placeholder, set to missing",
    "set_null:placeholder": "placeholder (e.g. UNKNOWN), set to missing",
    "set_null:sentinel": "default date (system's 'not known'), set to missing",
    "set_null:pseudo": "ZZ99 pseudo-postcode, set to missing",
    "set_null:not_stated": "'not stated', set to missing",
    "set_null:not_known": "'not known', set to missing",
    "set_null:indeterminate": "'indeterminate', set to missing",
    "set_null:invalid": "invalid format, set to missing",
    "set_null:unparseable": "not a date in the declared format, set to missing",
    "set_null:future": "date in the future, set to missing",
    "set_null:too_early": "date before 1895, set to missing",
    "set_null:out_of_set": "not in the code set, set to missing",
    "set_null:invalid_format": "not a valid format, set to missing",
    "set_null:non_numeric": "not numeric, set to missing",
    "set_null:wrong_length": "wrong length, set to missing",
    "two_digit_year": "two-digit year, read as the latest year on or before the "
                      "reference date",
}


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    if action.startswith("sentinel_"):
        return f"of which the default date {action.removeprefix('sentinel_')}"
    if action.startswith("set_null:"):
        return f"{action.removeprefix('set_null:').replace('_', ' ')}, set to missing"
    return action.replace("_", " ").replace(":", ": ")


#: Issues (``profile.json`` → ``fields.<f>.issues``): (kind, plain English).
ISSUES: dict[str, tuple[str, str]] = {
    "placeholder": ("placeholder", "placeholder value (e.g. UNKNOWN)"),
    "repdigit": ("placeholder", "the same digit ten times"),
    "sentinel": ("placeholder", "default date used for 'not known'"),
    "pseudo": ("placeholder", "ZZ99 pseudo-postcode (no fixed abode / not known)"),
    "not_stated": ("placeholder", "'not stated'"),
    "not_known": ("placeholder", "'not known'"),
    "indeterminate": ("placeholder", "'indeterminate'"),
    "modulus11": ("invalid", "fails the Modulus 11 check digit"),
    "non_numeric": ("invalid", "not all digits"),
    "wrong_length": ("invalid", "not 10 digits"),
    "non_alphabetic": ("invalid", "characters other than letters"),
    "single_letter": ("invalid", "a single letter (an initial)"),
    "unparseable": ("invalid", "not a date in the declared format"),
    "future": ("invalid", "in the future"),
    "too_early": ("invalid", "before 1895"),
    "invalid_format": ("invalid", "not a valid UK postcode format"),
    "out_of_set": ("invalid", "not in the standard code set"),
}

#: VODIM categories of the NHS number, in chart order, with plain labels.
NHS_STATUS: tuple[tuple[str, str], ...] = (
    ("valid", "valid"),
    ("invalid", "present but invalid"),
    ("default", "placeholder"),
    ("missing", "missing"),
    ("other", "other"),
)

#: Uniqueness checks (``checks`` with check ``uniqueness`` / ``nhs_number``).
UNIQUENESS: tuple[tuple[str, str, str, str], ...] = (
    ("uniqueness", "record_id", "duplicate_records", "records whose ID is used more than once"),
    ("uniqueness", "nhs_number", "shared_number", "records sharing an NHS number"),
    ("nhs_number", "nhs_number", "same_number_different_dob",
     "same NHS number, different date of birth"),
    ("nhs_number", "nhs_number", "same_number_different_sex", "same NHS number, different sex"),
    ("uniqueness", "person", "probable_duplicates",
     "probable duplicates (same name and date of birth)"),
)


def expectation_label(expectation: str, column: str, kwargs: dict[str, object]) -> str:
    """A Great Expectations expectation in plain English (no data values)."""
    f = field_label(column)
    kind = expectation.removeprefix("expect_column_values_to_")
    if kind == "not_be_null":
        mostly = kwargs.get("mostly")
        share = f"{100 * float(mostly):.0f}% of " if isinstance(mostly, int | float) and \
            mostly < 1 else "all "
        return f"{f} present in {share}records"
    if kind == "be_valid_nhs_number":
        return "NHS number passes the Modulus 11 check"
    return {
        "be_unique": f"{f} unique",
        "match_regex": f"{f} in the standard format",
        "be_valid_nhs_number": "NHS number passes the Modulus 11 check",
        "be_between": f"{f} within the plausible range",
        "be_in_set": f"{f} uses the standard codes",
    }.get(kind, f"{f}: {kind.replace('_', ' ')}")


GUILD_ITEMS: tuple[tuple[str, str], ...] = (
    ("Data sources and the population each covers", "section 2"),
    ("Identifiers available for linkage, and their completeness and validity",
     "sections 3–6"),
    ("Cleaning and standardisation applied before linkage, with counts", "section 3"),
    ("Linkage method: deterministic rules, probabilistic model, blocking and threshold",
     "sections 7 and 11"),
    ("Match rates with their denominators and uncertainty", "section 7"),
    ("Linkage error: false-match and missed-match rates (synthetic truth only)",
     "sections 7 and 9"),
    ("Characteristics of missed records by subgroup (ethnic group, age, sex, deprivation)",
     "section 9"),
    ("Overlap between sources and the number of distinct people", "section 8"),
    ("Sensitivity of the results to data quality", "section 10"),
    ("Disclosure control applied to every published count", "section 11"),
)
GUILD_NOT_COVERED: tuple[str, ...] = (
    "Clerical review of a sample of links (not done by this tool)",
    "Information governance and the linkage agreement between data owners",
    "How linkage error affects a specific research or service question",
)
