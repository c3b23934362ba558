"""Matches that blocking cannot compare by construction: a blocking rule compares a pair
only where every field it uses is filled on both records (and, for a rule written for a
blank field, blank where it says so). From the patterns of blank blocking fields on each
side, this module computes, for each left record, the share of right records with which
at least one production rule is even possible, and from it the matches lost to missing
fields (:func:`lost_to_missing`).

Pure: rules are SQL text (``l.x``, ``r.x``), patterns are sets of blank fields; no
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_COLUMN = re.compile(r"\b([lr])\.([A-Za-z_][A-Za-z0-9_]*)")
_IS_NULL = re.compile(r"\b([lr])\.([A-Za-z_][A-Za-z0-9_]*)\s+IS\s+NULL\b", re.IGNORECASE)
#: Below this share of right records a left record's pattern can meet, its matches are
#: estimated from the pooled rate of the other patterns, not scaled up by 1 / share
#: (which would multiply the noise of few found matches by more than 1 / MIN_SHARE).
MIN_SHARE = 0.5


@dataclass(frozen=True)
class Requirement:
    """What a rule needs of the two records' blank fields: filled on each side
    (``left``, ``right``) and blank (``left_blank``, ``right_blank``)."""

    left: frozenset[str]
    right: frozenset[str]
    left_blank: frozenset[str] = frozenset()
    right_blank: frozenset[str] = frozenset()

    def possible(self, blank_l: frozenset[str], blank_r: frozenset[str]) -> bool:
        """Whether a pair with these blank fields can meet under the rule."""
        return (not (self.left & blank_l) and not (self.right & blank_r)
                and self.left_blank <= blank_l and self.right_blank <= blank_r)

    def sql(self) -> str:
        """The requirement as a condition on a blocking pair (``l.x``, ``r.x``)."""
        parts = ([f"{s}.{c} IS NOT NULL" for s, cols in (("l", self.left), ("r", self.right))
                  for c in sorted(cols)]
                 + [f"{s}.{c} IS NULL" for s, cols in (("l", self.left_blank),
                                                       ("r", self.right_blank))
                    for c in sorted(cols)])
        return " AND ".join(parts) or "TRUE"


def requirement(rule: str) -> Requirement:
    """The fields ``rule`` (blocking SQL over ``l.x`` and ``r.x``) needs filled, and
    those it needs blank (``l.x IS NULL``). Every other column it names must be filled:
    an equality, a function of it or a comparison with NULL is never true."""
    blank = {(s, c) for s, c in _IS_NULL.findall(rule)}
    used = {(s, c) for s, c in _COLUMN.findall(rule)} - blank
    return Requirement(frozenset(c for s, c in used if s == "l"),
                       frozenset(c for s, c in used if s == "r"),
                       frozenset(c for s, c in blank if s == "l"),
                       frozenset(c for s, c in blank if s == "r"))


def possible_sql(rules: Iterable[str]) -> str:
    """A condition true for the pairs that at least one of ``rules`` could compare,
    given only which fields are blank (``l.x``, ``r.x``)."""
    parts = [f"({requirement(r).sql()})" for r in rules]
    return " OR ".join(parts) if parts else "FALSE"


def fields_of(rules: Iterable[str]) -> list[str]:
    """The fields ``rules`` name, sorted."""
    return sorted({c for r in rules for _, c in _COLUMN.findall(r)})


def pattern_key(blank: Iterable[str]) -> str:
    """A blank-field pattern as text ('' for none blank; fields comma-separated,
    sorted)."""
    return ",".join(sorted(blank))


def parse_key(key: str | None) -> frozenset[str]:
    """The blank fields of a pattern written by :func:`pattern_key` (or SQL
    ``concat_ws(',', …)``)."""
    return frozenset(k for k in (key or "").split(",") if k)


def possible_share(left_patterns: Iterable[frozenset[str]],
                   right_counts: Mapping[frozenset[str], int], rules: Iterable[str]
                   ) -> npt.NDArray[np.float64]:
    """For each left pattern, the share of right records (``right_counts``: records per
    pattern) with which at least one of ``rules`` is possible."""
    reqs = [requirement(r) for r in rules]
    total = float(sum(right_counts.values()))
    out = []
    for a in left_patterns:
        if total <= 0:
            out.append(1.0)
            continue
        ok = sum(n for b, n in right_counts.items() if any(q.possible(a, b) for q in reqs))
        out.append(ok / total)
    return np.asarray(out, dtype=float)


def lost_to_missing(found: npt.ArrayLike, records: npt.ArrayLike, share: npt.ArrayLike,
                    min_share: float = MIN_SHARE) -> float:
    """Expected matches that no production rule could compare because of blank fields.

    Per left pattern a: ``found[a]`` expected matches found (among pairs a rule could
    compare), ``records[a]`` left records, ``share[a]`` the share of right records a
    rule could meet (:func:`possible_share`). Assumption: a left record's match is blank
    where right records in general are (its pattern drawn from right's), so a pattern
    finds ``share[a]`` of its matches and loses ``found[a] × (1 − s) / s``. Where
    ``share[a]`` < ``min_share`` the pattern's matches are instead its records × the
    pooled rate (found ÷ share, over records) of the patterns at or above it; where no
    pattern reaches ``min_share``, the patterns with a share above 0 take its place. A
    pattern's matches never exceed its records (a record has one match or none)."""
    found_a = np.asarray(found, dtype=float)
    records_a = np.asarray(records, dtype=float)
    share_a = np.clip(np.asarray(share, dtype=float), 0.0, 1.0)
    direct = share_a >= min_share
    if not direct.any():
        direct = share_a > 0
    # A pattern has at most one match per record: its matches are capped at its records.
    matches = np.minimum(found_a[direct] / share_a[direct], np.maximum(records_a[direct],
                                                                    found_a[direct]))
    lost = float((matches - found_a[direct]).sum())
    if (~direct).any() and records_a[direct].sum() > 0:
        rate = min(float(matches.sum() / records_a[direct].sum()), 1.0)
        lost += float((records_a[~direct] * rate * (1 - share_a[~direct])).sum())
    return lost
