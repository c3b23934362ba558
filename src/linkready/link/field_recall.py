"""Blocking recall from how often each field agrees in matches (the field model).

The diagnostic sample (:mod:`linkready.link.diagnostic`) sees a missed match only where
the model finds it probable; a match whose filled fields mostly disagree scores low and
adds little. This model reads blocking recall another way, under the assumption the
Fellegi–Sunter model itself makes (fields err independently in a match):

1. Each blocking rule is a conjunction of *atoms*; an atom on one field (``l.dob =
   r.dob``, ``year(l.dob) = year(r.dob)``, ``substr(l.given_name, 1, 1) = …``) is true or
   false for a pair.
2. For each field, among diagnostic pairs that are probable matches on the *other*
   fields (the pair's match probability without that field's weight ≥
   :data:`PROBABLE`, both records holding the field, and, under a loose diagnostic
   blocking, brought together by a diagnostic rule that does not use the field), each
   left record's most probable on the other fields only (a record has one match; a
   household member sharing surname, address and sex is probable on them too), the
   weighted share of each combination of that field's atoms: how that field agrees in
   matches, read without letting the field select the pairs. It is read per quality
   stratum too (the pair's number of blank blocking fields, :func:`stratum`): records
   that leave fields blank are often the ones with errors in the rest, and within a
   stratum the fields are taken as independent (a stratum with too few probable pairs
   takes the pooled reading).
3. The probability that some rule compares a match whose fields are filled on both
   sides for a set ``c`` is then exact under independence within the stratum
   (enumerating each field's combinations); a field blank on either side makes its
   atoms false. Averaged over right's patterns of blank fields (as in
   :mod:`linkready.link.missingness`), it gives each left pattern's share of matches
   compared.

Atoms over two fields (names swapped) and rules that need a blank field (a single name)
are never counted as firing: the model errs towards missed matches there. Pure: arrays
and SQL text, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from linkready.link.missingness import _COLUMN
from linkready.link.settings import rule_terms

#: A pair counts as a probable match on the other fields from this probability.
PROBABLE = 0.9
#: A field's agreement is read only from at least this much weight (probable pairs).
MIN_WEIGHT = 20.0
#: Quality strata: pairs by their number of blank blocking fields (both sides), 0, 1, 2
#: and STRATA − 1 or more.
STRATA = 4


@lru_cache(maxsize=4096)
def atom_field(atom: str) -> str | None:
    """The one field an atom compares on both sides, or None (two fields, one side
    only, or a test for a blank field). Memoised: the bootstrap asks again for the same
    atoms in every replicate."""
    refs = _COLUMN.findall(atom)
    fields = {c for _, c in refs}
    sides = {s for s, _ in refs}
    if len(fields) != 1 or sides != {"l", "r"} or re.search(r"\bIS\s+NULL\b", atom, re.I):
        return None
    return str(next(iter(fields)))


def field_atoms(rules: Iterable[str]) -> list[str]:
    """The distinct one-field atoms of ``rules``, in first-seen order."""
    seen: dict[str, None] = {}
    for r in rules:
        for a in rule_terms(r):
            if atom_field(a) is not None:
                seen.setdefault(a, None)
    return list(seen)


@dataclass(frozen=True)
class FieldAgreement:
    """How one field's atoms combine in matches: each row of ``vectors`` (over
    ``atoms``) with probability ``probability``; ``weight`` is the evidence behind it."""

    field: str
    atoms: list[str]
    vectors: npt.NDArray[np.bool_]
    probability: npt.NDArray[np.float64]
    weight: float


#: Each field's agreement, pooled (key None) and per quality stratum.
Agreements = dict[str, dict[int | None, FieldAgreement]]


def compared_probability(rules: Sequence[str], filled: frozenset[str],
                         fields: Mapping[str, FieldAgreement]) -> float:
    """P(at least one rule fires) for a match whose fields ``filled`` are filled on
    both sides, each field's atoms drawn independently from its agreement; an atom of a
    field not filled, of two fields, or a blank test, is false."""
    use = [f for f in sorted(filled) if f in fields]
    needs = _needs(tuple(rules), tuple(use), tuple(tuple(fields[f].atoms) for f in use))
    if not needs:
        return 0.0
    # Every combination of the fields' agreement vectors at once: one tensor axis per
    # field; a rule fires where all its atoms hold (broadcast along its fields' axes).
    shape = [len(fields[f].probability) for f in use]

    def along(j: int, column: npt.NDArray[Any]) -> npt.NDArray[Any]:
        view = [1] * len(use)
        view[j] = shape[j]
        return column.reshape(view)

    # Which combinations fire depends on the rules and the agreement vectors alone; the
    # bootstrap's replicates mostly see the same vectors (with other probabilities).
    key = (needs, tuple((fields[f].vectors.shape, fields[f].vectors.tobytes()) for f in use))
    fired = _FIRED.get(key)
    if fired is None:
        fired = np.zeros(shape, dtype=bool)
        for need in needs:
            hit = np.ones([1] * len(use), dtype=bool)
            for j, k in need:
                hit = hit & along(j, fields[use[j]].vectors[:, k])
            fired |= hit
        if len(_FIRED) >= _FIRED_MAX:
            _FIRED.clear()
        fired.flags.writeable = False
        _FIRED[key] = fired
    prob = np.ones([1] * len(use))
    for j, f in enumerate(use):
        prob = prob * along(j, fields[f].probability)
    return float(min((prob * fired).sum(), 1.0))


#: :func:`compared_probability`'s fired combinations by rules and vectors (read only).
_FIRED: dict[Any, npt.NDArray[np.bool_]] = {}
_FIRED_MAX = 4096


@lru_cache(maxsize=4096)
def _needs(rules: tuple[str, ...], use: tuple[str, ...], atoms: tuple[tuple[str, ...], ...]
           ) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Each rule that can fire as (field position in ``use``, atom index in that field's
    ``atoms``) pairs; a rule with any other atom never fires and is left out. Memoised:
    the bootstrap asks again for the same rules, fields and atoms in every replicate."""
    needs: list[tuple[tuple[int, int], ...]] = []
    for r in rules:
        need = []
        ok = True
        for a in _terms(r):
            f = atom_field(a)
            if f is None or f not in use or a not in atoms[use.index(f)]:
                ok = False
                break
            j = use.index(f)
            need.append((j, atoms[j].index(a)))
        if ok:
            needs.append(tuple(need))
    return tuple(needs)


