"""Error injection on a source's recorded values.

Each function takes the random generator, the per-record probability of the error and the
arrays it changes, changes them in place, and returns how many records it changed (the
figure ``manifest.json`` reports). Errors in one field are mutually exclusive; errors in
different fields are independent. Where an error is only possible for some records (a
day–month swap needs a day ≤ 12) the probability applies to the eligible records.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from linkready.generate.geography import PSEUDO_POSTCODES
from linkready.generate.names import nickname_map, variant_map
from linkready.nhs import corrupt

F = npt.NDArray[np.float64]
REPDIGITS = np.array([0, 1_111_111_111, 9_999_999_999, 2_222_222_222], dtype=np.int64)
ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def bands(rng: np.random.Generator, *probs: F) -> list[npt.NDArray[np.bool_]]:
    """Mutually exclusive events from one uniform draw per record: event k happens where
    the draw falls in the k-th band. Probabilities must sum to ≤ 1 per record."""
    u = rng.random(probs[0].size)
    out, lo = [], np.zeros_like(u)
    for p in probs:
        hi = np.minimum(lo + p, 1.0)
        out.append((u >= lo) & (u < hi))
        lo = hi
    return out


def nhs_errors(
    rng: np.random.Generator,
    nhs: npt.NDArray[np.int64],
    missing_p: F,
    placeholder_p: F,
    invalid_p: F,
    wrong: dict[str, tuple[npt.NDArray[np.int64], F]] | None = None,
) -> tuple[npt.NDArray[np.bool_], dict[str, int]]:
    """Blank, placeholder or mistyped NHS numbers, and wrong-but-valid ones: ``wrong`` maps
    an error kind (``nhs_wrong_household``, ``nhs_mother``, ``nhs_wrong_other``) to each
    record's replacement number (-1 where the error is impossible) and its probability.
    All are mutually exclusive. Returns the mask of blanked numbers."""
    wrong = wrong or {}
    kinds = list(wrong)
    probs = [np.where(wrong[k][0] >= 0, wrong[k][1], 0.0) for k in kinds]
    missing, placeholder, invalid, *hits = bands(rng, missing_p, placeholder_p, invalid_p,
                                                 *probs)
    nhs[placeholder] = REPDIGITS[rng.integers(0, REPDIGITS.size, placeholder.sum())]
    nhs[invalid] = corrupt(rng, nhs[invalid])
    counts = {
        "nhs_missing": int(missing.sum()),
        "nhs_placeholder": int(placeholder.sum()),
        "nhs_invalid": int(invalid.sum()),
    }
    for kind, hit in zip(kinds, hits, strict=True):
        nhs[hit] = wrong[kind][0][hit]
        counts[kind] = int(hit.sum())
    return missing, counts


def _typo(name: str, kind: int, pos: int, letter: str) -> str:
    if len(name) < 2:
        return name + letter.lower()
    pos %= len(name) - 1
    if kind == 0:  # delete
        return name[:pos] + name[pos + 1 :]
    if kind == 1:  # transpose adjacent
        if name[pos] == name[pos + 1]:
            return name[:pos] + letter.lower() + name[pos + 1 :]
        return name[:pos] + name[pos + 1] + name[pos] + name[pos + 2 :]
    if kind == 2:  # insert
        return name[: pos + 1] + letter.lower() + name[pos + 1 :]
    sub = letter.lower() if pos else letter  # substitute
    if name[pos].lower() == sub.lower():
        sub = "e" if sub.lower() != "e" else "a"
    return name[:pos] + sub + name[pos + 1 :]


def typos(rng: np.random.Generator, names: npt.NDArray[np.object_], p: F) -> int:
    """One keying error (delete, transpose, insert or substitute a letter) per chosen name."""
    hit = np.flatnonzero((rng.random(names.size) < p) & (names != None))  # noqa: E711
    kinds = rng.integers(0, 4, hit.size)
    pos = rng.integers(0, 1 << 16, hit.size)
    letters = ALPHABET[rng.integers(0, 26, hit.size)]
    names[hit] = [
        _typo(n, k, q, c) for n, k, q, c in zip(names[hit], kinds, pos, letters, strict=True)
    ]
    return int(hit.size)


def _replace_from(
    rng: np.random.Generator,
    names: npt.NDArray[np.object_],
    p: F,
    table: dict[str, tuple[str, ...]],
) -> int:
    eligible = pc.is_in(pa.array(names, pa.string()), value_set=pa.array(list(table))).to_numpy(
        zero_copy_only=False
    )
    hit = np.flatnonzero(eligible & (rng.random(names.size) < p))
    picks = rng.random(hit.size)
    names[hit] = [table[n][int(u * len(table[n]))] for n, u in zip(names[hit], picks, strict=True)]
    return int(hit.size)


def nicknames(rng: np.random.Generator, given: npt.NDArray[np.object_], p: F) -> int:
    """A known nickname in place of the formal given name (eligible: name has one)."""
    return _replace_from(rng, given, p, nickname_map())


def transliterations(
    rng: np.random.Generator, given: npt.NDArray[np.object_], family: npt.NDArray[np.object_], p: F
) -> int:
    """Another spelling of the given name, or else of the family name, where one is known."""
    table = variant_map()
    n_given = _replace_from(rng, given, p, table)
    return n_given + _replace_from(rng, family, p, table)


def name_swap(
    rng: np.random.Generator, given: npt.NDArray[np.object_], family: npt.NDArray[np.object_], p: F
) -> int:
    hit = rng.random(given.size) < p
    given[hit], family[hit] = family[hit], given[hit].copy()
    return int(hit.sum())


def middle_as_given(
    rng: np.random.Generator, given: npt.NDArray[np.object_], middle: npt.NDArray[np.object_],
    p: F,
) -> int:
    """The middle name recorded as the given name (the name the person goes by)."""
    hit = (middle != None) & (rng.random(given.size) < p)  # noqa: E711
    given[hit] = middle[hit]
    return int(hit.sum())


def _part(name: str, kind: int) -> str:
    first, _, second = name.partition("-")
    return (first, second, f"{first} {second}", first + second.lower())[kind]


def surname_parts(rng: np.random.Generator, family: npt.NDArray[np.object_], p: F) -> int:
    """A hyphenated surname recorded as its first part, its second part, with a space, or
    run together (eligible: the surname has a hyphen)."""
    hyphen = pc.match_substring(pa.array(family, pa.string()), "-").to_numpy(
        zero_copy_only=False)
    hit = np.flatnonzero(np.asarray(hyphen, dtype=bool) & (rng.random(family.size) < p))
    kinds = rng.integers(0, 4, hit.size)
    family[hit] = [_part(n, int(k)) for n, k in zip(family[hit], kinds, strict=True)]
    return int(hit.size)


def parent_surname(
    rng: np.random.Generator, family: npt.NDArray[np.object_],
    parent: npt.NDArray[np.object_], eligible: npt.NDArray[np.bool_], p: F,
) -> int:
    """A child recorded under the household head's surname instead of their own."""
    hit = eligible & (rng.random(family.size) < p)
    family[hit] = parent[hit]
    return int(hit.sum())


