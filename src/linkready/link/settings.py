"""The probabilistic model, authored: comparisons, blocking rules and training rules.

Everything here is plain data or small pure functions returning SQL text or Splink
creator objects; nothing runs a query. Splink is imported inside the functions so that
importing :mod:`linkready.link` stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Canonical fields the probabilistic model compares, in the order they appear.
MODEL_FIELDS: tuple[str, ...] = (
    "nhs_number", "given_name", "family_name", "dob", "sex", "postcode", "address_line",
    "middle_names", "uprn",
)
#: m of the DOB "all other" level (more than ten years apart, two or more parts differ).
DOB_ELSE_M = 0.001
#: Fields any linkage needs at least one of (besides DOB/sex/postcode support).
IDENTIFYING_FIELDS: tuple[str, ...] = ("nhs_number", "given_name", "family_name", "dob")


@dataclass(frozen=True)
class TrainingConfig:
    """How the model is trained. Seeds and caps make training reproducible and bounded."""

    seed: int = 42
    #: Pairs sampled to estimate u (random sampling, seeded).
    u_max_pairs: float = 2e6
    #: u of the levels an equality defines (exact agreement, names swapped, …) counted
    #: exactly over every pair, the rest sampled only as far as they need
    #: (:func:`linkready.link.u_sampling.estimate_u_exact`; DuckDB only). Off by default:
    #: it trains 26–44% faster on the generated worlds, F1 the same on FEBRL 4 but lower
    #: by up to 0.0012 on some generated pairs (higher on others); False samples every u
    #: as Splink's own method does.
    u_exact: bool = False
    #: Cap on blocked pairs in each EM session (Splink's hash-based sampling of both
    #: sides' records before the pairs are compared). Only worlds of a few hundred
    #: thousand records reach it (the default world's sessions hold under 50,000 pairs);
    #: on ``ics`` (1.2M records) 250,000 rather than 1,000,000 cuts training's CPU
    #: time by ~40%, F1 per pair within ±0.00015 of it (measured with --no-estimates).
    em_max_pairs: float = 2.5e5
    #: Recall assumed for the deterministic rules that seed the prior before refinement.
    prior_recall: float = 0.9
    #: Predictions below this match weight are not kept (they add < 2^-20 of probability).
    min_match_weight: float = -20.0
    #: Left records scored under the loose diagnostic blocking (blocking recall).
    diagnostic_sample: int = 2000
    #: Bootstrap replicates (EM refits on agreement-pattern counts) for the intervals.
    bootstrap_replicates: int = 100
    #: Add looser blocking rules where the diagnostic sample shows they find matches.
    adaptive_blocking: bool = True
    #: Most comparisons a pair's blocking may generate (None: 10 per record of both
    #: sources, at least 2 million).
    comparisons_budget: float | None = None
    #: Compute the label-free estimates (expected match rate with its interval, false
    #: links, blocking recall). False (``linkready link --no-estimates``) skips the
    #: decoys, the completeness gap, the blank-field patterns and the bootstrap (and the
    #: diagnostic sample where adaptive blocking is off): the same links and clusters,
    #: without those figures (:mod:`linkready.link.skipped`). ``assess`` needs them.
    estimates: bool = True


#: Splink SQL dialects the comparisons are written for.
DIALECTS: tuple[str, ...] = ("duckdb", "spark")


def jaro_winkler_sql(a: str, b: str, dialect: str = "duckdb") -> str:
    """Jaro-Winkler similarity: DuckDB's built-in, or the UDF Splink's jar gives Spark."""
    fn = "jaro_winkler" if dialect == "spark" else "jaro_winkler_similarity"
    return f"{fn}({a}, {b})"


def days_apart_sql(a: str, b: str, dialect: str = "duckdb") -> str:
    """Absolute number of days between two dates."""
    if dialect == "spark":
        return f"abs(datediff({a}, {b}))"
    return f"abs(date_diff('day', {a}, {b}))"


def _jw_levels(col: str, thresholds: tuple[float, ...],
               dialect: str = "duckdb") -> list[dict[str, Any]]:
    return [
        {"sql_condition": f"{jaro_winkler_sql(f'{col}_l', f'{col}_r', dialect)} >= {t}",
         "label_for_charts": f"Jaro-Winkler >= {t}"}
        for t in thresholds
    ]


def swapped_names_sql() -> str:
    """Given and family name recorded the other way round on one side."""
    return ("given_name_l = family_name_r AND family_name_l = given_name_r "
            "AND given_name_l <> family_name_l")


def single_name_sql(col: str) -> str:
    """One side records a single name, in the other name field, and leaves ``col`` blank
    (a family name written as the given name, the family name empty): for ``col`` the
    family name, its non-blank side equals the other side's given name."""
    other = "given_name" if col == "family_name" else "family_name"
    return (f"(({other}_l IS NULL AND {col}_l = {other}_r) OR "
            f"({other}_r IS NULL AND {col}_r = {other}_l))")


