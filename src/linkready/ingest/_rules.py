"""What standardisation treats as a placeholder, a default or a code: data, not code.

The profile and the validation suites read the same tables, so that every stage agrees
on what "valid", "default" or "not known" means.
"""

from __future__ import annotations

from datetime import date

#: Fields whose value is classified during ingest; each gets a ``<field>_issue`` column.
CLASSIFIED_FIELDS: tuple[str, ...] = (
    "nhs_number",
    "given_name",
    "family_name",
    "dob",
    "sex",
    "postcode",
    "ethnicity",
)
NAME_FIELDS = ("given_name", "family_name")

#: Written to ``<field>_issue`` for a field the source does not hold.
NOT_HELD = "not_held"

#: The NHS VODIM classes (valid, other, default, invalid, missing), and the issue codes
#: that fall in each. A NULL issue means the value is valid.
VODIM_CLASSES: tuple[str, ...] = ("valid", "other", "default", "invalid", "missing")
ISSUE_CLASS: dict[str, str] = {
    "missing": "missing",
    # defaults and placeholders: a value is present but says nothing
    "repdigit": "default",
    "placeholder": "default",
    "sentinel": "default",
    "pseudo": "default",
    # invalid: a value is present but cannot be right
    "non_numeric": "invalid",
    "wrong_length": "invalid",
    "modulus11": "invalid",
    "non_alphabetic": "invalid",
    "unparseable": "invalid",
    "future": "invalid",
    "too_early": "invalid",
    "invalid_format": "invalid",
    "out_of_set": "invalid",
    # "not known" / "not stated" codes are the data standard's default values
    "not_known": "default",
    "not_stated": "default",
    # other: a legitimate value that identifies less (an initial, indeterminate sex)
    "single_letter": "other",
    "indeterminate": "other",
}
#: Issue codes each field can carry, in the order they are reported.
FIELD_ISSUES: dict[str, tuple[str, ...]] = {
    "nhs_number": ("missing", "placeholder", "repdigit", "non_numeric", "wrong_length",
                   "modulus11"),
    "given_name": ("missing", "placeholder", "non_alphabetic", "single_letter"),
    "family_name": ("missing", "placeholder", "non_alphabetic", "single_letter"),
    "dob": ("missing", "sentinel", "unparseable", "future", "too_early"),
    "sex": ("missing", "not_known", "not_stated", "indeterminate", "out_of_set"),
    "postcode": ("missing", "pseudo", "placeholder", "invalid_format"),
    "ethnicity": ("missing", "not_known", "not_stated", "out_of_set"),
}

#: Issues whose value is kept in the canonical column (everything else becomes NULL).
KEPT_ISSUES: frozenset[str] = frozenset({"modulus11", "single_letter"})

#: An NHS number in scientific notation (a spreadsheet's number format): digits are lost.
SCIENTIFIC_REGEX = r"[0-9](?:[.][0-9]+)?[eE][+]?[0-9]+"
#: Refuse a source when at least this share of its present NHS numbers is in scientific
#: notation (the whole column went through a spreadsheet); below it they are counted.
SCIENTIFIC_REFUSE_SHARE = 0.05
#: Refuse a source when at least this share of its present record ids are valid NHS
#: numbers (unless ``record_id_is_identifier: true``).
RECORD_ID_NHS_SHARE = 0.5
#: Refuse a source when at least this share of its present dates of birth do not parse
#: with ``dob_format`` (the format is wrong, not the data).
DOB_UNPARSEABLE_SHARE = 0.5
#: ... and at least this many do not parse (a handful of odd dates proves nothing).
DOB_MIN_FAILED = 8
#: From this share of the present dates (and DOB_MIN_FAILED of them), dates that do not
#: parse are checked for a format missing from ``dob_format``: refused when common
#: formats read at least 90% of them (a column mixing formats), else counted.
DOB_MIXED_SHARE = 0.01
#: Excel day numbers read as dates of birth (1 = 1900-01-01 ... 60000 = 2064-04-08): a
#: DOB column that is nearly all such numbers was exported from date cells as numbers.
EXCEL_SERIAL_MIN = 1
EXCEL_SERIAL_MAX = 60000

#: Formats tried to say what the dates look like when ``dob_format`` does not fit.
DOB_FORMAT_GUESSES: tuple[str, ...] = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d%m%Y",
    "%Y/%m/%d", "%d/%m/%y", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
)
#: Scripts whose vowels are combining marks: accents are not stripped from names in them
#: (stripping would delete the vowels).
MARK_SCRIPTS: tuple[str, ...] = (
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada",
    "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer",
)

#: Placeholder NHS numbers that are not repdigits (repdigits are caught by rule).
NHS_PLACEHOLDERS: tuple[str, ...] = ("0123456789", "1234567890", "9876543210")
#: Text written where an identifier is not known.
TEXT_PLACEHOLDERS: tuple[str, ...] = (
    "UNKNOWN", "NOT KNOWN", "NOTKNOWN", "UNK", "NK", "N K", "NA", "N A", "NONE", "NULL",
    "NIL", "TEST", "XX", "XXX", "XXXX", "ZZZ", "ANON", "ANONYMOUS", "NO NAME", "NONAME",
    "UNNAMED", "NOT GIVEN", "NOT STATED", "REFUSED", "BABY", "BABY BOY", "BABY GIRL",
    "INFANT", "NEWBORN", "NEW BORN",
)
#: Name prefixes that mark a placeholder (e.g. "BABY OF SMITH").
NAME_PLACEHOLDER_PREFIXES: tuple[str, ...] = ("BABY ", "INFANT ", "TWIN ")

