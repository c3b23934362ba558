"""SQL for one ingest pass, built by small pure functions that return SQL text.

Each canonical field is standardised in three layers over the raw text: ``prep``
(trimmed, upper-cased, digits only …), ``issue`` (NULL when valid, else an issue code
from :mod:`linkready.ingest._rules`) and ``value`` (the canonical value, NULL unless
valid or kept). ``actions`` are boolean expressions counted into
``standardisation_log``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from linkready.ingest import _rules as R

# Re-exported (``as`` marks it) so the ingest modules keep importing them from here.
from linkready.sql import date_lit as date_lit
from linkready.sql import ident as ident
from linkready.sql import in_list as in_list
from linkready.sql import lit as lit

#: RE2: what separates the words of a name (anything but a letter, a mark or a digit).
NAME_SEPARATORS = r"[^\p{L}\p{M}0-9]+"


@dataclass(frozen=True)
class FieldSQL:
    """The SQL that standardises one field."""

    prep: tuple[dict[str, str], ...]
    issue: str
    value: str
    #: Counted where the value survives (valid, or flagged but kept).
    actions: dict[str, str] = field(default_factory=dict)
    #: Counted over every record, whatever its issue (e.g. a sentinel date).
    flags: dict[str, str] = field(default_factory=dict)


#: Temporary tables DuckDB fills with the CSV rows it could not parse (dropped after use).
REJECTS_TABLE = "_linkready_rejects"
REJECTS_SCAN = "_linkready_reject_scans"


def relation_sql(fmt: str, path: str, delimiter: str = ",", encoding: str = "utf-8",
                 columns: tuple[str, ...] = (), parallel: bool = True) -> str:
    """A DuckDB table function reading every column of an extract as text (CSV) or as is.

    CSV columns are declared from the header rather than sniffed, so one malformed row
    cannot stop the read: rows that do not parse (too many columns, a broken quote) go to
    a rejects table and are counted. DuckDB's parallel reader cannot pad short rows in a
    file with a newline inside a quoted field; ``parallel=False`` reads such a file.
    """
    if fmt == "parquet":
        return f"read_parquet({lit(path)})"
    cols = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in columns) + "}"
    return (
        f"read_csv({lit(path)}, auto_detect = false, header = true, columns = {cols}, "
        f"delim = {lit(delimiter)}, quote = '\"', escape = '\"', encoding = {lit(encoding)}, "
        f"null_padding = true, store_rejects = true, rejects_table = {lit(REJECTS_TABLE)}, "
        f"rejects_scan = {lit(REJECTS_SCAN)}{'' if parallel else ', parallel = false'})"
    )


def text_actions(f: str, raw: str) -> dict[str, str]:
    """Case and whitespace changes, counted where the value survives."""
    return {
        "whitespace_trimmed": f"{raw} <> trim({raw}) OR {raw} LIKE '%  %'",
        "upper_cased": f"{f}__t <> upper({f}__t)",
    }


def mod11_sql(d: str) -> str:
    """SQL: the ten digits in ``d`` pass the Modulus 11 check (``d`` is 10 digits)."""
    digit = [f"CAST(substr({d}, {i}, 1) AS INTEGER)" for i in range(1, 11)]
    weighted = " + ".join(f"{11 - i} * {digit[i - 1]}" for i in range(1, 10))
    return f"(11 - (({weighted}) % 11)) % 11 = {digit[9]}"


def looks_like_nhs_sql(raw: str) -> str:
    """SQL: ``raw`` is a valid NHS number once spaces and hyphens are removed."""
    d = f"regexp_replace(trim({raw}), '[ -]', '', 'g')"
    # CASE, not AND: DuckDB may evaluate both sides of AND, and the casts need digits.
    return (f"CASE WHEN regexp_full_match({d}, '[0-9]{{10}}') THEN "
            f"{d} <> repeat(substr({d}, 1, 1), 10) AND {mod11_sql(d)} ELSE false END")



def nhs_number_sql(raw: str) -> FieldSQL:
    """NHS number: digits only; text placeholders, repdigits, bad lengths classified.

    Spreadsheet damage is repaired first and counted: a leading apostrophe (Excel's
    "store as text") and a ``.0`` suffix (a float column written by pandas). Scientific
    notation (``9.99E+09``) has lost digits and cannot be repaired: it is flagged.
    """
    f = "nhs_number"
    d = f"{f}__d"
    r = f"{f}__r"
    issue = (
        f"CASE WHEN {f}__t IS NULL THEN 'missing' "
        f"WHEN upper({r}) IN {in_list(R.TEXT_PLACEHOLDERS)} THEN 'placeholder' "
        f"WHEN regexp_matches({r}, '[^0-9 \\-]') OR {d} = '' THEN 'non_numeric' "
        f"WHEN length({d}) <> 10 THEN 'wrong_length' "
        f"WHEN {d} = repeat(substr({d}, 1, 1), 10) THEN 'repdigit' "
        f"WHEN {d} IN {in_list(R.NHS_PLACEHOLDERS)} THEN 'placeholder' "
        f"WHEN NOT ({mod11_sql(d)}) THEN 'modulus11' END"
    )
    unquoted = f"ltrim({f}__t, '''')"
    return FieldSQL(
        prep=({f"{f}__t": f"nullif(trim({raw}), '')"},
              {r: f"regexp_replace({unquoted}, '^([0-9]+)[.]0+$', '\\1')"},
              {d: f"regexp_replace(coalesce({r}, ''), '[^0-9]', '', 'g')"}),
        issue=issue,
        value=f"CASE WHEN {f}__issue IS NULL OR {f}__issue = 'modulus11' THEN {d} END",
        actions={"quote_removed": f"starts_with({f}__t, '''')",
                 "decimal_suffix_removed": f"regexp_full_match({unquoted}, '[0-9]+[.]0+')",
                 "digits_only": f"{r} <> {d}"},
        flags={"scientific_notation": f"regexp_full_match({r}, {lit(R.SCIENTIFIC_REGEX)})"},
    )


def nhs_token_sql(raw: str) -> FieldSQL:
    """A pseudonymised NHS number (``pseudonymised: [nhs_number]``): an opaque token,
    kept exactly as supplied once surrounding whitespace is trimmed (no case folding, no
    digit extraction: a keyed hash's output is compared byte for byte). Missing and text
    placeholders (``UNKNOWN``) are classified; there is no checksum to test."""
    f = "nhs_number"
    issue = (f"CASE WHEN {f}__t IS NULL THEN 'missing' "
             f"WHEN upper({f}__t) IN {in_list(R.TEXT_PLACEHOLDERS)} THEN 'placeholder' END")
    return FieldSQL(
        prep=({f"{f}__t": f"nullif(trim({raw}), '')"}, {f"{f}__r": f"{f}__t"}),
        issue=issue,
        value=f"CASE WHEN {f}__issue IS NULL THEN {f}__t END",
        actions={"whitespace_trimmed": f"{raw} <> {f}__t"},
        flags={"pseudonymised": "true"},
    )


def fold_sql(text: str) -> str:
    """SQL: upper case, accents stripped except in scripts whose vowels are marks."""
    scripts = "".join(f"\\p{{{s}}}" for s in R.MARK_SCRIPTS)
    return (f"CASE WHEN regexp_matches({text}, '[{scripts}]') THEN upper({text}) "
            f"ELSE strip_accents(upper({text})) END")


def name_sql(f: str, raw: str) -> FieldSQL:
    """Names: upper case, accents and apostrophes dropped, other punctuation to spaces.

    A letter of any script is a letter: Arabic, Chinese or Cyrillic names are kept as
    written (upper-cased where the script has case). A single letter is an initial only
    in a script with case (one Chinese character is a whole name).
    """
    u = f"{f}__u"
    n = f"{f}__n"
    clean = (f"trim(regexp_replace(regexp_replace({u}, '[''’`]', '', 'g'), "
             f"{lit(NAME_SEPARATORS)}, ' ', 'g'))")
    prefixes = " OR ".join(f"starts_with({n}, {lit(p)})" for p in R.NAME_PLACEHOLDER_PREFIXES)
    issue = (
        f"CASE WHEN {f}__t IS NULL THEN 'missing' "
        f"WHEN {n} IN {in_list(R.TEXT_PLACEHOLDERS)} OR {prefixes} THEN 'placeholder' "
        f"WHEN {n} = '' OR regexp_matches({n}, '[0-9]') THEN 'non_alphabetic' "
        f"WHEN length({n}) = 1 AND regexp_full_match({n}, '\\p{{Lu}}') "
        "THEN 'single_letter' END"
    )
    return FieldSQL(
        prep=({f"{f}__t": f"nullif(trim({raw}), '')"}, {u: fold_sql(f"{f}__t")}, {n: clean}),

        issue=issue,
        value=f"CASE WHEN {f}__issue IS NULL OR {f}__issue = 'single_letter' THEN {n} END",
        actions={
            **text_actions(f, raw),
            "accents_removed": f"upper({f}__t) <> {u}",
            "punctuation_removed": f"regexp_matches({u}, '[^\\p{{L}}\\p{{M}} ]')",
        },
    )


def strptime_sql(text: str, fmt: str, reference: date | None = None) -> str:
    """``text`` read with one ``dob_format`` (a TIMESTAMP, or NULL).

    A four-digit year (``%Y``) must be one: DuckDB would read ``01/02/63`` as the year
    63, so a year below 100 is no reading (the next format, e.g. ``%y``, may read it). A
    two-digit year (``%y``) is the latest year ending in those digits that puts the date
    on or before ``reference`` (the century pivot; DuckDB reads 00–68 as 20xx and 69–99
    as 19xx, and a date after ``reference`` moves back 100 years), so it never makes a
    date of birth in the future; without ``reference`` only whether it reads counts."""
    p = f"try_strptime({text}, {lit(fmt)})"
    if "%Y" in fmt:
        return f"(CASE WHEN year({p}) >= 100 THEN {p} END)"
    if "%y" in fmt and reference is not None:
        return (f"(CASE WHEN {p} > {date_lit(reference)} THEN {p} - INTERVAL 100 YEAR "
                f"ELSE {p} END)")
    return p


def read_formats(formats: list[str]) -> list[str]:
    """The formats a date of birth is tried with, in order: each declared one, a
    two-digit-year format (``%y``) preceded by its four-digit form (``%d/%m/%y`` also
    reads ``01/02/1963``, never pivoted)."""
    out: list[str] = []
    for fmt in formats:
        out += [fmt.replace("%y", "%Y"), fmt] if "%y" in fmt else [fmt]
    return list(dict.fromkeys(out))


def dob_sql(raw: str, formats: list[str], typed: bool, reference: date) -> FieldSQL:
    """Date of birth: parsed with the mapping's formats (in order; two-digit years by
    the century pivot of :func:`strptime_sql`); sentinel, future, early → NULL."""
    f = "dob"
    actions: dict[str, str] = {}
    if typed:
        parsed = f"CAST({raw} AS DATE)"
        text = f"CAST({raw} AS VARCHAR)"
    else:
        t = f"trim({raw})"
        formats = read_formats(formats)
        parsed = ("CAST(coalesce(" + ", ".join(strptime_sql(t, x, reference) for x in formats)
                  + ", NULL::TIMESTAMP) AS DATE)")
        text = f"nullif(trim({raw}), '')"
        four = [x for x in formats if "%y" not in x]
        if len(four) < len(formats):  # read by a two-digit-year format
            actions["two_digit_year"] = "true" if not four else (
                "coalesce(" + ", ".join(strptime_sql(t, x) for x in four)
                + ", NULL::TIMESTAMP) IS NULL")
    sentinels = "(" + ", ".join(date_lit(d) for d in R.SENTINEL_DOBS) + ")"
    issue = (
        f"CASE WHEN {f}__t IS NULL THEN 'missing' "
        f"WHEN {f}__p IS NULL THEN 'unparseable' "
        f"WHEN {f}__p IN {sentinels} THEN 'sentinel' "
        f"WHEN {f}__p > {date_lit(reference)} THEN 'future' "
        f"WHEN {f}__p < {date_lit(R.EARLIEST_DOB)} THEN 'too_early' END"
    )
    flags = {f"sentinel_{d.isoformat()}": f"{f}__p = {date_lit(d)}" for d in R.SENTINEL_DOBS}
    return FieldSQL(prep=({f"{f}__t": text, f"{f}__p": parsed},), issue=issue,
                    value=f"CASE WHEN {f}__issue IS NULL THEN {f}__p END", flags=flags,
                    actions=actions)


def postcode_sql(raw: str) -> FieldSQL:
    """Postcode: upper case, "OUTWARD INWARD"; ZZ99 pseudo-postcodes and bad formats → NULL."""
    f = "postcode"
    c = f"{f}__c"
    formatted = (f"CASE WHEN length({c}) BETWEEN 5 AND 7 "
                 f"THEN substr({c}, 1, length({c}) - 3) || ' ' || right({c}, 3) END")
    issue = (
        f"CASE WHEN {f}__t IS NULL THEN 'missing' "
        f"WHEN starts_with({c}, {lit(R.PSEUDO_POSTCODE_PREFIX)}) THEN 'pseudo' "
        f"WHEN upper({f}__t) IN {in_list(R.POSTCODE_PLACEHOLDERS)} THEN 'placeholder' "
        f"WHEN {f}__f IS NULL OR NOT regexp_full_match({f}__f, {lit(R.POSTCODE_REGEX)}) "
        f"THEN 'invalid_format' END"
    )
    return FieldSQL(
        prep=({f"{f}__t": f"nullif(trim({raw}), '')",
               c: f"regexp_replace(upper(coalesce({raw}, '')), '[^A-Z0-9]', '', 'g')"},
              {f"{f}__f": formatted}),
        issue=issue,
        value=f"CASE WHEN {f}__issue IS NULL THEN {f}__f END",
        actions={"reformatted": f"{f}__t <> {f}__f"},
    )


def recode_sql(text: str, values: dict[str, str | None]) -> str:
    """Apply a ``values`` map (keys match case-insensitively, after trimming)."""
    if not values:
        return text
    whens = " ".join(
        f"WHEN {lit(k.strip().upper())} THEN "
        f"{lit(R.MAPPED_TO_NULL) if v is None else lit(str(v).strip().upper())}"
        for k, v in values.items()
    )
    return f"CASE {text} {whens} ELSE {text} END"


def coded_sql(f: str, raw: str, values: dict[str, str | None]) -> FieldSQL:
    """Sex or ethnicity: recoded by the mapping, then checked against the code set."""
    m = f"{f}__m"
    if f == "sex":
        synonyms, codes, other = R.SEX_SYNONYMS, R.SEX_CODES, R.SEX_OTHER
    else:
        synonyms = {c: c for c in R.ETHNICITY_CODES}
        codes, other = R.ETHNICITY_CODES, R.ETHNICITY_OTHER
    mapped = recode_sql(f"upper({f}__t)", values)
    canon = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in synonyms.items())
    other_whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in other.items())
    issue = (
        f"CASE WHEN {f}__t IS NULL THEN 'missing' "
        f"WHEN {m} = {lit(R.MAPPED_TO_NULL)} THEN 'not_known' "
        f"WHEN {f}__c IN {in_list(codes)} THEN NULL "
        f"ELSE CASE {m} {other_whens} ELSE 'out_of_set' END END"
    )
    return FieldSQL(
        # A code from a float column ("1.0", "99.0": pandas) is read as the integer code.
        prep=({f"{f}__t": f"regexp_replace(nullif(trim(CAST({raw} AS VARCHAR)), ''), "
                          "'^([0-9]+)[.]0+$', '\\1')"}, {m: mapped},
              {f"{f}__c": f"CASE {m} {canon} ELSE {m} END"}),
        issue=issue,
        value=f"CASE WHEN {f}__issue IS NULL THEN {f}__c END",
        actions={"recoded": f"{f}__t <> {f}__c AND {f}__issue IS NULL"},
    )


def extra_sql(f: str, raw: str) -> tuple[str, dict[str, str]]:
    """Optional extras: (value expression, actions)."""
    t = f"nullif(trim(CAST({raw} AS VARCHAR)), '')"
    if f == "imd_decile":
        v = f"try_cast({t} AS INTEGER)"
        value = f"CASE WHEN {v} BETWEEN 1 AND 10 THEN {v} END"
        return value, {"set_null:invalid": f"{t} IS NOT NULL AND ({value}) IS NULL"}
    if f == "lsoa":
        u = f"regexp_replace(upper({t}), ' +', ' ', 'g')"
        value = f"CASE WHEN regexp_full_match({u}, {lit(R.LSOA_REGEX)}) THEN {u} END"
        return value, {"set_null:invalid": f"{t} IS NOT NULL AND ({value}) IS NULL"}
    if f == "address_line":
        return address_sql(t)
    if f == "uprn":
        return uprn_sql(t)
    if f == "middle_names":
        cleaned = f"regexp_replace({fold_sql(t)}, {lit(NAME_SEPARATORS)}, ' ', 'g')"

        value = f"nullif(trim({cleaned}), '')"
        return value, {}
    return t, {}


def address_words_sql(text: str) -> str:
    """SQL: the words of ``text`` (upper case, no punctuation, single spaces) with the
    spellings in :data:`linkready.ingest._rules.ADDRESS_WORDS` unified; numbers kept."""
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in R.ADDRESS_WORDS.items())
    words = f"list_filter(string_split({text}, ' '), lambda w: w <> '')"
    return (f"array_to_string(list_transform({words}, "
            f"lambda w: CASE w {whens} ELSE w END), ' ')")


def address_sql(t: str) -> tuple[str, dict[str, str]]:
    """Address line: upper case, accents and apostrophes dropped, other punctuation to
    spaces, common words unified (ROAD → RD, STREET → ST …); flat and house numbers kept."""
    plain = (f"regexp_replace(regexp_replace({fold_sql(t)}, '[''’`]', '', 'g'), "
             f"{lit(NAME_SEPARATORS)}, ' ', 'g')")
    value = f"nullif({address_words_sql(plain)}, '')"
    # The value differs from the words of ``plain`` joined by single spaces exactly where
    # a word is one that unifying changes (the replacements are single words, never
    # empty): the words are looked up rather than the value built a second time.
    changed = ", ".join(lit(k) for k, v in R.ADDRESS_WORDS.items() if k != v)
    return value, {
        "punctuation_removed": f"{t} IS NOT NULL AND regexp_matches(upper({t}), "
                               "'[^\\p{L}\\p{M}0-9 ]')",
        "abbreviations_unified": f"{t} IS NOT NULL AND "
                                 f"list_has_any(string_split({plain}, ' '), [{changed}])",
    }


def uprn_sql(t: str) -> tuple[str, dict[str, str]]:
    """UPRN: digits (a number column's ``.0`` and separators dropped), leading zeros
    dropped; anything that is not 1–12 digits, or zero, becomes NULL."""
    d = f"ltrim(regexp_replace(regexp_replace({t}, '[.]0+$', ''), '[ ,-]', '', 'g'), '0')"
    value = f"CASE WHEN regexp_full_match({d}, {lit(R.UPRN_REGEX)}) THEN {d} END"
    return value, {"set_null:invalid": f"{t} IS NOT NULL AND ({value}) IS NULL"}