@lru_cache(maxsize=1024)
def _terms(rule: str) -> tuple[str, ...]:
    """:func:`linkready.link.settings.rule_terms`, memoised (pure, asked per replicate)."""
    return tuple(rule_terms(rule))


def stratum(blank_l: frozenset[str], blank_r: frozenset[str]) -> int:
    """A pair's quality stratum: its blank blocking fields on both sides together, 0 to
    :data:`STRATA` − 1 (that many or more)."""
    return min(len(blank_l) + len(blank_r), STRATA - 1)


def pattern_compared(left_patterns: Sequence[frozenset[str]],
                     right_counts: Mapping[frozenset[str], int], rules: Sequence[str],
                     all_fields: Iterable[str], fields: Agreements
                     ) -> npt.NDArray[np.float64]:
    """For each left pattern of blank fields, the expected share of its matches some
    rule compares: :func:`compared_probability` averaged over right's patterns, each
    pattern pair read with its stratum's agreement (:func:`stratum`; a field without
    one, the pooled)."""
    every = frozenset(all_fields)
    total = float(sum(right_counts.values()))
    cache: dict[tuple[frozenset[str], int], float] = {}
    out = []
    for a in left_patterns:
        if total <= 0:
            out.append(1.0)
            continue
        acc = 0.0
        for b, n in right_counts.items():
            c = every - a - b
            k = stratum(a & every, b & every)
            if (c, k) not in cache:
                use = {f: by.get(k) or by[None] for f, by in fields.items()}
                cache[c, k] = compared_probability(rules, c, use)
            acc += n * cache[c, k]
        out.append(acc / total)
    return np.asarray(out, dtype=float)