def words_sql(text: str, dialect: str = "duckdb") -> str:
    """The space-separated words of ``text`` as a list (DuckDB) or array (Spark)."""
    return f"split({text}, ' ')" if dialect == "spark" else f"string_split({text}, ' ')"


def has_word_sql(text: str, word: str, dialect: str = "duckdb") -> str:
    """``word`` is one of the space-separated words of ``text``."""
    fn = "array_contains" if dialect == "spark" else "list_contains"
    return f"{fn}({words_sql(text, dialect)}, {word})"


def given_as_middle_sql(dialect: str = "duckdb") -> str:
    """One side's given name is one of the other side's middle names (a person known by
    a middle name, recorded as the given name in one source)."""
    return (f"({has_word_sql('middle_names_r', 'given_name_l', dialect)} OR "
            f"{has_word_sql('middle_names_l', 'given_name_r', dialect)})")


#: u of a swap level that u sampling never meets: Splink's own value for a level "not
#: observed" (``splink.internals.comparison_level``: 1e-6, about 2 ÷ the 2 million pairs
#: sampled by default). Left unset, Splink gave the level its positional default u
#: (about 1e-3), and an exact swap weighed +1.1 where the names agreeing weigh +16.5
#: (default world, LA housing: WENDY WALKER / WALKER WENDY with DOB and sex equal at
#: p = 0.57). Sampling that meets the level replaces it with what it counts.
UNOBSERVED_U = 1e-6
#: Jaro-Winkler both names must reach, crosswise, for the approximate swap level.
SWAP_JW = 0.88


def swapped_names_approx_sql(dialect: str = "duckdb") -> str:
    """Given and family name the other way round on one side, each with a small error
    (a typo, a double family name written as one word): both crosswise Jaro-Winkler
    similarities at least :data:`SWAP_JW`."""
    a = jaro_winkler_sql("given_name_l", "family_name_r", dialect)
    b = jaro_winkler_sql("family_name_l", "given_name_r", dialect)
    # First letters crosswise first (code points: no string is built), which spares
    # nearly every pair the similarities; with substr() the name comparisons cost about
    # a third more per pair.
    first = "ascii" if dialect == "spark" else "ord"
    return (f"{first}(given_name_l) = {first}(family_name_r) AND "
            f"{first}(family_name_l) = {first}(given_name_r) AND "
            f"{a} >= {SWAP_JW} AND {b} >= {SWAP_JW}")


def word_in_common_sql(col: str, dialect: str = "duckdb") -> str:
    """A name of several words (a double family name, two given names) shares a word with
    the other side's: one source records one part of a double-barrelled name."""
    has = "instr" if dialect == "spark" else "contains"
    a, b = f"{col}_l", f"{col}_r"
    space = "' '"
    several = (f"({has}({a}, {space}) > 0 OR {has}({b}, {space}) > 0)" if dialect == "spark"
               else f"({has}({a}, {space}) OR {has}({b}, {space}))")
    return f"{several} AND {words_overlap_sql(a, b, dialect)}"


def words_overlap_sql(a: str, b: str, dialect: str = "duckdb") -> str:
    """Whether two strings share a word (their word lists overlap)."""
    fn = "arrays_overlap" if dialect == "spark" else "list_has_any"
    return f"{fn}({words_sql(a, dialect)}, {words_sql(b, dialect)})"