#: Dates that systems use when the date of birth is not known.
SENTINEL_DOBS: tuple[date, ...] = (
    date(1900, 1, 1),
    date(1901, 1, 1),
    date(1899, 12, 31),
    date(1800, 1, 1),
    date(1753, 1, 1),
    date(1850, 1, 1),
)
#: HES validity: a date of birth before this is not plausible.
EARLIEST_DOB = date(1895, 1, 1)
#: An age above this at the reference date is implausible (flagged, not removed).
IMPLAUSIBLE_AGE = 115

#: Postcodes: the six UK formats, after normalisation to "OUTWARD INWARD".
POSTCODE_REGEX = (
    r"^(?:[A-Z][0-9]|[A-Z][0-9][0-9]|[A-Z][0-9][A-Z]|[A-Z][A-Z][0-9]|[A-Z][A-Z][0-9][0-9]"
    r"|[A-Z][A-Z][0-9][A-Z]) [0-9][A-Z]{2}$"
)
PSEUDO_POSTCODE_PREFIX = "ZZ99"
POSTCODE_PLACEHOLDERS: tuple[str, ...] = ("NFA", "NO FIXED ABODE", *TEXT_PLACEHOLDERS)

#: Person stated gender code: 1 male, 2 female. Common synonyms are recoded built-in.
SEX_CODES: tuple[str, ...] = ("1", "2")
SEX_SYNONYMS: dict[str, str] = {
    "1": "1", "M": "1", "MALE": "1", "MAN": "1",
    "2": "2", "F": "2", "FEMALE": "2", "WOMAN": "2",
}
SEX_OTHER: dict[str, str] = {
    "9": "indeterminate", "I": "indeterminate", "INDETERMINATE": "indeterminate",
    "X": "not_known", "0": "not_known", "U": "not_known", "UNKNOWN": "not_known",
    "NOT KNOWN": "not_known", "NK": "not_known",
    "NOT STATED": "not_stated", "NOT SPECIFIED": "not_stated", "NS": "not_stated",
    "REFUSED": "not_stated", "PREFER NOT TO SAY": "not_stated",
}
#: NHS ethnic category codes A–S (no I, O, Q); Z not stated; 99 not known.
ETHNICITY_CODES: tuple[str, ...] = tuple("ABCDEFGHJKLMNPRS")
ETHNICITY_OTHER: dict[str, str] = {
    "Z": "not_stated", "NOT STATED": "not_stated", "REFUSED": "not_stated",
    "99": "not_known", "NOT KNOWN": "not_known", "UNKNOWN": "not_known", "X": "not_known",
}
#: Broad ethnic groups of the 2001 census categories, for subgroup breakdowns.
ETHNIC_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
}
#: Marker a ``values`` map uses (a null target) for "not known".
MAPPED_TO_NULL = "\x00NOT_KNOWN"
#: Age bands for subgroup breakdowns: (label, lowest age, highest age).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-29", 18, 29),
    ("30-49", 30, 49),
    ("50-64", 50, 64),
    ("65-79", 65, 79),
    ("80+", 80, 10_000),
)
#: An LSOA code (E01…, W01…) or an LSOA name ("Camden 011D").
LSOA_REGEX = r"^(?:[EW]0[0-9]{7}|[A-Z][A-Z .,'&-]* [0-9]{3}[A-Z])$"

#: Address words unified at ingest (the whole word, after upper-casing and punctuation
#: removal): each spelling on the left becomes the short form on the right, so that
#: "12 High Street" and "12 HIGH ST." agree. ``SAINT`` and ``STREET`` both become ``ST``:
#: the abbreviation is ambiguous, so both spellings must meet on it.
ADDRESS_WORDS: dict[str, str] = {
    "STREET": "ST", "STR": "ST", "SAINT": "ST",
    "ROAD": "RD", "AVENUE": "AVE", "AV": "AVE", "AVE": "AVE",
    "DRIVE": "DR", "DRV": "DR", "LANE": "LN", "CLOSE": "CL", "CRESCENT": "CRES",
    "CRESC": "CRES", "CR": "CRES", "PLACE": "PL", "COURT": "CT", "CRT": "CT",
    "GARDENS": "GDNS", "GARDEN": "GDN", "TERRACE": "TER", "TCE": "TER", "TERR": "TER",
    "SQUARE": "SQ", "GROVE": "GR", "GRV": "GR", "PARK": "PK", "PARADE": "PDE",
    "HIGHWAY": "HWY", "BOULEVARD": "BLVD", "CIRCUIT": "CCT", "MOUNT": "MT",
    "HOUSE": "HO", "COTTAGE": "COTT", "COTTAGES": "COTTS", "BUILDING": "BLDG",
    "BUILDINGS": "BLDGS", "APARTMENT": "FLAT", "APT": "FLAT", "UNIT": "FLAT",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "UPPER": "UPR", "LOWER": "LWR",
}
#: A UPRN (Unique Property Reference Number): 1 to 12 digits, leading zeros dropped.
UPRN_REGEX = r"[0-9]{1,12}"