def dob_errors(
    rng: np.random.Generator,
    y: npt.NDArray[np.int64],
    m: npt.NDArray[np.int64],
    d: npt.NDArray[np.int64],
    default_p: F,
    swap_p: F,
    typo_p: F,
    sentinel: tuple[int, int, int],
) -> dict[str, int]:
    """Default (sentinel) dates, day–month swaps (eligible: day ≤ 12, day ≠ month) and
    one-part typos (day, month or year changed to another plausible value)."""
    can_swap = (d <= 12) & (d != m)
    default, swap, typo = bands(rng, default_p, np.where(can_swap, swap_p, 0.0), typo_p)
    y[default], m[default], d[default] = sentinel
    m[swap], d[swap] = d[swap], m[swap].copy()
    part = rng.integers(0, 3, typo.size)
    shift = rng.integers(1, 10, typo.size)
    t_day, t_month, t_year = typo & (part == 0), typo & (part == 1), typo & (part == 2)
    d[t_day] = (d[t_day] - 1 + shift[t_day]) % 28 + 1
    m[t_month] = (m[t_month] - 1 + shift[t_month]) % 12 + 1
    d[t_month] = np.minimum(d[t_month], 28)
    y[t_year] = y[t_year] - np.where(rng.random(t_year.size) < 0.5, 1, 10)[t_year]
    return {
        "dob_default": int(default.sum()),
        "dob_day_month_swap": int(swap.sum()),
        "dob_typo": int(typo.sum()),
    }


def postcode_errors(
    rng: np.random.Generator,
    postcode: npt.NDArray[np.object_],
    addresses: npt.NDArray[np.object_],
    move_times: npt.NDArray[np.float64],
    missing_p: F,
    pseudo_p: F,
    stale_p: F,
    lag_years: float = 0.0,
) -> dict[str, int]:
    """Blank, pseudo (ZZ99) or out-of-date postcodes. A stale record (eligible: the person
    moved in the history window) holds the address the person had ``lag`` years before
    their latest move, ``lag`` exponential with mean ``lag_years`` (0: the one just before
    it); ``addresses`` and ``move_times`` are as :func:`population.address_history` gives."""
    moved = np.isfinite(move_times[:, 0])
    missing, pseudo, stale = bands(rng, missing_p, pseudo_p, np.where(moved, stale_p, 0.0))
    postcode[missing] = None
    postcode[pseudo] = np.array(PSEUDO_POSTCODES, dtype=object)[rng.integers(0, 2, pseudo.sum())]
    lag = rng.exponential(lag_years, postcode.size) if lag_years > 0 else np.zeros(postcode.size)
    snapshot = move_times[:, 0] + lag
    back = (move_times <= snapshot[:, None]).sum(axis=1)
    rows = np.flatnonzero(stale)
    postcode[rows] = addresses[rows, back[rows]]
    return {
        "postcode_missing": int(missing.sum()),
        "postcode_pseudo": int(pseudo.sum()),
        "postcode_stale": int(stale.sum()),
    }


def sex_errors(
    rng: np.random.Generator, sex: npt.NDArray[np.object_], unknown_p: F, miscoded_p: F
) -> dict[str, int]:
    unknown, miscoded = bands(rng, unknown_p, miscoded_p)
    sex[miscoded] = np.where(sex[miscoded] == "1", "2", "1")
    sex[unknown] = "9"
    return {"sex_unknown": int(unknown.sum()), "sex_miscoded": int(miscoded.sum())}