def weight_column(field: str, columns: Iterable[str]) -> str | None:
    """The comparison weight column (``mw_<name>``) that holds ``field``'s evidence: its
    own, or the postcode's for a UPRN (compared within the postcode's comparison)."""
    cols = set(columns)
    if f"mw_{field}" in cols:
        return f"mw_{field}"
    if field == "uprn" and "mw_postcode" in cols:
        return "mw_postcode"
    return None


def from_pairs(pairs: object, atom_list: Sequence[str], diag_rules: Sequence[str],
               prior: float, min_weight: float = MIN_WEIGHT,
               pair_weight: npt.NDArray[np.float64] | None = None) -> Agreements:
    """Each field's :class:`FieldAgreement`, pooled (key None) and per quality stratum
    (:func:`stratum`), from the diagnostic pairs (an Arrow table with ``record_id_l``,
    ``log2_bf``,
    ``mw_*``, ``atom_<k>``, ``lblank_<field>``, ``rblank_<field>`` and, under loose
    rules, ``diag_<j>`` columns; see :func:`linkready.link.diagnostic.run`). A field
    whose probable pairs weigh under ``min_weight`` is left out (in a stratum: that
    stratum is). ``pair_weight`` (one per pair) multiplies each pair's weight: a
    bootstrap replicate's weight of the pair's left record."""
    return prepare(pairs, atom_list, diag_rules, prior).read(pair_weight, min_weight)


@dataclass(frozen=True)
class _Field:
    """The probable pairs that read one field: their positions among the diagnostic
    pairs, weights (match probability on the other fields), strata and atom
    combinations (an index into ``vectors``)."""

    field: str
    atoms: list[str]
    rows: npt.NDArray[np.int64]
    q: npt.NDArray[np.float64]
    strata: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.bool_]
    combination: npt.NDArray[np.int64]

    def agreement(self, w: npt.NDArray[np.float64], min_weight: float
                  ) -> FieldAgreement | None:
        total = float(w.sum())
        if total < min_weight or self.vectors.shape[1] == 0:
            return None
        prob = np.bincount(self.combination, weights=w, minlength=len(self.vectors))
        seen = prob > 0
        return FieldAgreement(self.field, list(self.atoms), self.vectors[seen],
                              prob[seen] / total, total)


@dataclass(frozen=True)
class Prepared:
    """What :func:`from_pairs` reads, with everything but the pairs' weights done once:
    :meth:`read` gives the agreements for any weighting of the pairs (a bootstrap
    replicate's) at the cost of a few bincounts."""

    fields: list[_Field]

    def read(self, pair_weight: npt.NDArray[np.float64] | None = None,
             min_weight: float = MIN_WEIGHT) -> Agreements:
        out: Agreements = {}
        for fr in self.fields:
            w = fr.q if pair_weight is None else fr.q * np.asarray(pair_weight)[fr.rows]
            pooled = fr.agreement(w, min_weight)
            if pooled is None:
                continue
            out[fr.field] = {None: pooled}
            for level in range(STRATA):
                got = fr.agreement(np.where(fr.strata == level, w, 0.0), min_weight)
                if got is not None:
                    out[fr.field][level] = got
        return out