def _swap_levels(dialect: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The exact and approximate swap levels of a name comparison, u from sampling, else
    :data:`UNOBSERVED_U`; m by EM. Both name comparisons hold them, so a swap is weighed
    in each, as before. Weighed once (the family name's levels at m = u, fixed), the
    model is the sounder Fellegi–Sunter model, but F1 fell on ``fake_1000`` (mean of 5
    seeds 0.7156 → 0.7140, est15): on a small extract u sampling reads every pair, the
    swapped true matches among them, so the swap's u is about λ × its m and its weight
    about log2(1/λ) (8 bits there), and the second count made up for that. Subtracting
    λ × m from a sampled u (u among non-matches) would fix both; it is training's, not
    done here."""
    labels = ("given and family swapped", "given and family swapped, approximately")
    sqls = (swapped_names_sql(), swapped_names_approx_sql(dialect))
    exact, approx = ({"sql_condition": q, "label_for_charts": lab,
                      "u_probability": UNOBSERVED_U}
                     for q, lab in zip(sqls, labels, strict=True))
    return exact, approx


def name_comparison(col: str, dialect: str = "duckdb", middle: bool = False) -> Any:
    """A name: exact (term-frequency adjusted), names swapped (exactly, then with small
    errors), the only name recorded in the other field, (for a given name with
    ``middle``) the given name recorded as a middle name, a word in common (one part of
    a double name recorded alone), three fuzzy levels, else. Without the word level
    historical_50k's F1 fell by 0.001 on one seed of five (est15)."""
    import splink.comparison_library as cl

    swap, swap_approx = _swap_levels(dialect)
    levels: list[Any] = [
        {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL",
         "label_for_charts": "null", "is_null_level": True},
        {"sql_condition": f"{col}_l = {col}_r", "label_for_charts": "exact",
         "tf_adjustment_column": col, "tf_adjustment_weight": 1.0},
        swap,
        # Before the fuzzy levels, which then all need one similarity (u sampling's
        # short cut, linkready.link.u_sampling.short_cut_similarity_levels).
        swap_approx,
        {"sql_condition": single_name_sql(col),
         "label_for_charts": "the only name recorded, in the other field"},
        *([{"sql_condition": given_as_middle_sql(dialect),
            "label_for_charts": "given name is the other's middle name"}] if middle else []),
        {"sql_condition": word_in_common_sql(col, dialect),
         "label_for_charts": "a word in common"},
        *_jw_levels(col, (0.92, 0.85, 0.7), dialect),
        {"sql_condition": "ELSE", "label_for_charts": "all other"},
    ]
    return cl.CustomComparison(levels, output_column_name=col)


def dob_day_month_swap_sql() -> str:
    """Day and month transposed, year equal (a common keying error)."""
    return ("year(dob_l) = year(dob_r) AND month(dob_l) = day(dob_r) "
            "AND day(dob_l) = month(dob_r)")


def dob_one_part_sql() -> str:
    """Exactly one of day, month, year differs."""
    same = "(year(dob_l) = year(dob_r))::INT + (month(dob_l) = month(dob_r))::INT " \
           "+ (day(dob_l) = day(dob_r))::INT"
    return f"({same}) = 2"


def dob_comparison(dialect: str = "duckdb") -> Any:
    """DOB: exact, day–month swap, one part different, within a year, within ten years,
    else."""
    import splink.comparison_library as cl

    levels: list[Any] = [
        {"sql_condition": "dob_l IS NULL OR dob_r IS NULL", "label_for_charts": "null",
         "is_null_level": True},
        {"sql_condition": "dob_l = dob_r", "label_for_charts": "exact"},
        {"sql_condition": dob_day_month_swap_sql(), "label_for_charts": "day–month swap"},
        {"sql_condition": dob_one_part_sql(), "label_for_charts": "one part different"},
        {"sql_condition": f"{days_apart_sql('dob_l', 'dob_r', dialect)} <= 366",
         "label_for_charts": "within a year"},
        # Kept apart from "all other" so that a parent and child at one address (a
        # generation apart, which errors almost never produce) get their own, very low m.
        {"sql_condition": f"{days_apart_sql('dob_l', 'dob_r', dialect)} <= 3653",
         "label_for_charts": "within ten years"},
        # Fixed, not trained: true matches almost never differ in two or more parts of
        # the DOB by over ten years (DOB not exact in 0.5% of matches, 93% of those
        # partial: Cardinal et al. 2023). EM otherwise lets parent–child pairs at one
        # address, with a rare surname, lift this m and score them as matches.
        {"sql_condition": "ELSE", "label_for_charts": "all other",
         "m_probability": DOB_ELSE_M, "fix_m_probability": True},
    ]
    return cl.CustomComparison(levels, output_column_name="dob")


def nhs_comparison() -> Any:
    """NHS number: exact, one edit (a keying error), else."""
    import splink.comparison_library as cl

    levels: list[Any] = [
        {"sql_condition": "nhs_number_l IS NULL OR nhs_number_r IS NULL",
         "label_for_charts": "null", "is_null_level": True},
        {"sql_condition": "nhs_number_l = nhs_number_r", "label_for_charts": "exact"},
        {"sql_condition": "damerau_levenshtein(nhs_number_l, nhs_number_r) <= 1",
         "label_for_charts": "one edit"},
        {"sql_condition": "ELSE", "label_for_charts": "all other"},
    ]
    return cl.CustomComparison(levels, output_column_name="nhs_number")


def word_share_sql(a: str, b: str, dialect: str = "duckdb") -> str:
    """Jaccard similarity of the word sets of two non-empty strings: shared distinct
    words over distinct words on either side."""
    wa, wb = words_sql(a, dialect), words_sql(b, dialect)
    if dialect == "spark":
        return (f"size(array_intersect({wa}, {wb})) / "
                f"size(array_union({wa}, {wb}))")
    return (f"len(list_intersect({wa}, {wb})) / "
            f"len(list_distinct(list_concat({wa}, {wb})))")


def house_number_sql(text: str) -> str:
    """The first number in an address (a flat or house number, with a letter: 12A), or
    NULL when it has none (the same SQL in DuckDB and Spark)."""
    return f"nullif(regexp_extract({text}, '[0-9]+[A-Z]?', 0), '')"


def numbers_sql(text: str, dialect: str = "duckdb") -> str:
    """Every number in an address (flat, house, block), in order."""
    if dialect == "spark":
        return f"regexp_extract_all({text}, '[0-9]+[A-Z]?', 0)"
    return f"regexp_extract_all({text}, '[0-9]+[A-Z]?')"


#: Word-set levels of the address comparison apply only from this Jaro-Winkler
#: similarity up: it is cheap, and rules out most pairs of unrelated addresses before
#: the word sets are built (without it, estimating u on 2 million random pairs took
#: several times longer).
ADDRESS_WORDS_FROM_JW = 0.7


def address_comparison(dialect: str = "duckdb") -> Any:
    """Address line (normalised at ingest: upper case, no punctuation, ROAD → RD …):
    exact; Jaro-Winkler ≥ 0.95 (a typo); most words shared (a part missing or moved);
    the same numbers and half the words (same house, another spelling of the street);
    Jaro-Winkler ≥ 0.85; a third of the words shared; else. The word levels need
    Jaro-Winkler ≥ :data:`ADDRESS_WORDS_FROM_JW`."""
    import splink.comparison_library as cl

    col = "address_line"
    a, b = f"{col}_l", f"{col}_r"
    near = f"{jaro_winkler_sql(a, b, dialect)} >= {ADDRESS_WORDS_FROM_JW}"
    share = word_share_sql(a, b, dialect)
    size = "size" if dialect == "spark" else "len"
    same_numbers = (f"{size}({numbers_sql(a, dialect)}) > 0 AND "
                    f"{numbers_sql(a, dialect)} = {numbers_sql(b, dialect)}")
    levels: list[Any] = [
        {"sql_condition": f"{a} IS NULL OR {b} IS NULL",
         "label_for_charts": "null", "is_null_level": True},
        {"sql_condition": f"{a} = {b}", "label_for_charts": "exact"},
        *_jw_levels(col, (0.95,), dialect),
        {"sql_condition": f"{near} AND {share} >= 0.75",
         "label_for_charts": "most words shared"},
        {"sql_condition": f"{near} AND {same_numbers} AND {share} >= 0.5",
         "label_for_charts": "same numbers, half the words shared"},
        *_jw_levels(col, (0.85,), dialect),
        {"sql_condition": f"{near} AND {share} >= 0.33",
         "label_for_charts": "a third of words shared"},
        {"sql_condition": "ELSE", "label_for_charts": "all other"},
    ]
    return cl.CustomComparison(levels, output_column_name=col)


def middle_names_comparison(dialect: str = "duckdb") -> Any:
    """Middle names: exact, a name in common (one side lists more), Jaro-Winkler ≥ 0.88,
    the same first initial, else. A middle name recorded as the given name is a level of
    the given-name comparison (:func:`given_as_middle_sql`)."""
    import splink.comparison_library as cl

    col = "middle_names"
    a, b = f"{col}_l", f"{col}_r"
    levels: list[Any] = [
        {"sql_condition": f"{a} IS NULL OR {b} IS NULL",
         "label_for_charts": "null", "is_null_level": True},
        {"sql_condition": f"{a} = {b}", "label_for_charts": "exact",
         "tf_adjustment_column": col, "tf_adjustment_weight": 1.0},
        {"sql_condition": words_overlap_sql(a, b, dialect),
         "label_for_charts": "a name in common"},
        *_jw_levels(col, (0.88,), dialect),
        {"sql_condition": f"substr({a}, 1, 1) = substr({b}, 1, 1)",
         "label_for_charts": "same initial"},
        {"sql_condition": "ELSE", "label_for_charts": "all other"},
    ]
    return cl.CustomComparison(levels, output_column_name=col)


def comparisons(fields: set[str], dialect: str = "duckdb") -> list[Any]:
    """The comparisons for the fields both sides hold (a field absent on one side is
    uninformative and left out rather than left untrained), in ``dialect``'s SQL."""
    import splink.comparison_library as cl

    out: list[Any] = []
    if "nhs_number" in fields:
        out.append(nhs_comparison())
    for col in ("given_name", "family_name"):
        if col in fields:
            out.append(name_comparison(col, dialect, middle=col == "given_name"
                                       and "middle_names" in fields))
    if "middle_names" in fields:
        out.append(middle_names_comparison(dialect))
    if "dob" in fields:
        out.append(dob_comparison(dialect))
    if "postcode" in fields:
        out.append(postcode_comparison("uprn" in fields))
    if "sex" in fields:
        out.append(cl.ExactMatch("sex"))
    if "address_line" in fields:
        out.append(address_comparison(dialect))
    if "uprn" in fields and "postcode" not in fields:
        # A property, not a person: people who share a home agree on it too.
        out.append(cl.ExactMatch("uprn"))
    return out


def postcode_comparison(uprn: bool = False) -> Any:
    """Postcode: Splink's levels (exact, sector, district, area, else); with ``uprn``, a
    first level "same UPRN". The UPRN joins the postcode's comparison rather than getting
    its own: two records at one property share the postcode too, and two comparisons
    would count that one fact twice (household members then outscore their names and
    DOBs: record-level precision fell from 0.996 to 0.942 on the council benchmark)."""
    import splink.comparison_library as cl

    postcode = cl.PostcodeComparison("postcode")
    if not uprn:
        return postcode
    return cl.CustomComparison(
        [{"sql_condition": "uprn_l = uprn_r", "label_for_charts": "same UPRN"},
         *postcode.create_comparison_levels()],
        output_column_name="postcode")


def postcode_sector_sql(postcode: str) -> str:
    """The postcode sector ("NW1 2AB" → "NW1 2"): all but the last two characters (a
    postcode compared as text, another country's, loses its last two characters)."""
    return f"substr({postcode}, 1, length({postcode}) - 2)"


def blocking_rules(fields: set[str]) -> list[str]:
    """Blocking rules for prediction, as SQL. Chosen so each common error (a name typo,
    a DOB error, a stale postcode, a missing NHS number, swapped names) leaves at least
    one rule that still brings the pair together."""
    rules: list[str] = []

    def has(*cols: str) -> bool:
        return all(c in fields for c in cols)

    if has("nhs_number"):
        rules.append("l.nhs_number = r.nhs_number")
    if has("given_name", "dob"):
        rules.append("l.given_name = r.given_name AND l.dob = r.dob")
    if has("family_name", "dob"):
        rules.append("l.family_name = r.family_name AND l.dob = r.dob")
    if has("given_name", "family_name"):
        rules.append("l.given_name = r.given_name AND l.family_name = r.family_name")
        rules.append("l.given_name = r.family_name AND l.family_name = r.given_name")
        # A single name, recorded as the given name with the family name blank: only
        # records with a blank family name take part, so the rule stays cheap.
        rules.append("l.family_name IS NULL AND l.given_name = r.family_name")
        rules.append("r.family_name IS NULL AND r.given_name = l.family_name")
    if has("postcode", "dob"):
        rules.append("l.postcode = r.postcode AND year(l.dob) = year(r.dob)")
    # Same address, DOB missing or wrong: a household-sized block each.
    if has("postcode", "family_name"):
        rules.append("l.postcode = r.postcode AND l.family_name = r.family_name")
    if has("postcode", "given_name"):
        rules.append("l.postcode = r.postcode "
                     "AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)")
    if has("address_line", "dob"):
        rules.append("l.address_line = r.address_line AND year(l.dob) = year(r.dob)")
    if has("address_line", "family_name"):
        rules.append("l.address_line = r.address_line AND l.family_name = r.family_name")
    if has("address_line", "given_name"):
        rules.append("l.address_line = r.address_line AND l.given_name = r.given_name")
    # The same house number in the same postcode sector: a street-sized block that does
    # not need the address line's spelling to agree.
    if has("address_line", "postcode", "dob"):
        rules.append(f"{house_number_sql('l.address_line')} = "
                     f"{house_number_sql('r.address_line')} AND "
                     f"{postcode_sector_sql('l.postcode')} = {postcode_sector_sql('r.postcode')}"
                     " AND year(l.dob) = year(r.dob)")
    if has("uprn", "dob"):
        rules.append("l.uprn = r.uprn AND year(l.dob) = year(r.dob)")
    if has("uprn", "given_name"):
        rules.append("l.uprn = r.uprn "
                     "AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)")
    if has("dob", "sex", "given_name"):
        # Both names wrong (marriage plus a typo, transliteration): DOB, sex and the
        # first letter of the given name still agree.
        rules.append("l.dob = r.dob AND l.sex = r.sex "
                     "AND substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)")
    return rules


def rule_terms(rule: str) -> list[str]:
    """The terms of a blocking rule joined by a top-level ``AND``, in order (brackets and
    string literals respected); the rule itself, whole, if it has a top-level ``OR``, an
    unclosed literal or no ``AND``."""
    import re

    terms, depth, start, i = [], 0, 0, 0
    top = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)
    while i < len(rule):
        c = rule[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "'":  # a string literal: skip to its end
            i = rule.find("'", i + 1)
            if i < 0:
                return [rule.strip()]
        elif depth == 0 and c.isspace() and (m := top.match(rule, i)):
            if m.group(1).upper() == "OR":
                return [rule.strip()]
            terms.append(rule[start:i].strip())
            start = i = m.end()
            continue
        i += 1
    terms.append(rule[start:].strip())
    return [t for t in terms if t]


def loosening_rules(fields: set[str]) -> list[str]:
    """Looser blocking rules, strictest first, that :func:`linkready.link.blocking`
    may add to :func:`blocking_rules` while they raise the estimated blocking recall and
    the comparisons budget allows. With them, a pair still meets when any one field
    (and often two) is wrong."""
    rules: list[str] = []

    def has(*cols: str) -> bool:
        return all(c in fields for c in cols)

    if has("family_name", "dob"):
        rules.append("l.family_name = r.family_name AND year(l.dob) = year(r.dob)")
    if has("given_name", "dob"):
        rules.append("l.given_name = r.given_name AND year(l.dob) = year(r.dob)")
    if has("dob", "family_name"):
        rules.append("l.dob = r.dob AND substr(l.family_name, 1, 1) = "
                     "substr(r.family_name, 1, 1)")
    if has("given_name", "family_name", "dob"):
        rules.append("substr(l.given_name, 1, 2) = substr(r.given_name, 1, 2) AND "
                     "substr(l.family_name, 1, 2) = substr(r.family_name, 1, 2) AND "
                     "month(l.dob) = month(r.dob)")
    if has("address_line"):
        rules.append("l.address_line = r.address_line")
    if has("uprn"):
        rules.append("l.uprn = r.uprn")
    if has("address_line", "postcode"):
        rules.append(f"{house_number_sql('l.address_line')} = "
                     f"{house_number_sql('r.address_line')} AND "
                     f"{postcode_sector_sql('l.postcode')} = {postcode_sector_sql('r.postcode')}")
    if has("postcode"):
        rules.append("l.postcode = r.postcode")
    if has("dob"):
        rules.append("l.dob = r.dob")
    if has("family_name"):
        rules.append("l.family_name = r.family_name")
    if has("given_name"):
        rules.append("l.given_name = r.given_name")
    if has("address_line"):
        rules.append("substr(l.address_line, 1, 6) = substr(r.address_line, 1, 6)")
    return rules


def on_pairs(rule: str) -> str:
    """A blocking rule (``l.x``, ``r.x``) as a condition on a scored pair (``x_l``,
    ``x_r``)."""
    import re

    return re.sub(r"\b([lr])\.([A-Za-z_][A-Za-z0-9_]*)", r"\2_\1", rule)


def diagnostic_rules(fields: set[str]) -> list[str]:
    """Deliberately loose blocking rules, used only on a sample of left records to
    estimate how many probable matches the production rules never compare. Each keys on
    one or two characters or one date part, so a pair with an error in any one field
    (and most pairs with errors in two) still meets under at least one of them."""
    rules: list[str] = []

    def has(*cols: str) -> bool:
        return all(c in fields for c in cols)

    def first(col: str, side: str, n: int = 1) -> str:
        return f"substr({side}.{col}, 1, {n})"

    if has("nhs_number"):
        rules.append("l.nhs_number = r.nhs_number")
    if has("dob"):
        rules.append("l.dob = r.dob")
    if has("given_name", "dob"):
        rules.append(f"{first('given_name', 'l')} = {first('given_name', 'r')} "
                     "AND year(l.dob) = year(r.dob)")
    if has("family_name", "dob"):
        rules.append(f"{first('family_name', 'l')} = {first('family_name', 'r')} "
                     "AND year(l.dob) = year(r.dob)")
        rules.append(f"{first('family_name', 'l')} = {first('family_name', 'r')} "
                     "AND month(l.dob) = month(r.dob) AND day(l.dob) = day(r.dob)")
    if has("given_name", "family_name"):
        rules.append(f"{first('given_name', 'l')} = {first('given_name', 'r')} AND "
                     f"{first('family_name', 'l', 2)} = {first('family_name', 'r', 2)}")
        rules.append(f"{first('given_name', 'l')} = {first('family_name', 'r')} AND "
                     f"{first('family_name', 'l')} = {first('given_name', 'r')}")
    if has("postcode"):
        rules.append("l.postcode = r.postcode")
    if has("uprn"):
        rules.append("l.uprn = r.uprn")
    if has("address_line", "dob"):
        rules.append("substr(l.address_line, 1, 4) = substr(r.address_line, 1, 4) "
                     "AND year(l.dob) = year(r.dob)")
    if has("postcode", "dob"):
        rules.append("split_part(l.postcode, ' ', 1) = split_part(r.postcode, ' ', 1) "
                     "AND year(l.dob) = year(r.dob)")
    return rules


#: EM sessions: the comparisons each session's blocking rule fixes (exact agreement),
#: and the rule.
TRAINING_SESSIONS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"given_name", "family_name"}),
     "l.given_name = r.given_name AND l.family_name = r.family_name"),
    (frozenset({"dob"}), "l.dob = r.dob"),
    (frozenset({"nhs_number"}), "l.nhs_number = r.nhs_number"),
)


