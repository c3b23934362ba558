"""Formatting figures for people: published counts, rates with denominators, labels.

Every count shown passes through :func:`linkready.privacy.suppress`. The JSON outputs
already hold published counts, and suppression is idempotent on them (``*`` stays ``*``,
0 stays 0, a multiple of 5 above 7 stays itself), so this only ever protects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from linkready.privacy import SMALL_COUNT_MAX, SUPPRESSED, suppress
from linkready.report._model import Cell

DASH = "—"


def published(value: Any) -> int | str | None:
    """A count in its published form: ``*``, or an int rounded to 5; None if absent."""
    if value is None:
        return None
    if value == SUPPRESSED:
        return SUPPRESSED
    return suppress(int(value))


def count(value: Any) -> str:
    """A count as text: ``*`` for 1–7, else rounded to 5 with thousands separators."""
    p = published(value)
    if p is None:
        return DASH
    return p if isinstance(p, str) else f"{p:,}"


def is_suppressed(*values: Any) -> bool:
    """True if any of the counts is published as ``*``."""
    return any(published(v) == SUPPRESSED for v in values)


def rate_value(rate: Any) -> float | None:
    """A published rate as a number; None when it is ``*`` (it rests on a count of 1–7,
    see :func:`linkready.privacy.safe_rate`) or absent."""
    if rate is None or isinstance(rate, (str, bool)):
        return None
    return float(rate)


def share_value(fig: Mapping[str, Any] | None, total: Any) -> float | None:
    """A published ``{count, share}`` of ``total`` records as a number, for ranking and
    colouring: the share; where it is ``*`` only because what ``total`` leaves over is
    1–7, the published count over the published total (no more than they show); None
    when the count itself is 1–7 or nothing is known."""
    if not fig:
        return None
    value = rate_value(fig.get("share"))
    if value is not None or is_suppressed(fig.get("count"), total):
        return value
    c, t = published(fig.get("count")), published(total)
    if isinstance(c, int) and isinstance(t, int) and t > 0:
        return min(c / t, 1.0)
    return None


def small_complement(rate: float | str | None, n: Any) -> bool:
    """True when the records a rate leaves out number about 1 to 7.

    Rates in linkage.json and evaluation.json come from exact counts; 96.8% of 30 would
    reveal that one record is unlinked. The estimate uses the published denominator.
    """
    p_n = published(n)
    value = rate_value(rate)
    if value is None or not isinstance(p_n, int) or p_n == 0:
        return False
    rest = (1 - value) * p_n
    return 0.5 <= rest < SMALL_COUNT_MAX + 0.5


#: A profile share hidden because the records it leaves out number 1 to 7.
ALL_BUT = f"all but {SUPPRESSED}"


def share_text(fig: Mapping[str, Any], total: Any) -> str:
    """A profile ``{count, share}`` of ``total`` records as text: the share; ``*`` when
    the count is 1–7; ``all but *`` when the share is ``*`` only because the records it
    leaves out number 1–7 (profile shares are ``*`` when the count or the remainder is
    1–7, and the count is published: ``185 of 190`` with share ``*`` is all but 1–7,
    never "1–7 of 190")."""
    hidden = is_suppressed(fig.get("count"), total)
    if fig.get("share") == SUPPRESSED and not hidden:
        return ALL_BUT
    return pct(fig.get("share"), hidden=hidden)


def pct(rate: float | str | None, *, hidden: bool = False, digits: int = 1) -> str:
    """A rate as a percentage; ``*`` when a count it rests on is suppressed (``hidden``,
    or the rate is published as ``*``)."""
    if hidden or rate == SUPPRESSED:
        return SUPPRESSED
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return DASH
    return f"{100 * rate:.{digits}f}%"


def interval(lower: Any, upper: Any) -> str:
    """An interval as ``lo%–hi%`` to 0.1 point; ``±<0.1`` when both ends would print the
    same (``87.4%–87.4%`` would look exact); ``*`` or a dash when an end is not known."""
    if SUPPRESSED in (lower, upper):
        return SUPPRESSED
    lo, hi = rate_value(lower), rate_value(upper)
    if lo is None or hi is None:
        return DASH
    a, b = pct(lo), pct(hi)
    return "±<0.1 points" if a == b else f"{a}–{b}"


def with_interval(rate: Any, lower: Any, upper: Any) -> str:
    """``88.3% (85.1%–90.9%)``, or ``87.4% (±<0.1 points)`` when the ends print the same."""
    if SUPPRESSED in (rate, lower, upper):
        return SUPPRESSED
    if rate_value(rate) is None:
        return DASH
    return f"{pct(rate)} ({interval(lower, upper)})"


def link_rate(block: Mapping[str, Any], n: Any) -> str:
    """A linkage.json match rate (``match_rate`` with ``linked_records``) over ``n`` left
    records, hidden when the linked or the unlinked records number 1 to 7."""
    rate = block["match_rate"]
    hidden = is_suppressed(block.get("linked_records"), n) or small_complement(rate, n)
    return pct(rate, hidden=hidden)


def rate_rank(block: Mapping[str, Any]) -> float:
    """A sort key for a linkage.json match rate (``match_rate`` with ``linked_records``):
    the rate; for ``*``, about 0 when the linked records number 1–7 and about 1 when the
    unlinked do; a missing rate sorts last."""
    value = rate_value(block.get("match_rate"))
    if value is not None:
        return value
    if block.get("match_rate") == SUPPRESSED:
        return 0.0 if is_suppressed(block.get("linked_records")) else 1.0
    return math.inf


def of(numerator: Any, denominator: Any, rate: float | str | None,
       noun: str = "records") -> str:
    """"745 of 880 records (84.5%)": a rate with its numerator and denominator."""
    hidden = is_suppressed(numerator, denominator)
    return f"{count(numerator)} of {count(denominator)} {noun} ({pct(rate, hidden=hidden)})"


def ccell(value: Any) -> Cell:
    return Cell(count(value), "count")


def rcell(rate: float | str | None, *, hidden: bool = False) -> Cell:
    return Cell(pct(rate, hidden=hidden), "rate")


def tcell(text: str) -> Cell:
    return Cell(text, "text")


def hcell(text: str) -> Cell:
    return Cell(text, "head")


def wilson(rate: float | str | None, n: Any,
           z: float = 1.96) -> tuple[float, float] | None:
    """A 95% Wilson interval for a rate over ``n`` published records (None if unknown,
    or the rate is ``*``)."""
    p_n = published(n)
    value = rate_value(rate)
    if value is None or not isinstance(p_n, int) or p_n <= 0:
        return None
    denom = 1 + z * z / p_n
    centre = (value + z * z / (2 * p_n)) / denom
    half = z * math.sqrt(value * (1 - value) / p_n + z * z / (4 * p_n * p_n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def source_label(name: str) -> str:
    """``la_adult_social_care`` → ``LA adult social care``."""
    words = name.replace("_", " ").replace("childrens", "children's").split()
    out = [w.upper() if w.lower() in {"la", "gp", "nhs", "ics", "ae"} else w for w in words]
    text = " ".join(out)
    return text[:1].upper() + text[1:]


FIELD_LABELS = {
    "record_id": "record ID",
    "nhs_number": "NHS number",
    "given_name": "given name",
    "family_name": "family name",
    "dob": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
    "ethnicity": "ethnicity",
    "middle_names": "middle names",
    "address_line": "address line",
    "uprn": "UPRN",
    "lsoa": "LSOA",
    "imd_decile": "IMD decile",
    "local_id": "local ID",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


DIMENSION_LABELS = {
    "ethnic_group": "ethnic group",
    "ethnicity": "ethnic category",
    "age_band": "age band",
    "sex": "sex",
    "imd_decile": "deprivation decile",
}
SEX_LABELS = {"1": "male", "2": "female", "9": "not known"}


def group_label(dimension: str, group: Any) -> str:
    """A subgroup as people say it: sex ``1`` → male, IMD decile 1 → 1 (most deprived)."""
    g = str(group)
    if dimension == "sex":
        return SEX_LABELS.get(g, g)
    if dimension == "imd_decile":
        return {"1": "1 (most deprived)", "10": "10 (least deprived)"}.get(g, g)
    if dimension == "ethnic_group":
        return g[:1].upper() + g[1:]
    if dimension == "age_band":
        return g.replace("-", "–")
    return g


def group_order(dimension: str, group: Any) -> tuple[int, str]:
    """Sort key: numbers numerically, 'not known' last."""
    g = str(group)
    if g.lower() in {"not known", "unknown", "none"}:
        return (10_000, g)
    if dimension == "imd_decile" and g.isdigit():
        return (int(g), g)
    if dimension == "age_band":
        head = g.split("-")[0].rstrip("+")
        return (int(head) if head.isdigit() else 9_999, g)
    return (0, g)