def prepare(pairs: object, atom_list: Sequence[str], diag_rules: Sequence[str],
            prior: float) -> Prepared:
    """The :class:`Prepared` reading of the diagnostic pairs (as :func:`from_pairs`)."""
    from linkready.link.estimates import probabilities
    from linkready.link.missingness import fields_of

    names = list(pairs.column_names)  # type: ignore[attr-defined]

    def col(name: str) -> npt.NDArray[np.float64]:
        return np.asarray(pairs.column(name).to_numpy(  # type: ignore[attr-defined]
            zero_copy_only=False))

    bf = col("log2_bf").astype(float)
    # Without record ids (a bare table), each pair is its own record.
    left = col("record_id_l") if "record_id_l" in names else np.arange(len(bf))
    blank = {c.split("_", 1)[1] for c in names if c.startswith(("lblank_", "rblank_"))}
    count = np.zeros(len(bf), dtype=np.int64)
    for f in blank:
        for side in ("l", "r"):
            if f"{side}blank_{f}" in names:
                count += col(f"{side}blank_{f}").astype(bool)
    strata = np.minimum(count, STRATA - 1)
    out: list[_Field] = []
    by_field: dict[str, list[int]] = {}
    for k, a in enumerate(atom_list):
        f = atom_field(a)
        if f is not None:
            by_field.setdefault(f, []).append(k)
    for f, ks in by_field.items():
        if f"lblank_{f}" not in names or f"rblank_{f}" not in names:
            continue
        wcol = weight_column(f, names)
        own = np.nan_to_num(col(wcol).astype(float)) if wcol else 0.0
        q = probabilities(bf - own, prior)
        filled = ~col(f"lblank_{f}").astype(bool) & ~col(f"rblank_{f}").astype(bool)
        use = (q >= PROBABLE) & filled
        if list(diag_rules) != ["1 = 1"]:
            # Only pairs a diagnostic rule without this field brought together: the
            # field did not select them.
            other = np.zeros(len(bf), dtype=bool)
            for j, r in enumerate(diag_rules):
                if f not in fields_of([r]) and f"diag_{j}" in names:
                    other |= col(f"diag_{j}").astype(bool)
            use &= other
        # A record has one match: of its candidates probable on the other fields, only
        # the most probable reads the field. Household members (same surname, address
        # and sex) can be probable on them too, and their own field (a different DOB)
        # would read as a match's disagreement.
        use &= best_of_record(left, bf - np.asarray(own), use)
        rows = np.flatnonzero(use)
        values = np.stack([col(f"atom_{k}").astype(bool)[rows] for k in ks], axis=1) \
            if ks else np.zeros((len(rows), 0), dtype=bool)
        vecs, inverse = (np.unique(values, axis=0, return_inverse=True) if len(rows)
                         else (np.zeros((0, len(ks)), dtype=bool), np.zeros(0, np.int64)))
        out.append(_Field(f, [atom_list[k] for k in ks], rows, q[rows], strata[rows],
                          vecs.astype(bool), np.asarray(inverse, dtype=np.int64).ravel()))
    return Prepared(out)


def best_of_record(record: npt.NDArray[Any], score: npt.NDArray[np.float64],
                   eligible: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Among the ``eligible`` pairs, the one with the highest ``score`` of each
    ``record`` (the first on a tie, scores equal to 9 decimals tying); False elsewhere."""
    import pandas as pd

    out = np.zeros(len(score), dtype=bool)
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        return out
    # Scores are rounded before ranking: DuckDB sums a pair's weights in an order that
    # can vary between runs (last-bit differences), and two candidates of a record
    # whose scores tie must not swap places from one run to the next.
    frame = pd.DataFrame({"r": np.asarray(record)[idx],
                          "s": np.round(np.asarray(score, dtype=float)[idx], 9), "i": idx})
    top = frame.sort_values(["r", "s", "i"], ascending=[True, False, True],
                            kind="mergesort").drop_duplicates("r")["i"].to_numpy()
    out[top] = True
    return out


def always_agree(field: str, atom_list: Sequence[str]) -> FieldAgreement:
    """A field read as always agreeing (no evidence on how it agrees in matches): the
    model then loses no match through it."""
    ks = [a for a in atom_list if atom_field(a) == field]
    return FieldAgreement(field, ks, np.ones((1, len(ks)), dtype=bool), np.ones(1), 0.0)