def training_sessions(fields: set[str]) -> list[tuple[frozenset[str], str]]:
    """The EM sessions for ``fields``. Each must leave at least one compared field
    outside the rule, or the session has nothing to train (and Splink fails)."""
    chosen = [(used, sql) for used, sql in TRAINING_SESSIONS if used <= fields and fields - used]
    # Two sessions are enough: with names and DOB, the NHS-number session adds nothing.
    return chosen[:2]


def training_rules(fields: set[str]) -> list[str]:
    """Blocking rules for EM sessions (see :func:`training_sessions`)."""
    return [sql for _, sql in training_sessions(fields)]


def prior_rules(fields: set[str]) -> list[str]:
    """Near-certain rules whose matches seed the prior (λ) before it is refined."""
    rules: list[str] = []
    if {"nhs_number", "dob"} <= fields:
        rules.append("l.nhs_number = r.nhs_number AND l.dob = r.dob")
    if {"given_name", "family_name", "dob"} <= fields:
        rules.append("l.given_name = r.given_name AND l.family_name = r.family_name "
                     "AND l.dob = r.dob")
    return rules


def settings_creator(fields: set[str], prior: float = 1e-4, dialect: str = "duckdb") -> Any:
    """Splink settings for a link-only model over the fields both sides hold; ``prior``
    is λ before training; custom SQL is written for ``dialect`` (``duckdb``, ``spark``)."""
    from splink import SettingsCreator

    rules: list[Any] = list(blocking_rules(fields))  # SQL strings are valid rules
    return SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=prior,
        unique_id_column_name="record_id",
        comparisons=comparisons(fields, dialect),
        blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=False,
        # Keeps the comparison vectors (gamma_*) the label-free estimates refit on.
        retain_intermediate_calculation_columns=True,
    )
