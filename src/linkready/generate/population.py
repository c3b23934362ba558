"""The true population: persons in households, with life events in the year before the
extract date. Everything is vectorised with NumPy; the random generator is passed in."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from linkready.generate.geography import UNITS_PER_LSOA, Places
from linkready.generate.names import vocabulary
from linkready.generate.rates import Subgroups, multipliers
from linkready.generate.scenario import (
    AGE_BAND_LOWER,
    AGE_BANDS,
    ETHNIC_GROUP_OF,
    ETHNIC_GROUPS,
    Propensity,
    Scenario,
    World,
)
from linkready.nhs import sample_test_numbers

#: Share of London's population in each five-year age band from 0–4 to 90+ (approximate,
#: rounded from ONS mid-year estimates for London); used for adults' ages.
AGE_PYRAMID = np.array(
    [6.5, 6.2, 6.0, 5.5, 6.8, 9.0, 9.5, 8.5, 7.3, 6.6, 6.3, 5.6, 4.5, 3.5, 3.0, 2.2, 1.5, 0.9, 0.6]
)
SEXES = np.array(["1", "2"], dtype=object)  # NHS person stated gender: 1 male, 2 female


@dataclass
class Population:
    """Column arrays, one entry per person (``person_id`` = index + 1)."""

    cols: dict[str, npt.NDArray]

    @property
    def size(self) -> int:
        return int(self.cols["person_id"].size)

    def __getitem__(self, key: str) -> npt.NDArray:
        return self.cols[key]


def age_band_index(age: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    return np.searchsorted(np.array(AGE_BAND_LOWER), age, side="right") - 1


def _draw_ages(
    rng: np.random.Generator, n: int, lo: int, hi: int, older: float = 1.0
) -> npt.NDArray[np.int64]:
    """Single-year ages in [lo, hi] following :data:`AGE_PYRAMID`; ``older`` up-weights 65+
    (heads of households without children are older than adults at large)."""
    years = np.arange(0, 100)
    weights = np.r_[np.repeat(AGE_PYRAMID[:-1] / 5, 5), np.repeat(AGE_PYRAMID[-1] / 10, 10)]
    weights = np.where(years >= 65, weights * older, weights)
    weights = np.where((years >= lo) & (years <= hi), weights, 0.0)
    return rng.choice(years, size=n, p=weights / weights.sum())


def _sample_names(
    rng: np.random.Generator,
    code_idx: npt.NDArray[np.int64],
    codes: npt.NDArray[np.object_],
    female: npt.NDArray[np.bool_] | None,
    kind: str,
) -> npt.NDArray[np.object_]:
    """Names for people given their ethnic-category index (into ``codes``) and sex."""
    out = np.empty(code_idx.size, dtype=object)
    if code_idx.size == 0:
        return out
    order = np.argsort(code_idx * 2 + (female if female is not None else 0), kind="stable")
    keys = (code_idx * 2 + (female if female is not None else 0))[order]
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    for lo, hi in itertools.pairwise(bounds):
        key = int(keys[lo])
        vocab = vocabulary(str(codes[key // 2]), kind, "female" if key % 2 else "male")
        out[order[lo:hi]] = vocab.sample(rng, int(hi - lo))
    return out


def error_propensity(
    rng: np.random.Generator, cfg: Propensity, groups: Subgroups
) -> npt.NDArray[np.float64]:
    """One multiplier per person on every error rate: lognormal(0, sigma) × subgroup
    gradient, scaled to mean 1 (so configured rates stay population averages)."""
    n = groups.ethnic_group.size
    z = rng.standard_normal(n)  # drawn even when sigma is 0, so streams do not shift
    value = np.exp(cfg.sigma * z) * multipliers(cfg.by, groups)
    mean = value.mean() if n else 1.0
    return value / mean if mean > 0 else np.ones(n)


MAX_PREVIOUS_ADDRESSES = 4


def address_history(
    rng: np.random.Generator,
    w: World,
    places: Places,
    age: npt.NDArray[np.int64],
    groups: Subgroups,
    current: npt.NDArray[np.object_],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    """Each person's moves in the last ``address_history_years`` (a Poisson process at the
    yearly rate ``moved_last_year`` implies, × ``move_by``; none before birth), at most
    :data:`MAX_PREVIOUS_ADDRESSES`. Returns the move times in years before the extract,
    most recent first (inf where there was none; the k most recent are kept), and the
    addresses: column 0 the current one, column k the one before the k-th most recent
    move (70 % in area)."""
    n, k = age.size, MAX_PREVIOUS_ADDRESSES
    yearly = np.array([w.moved_last_year.get(b, 0.0) for b in AGE_BANDS])[groups.age_band]
    rate = -np.log1p(-np.clip(yearly, 0.0, 0.999)) * multipliers(w.move_by, groups)
    window = np.minimum(w.address_history_years, age + rng.random(n))
    # The most recent k events of a Poisson process, going back from the extract date.
    gaps = np.cumsum(rng.standard_exponential((n, k)), axis=1)
    times = np.divide(gaps, rate[:, None], out=np.full((n, k), np.inf), where=rate[:, None] > 0)
    times[times > window[:, None]] = np.inf
    in_idx, out_idx = np.flatnonzero(places.in_area), np.flatnonzero(~places.in_area)
    lsoa = np.where(rng.random((n, k)) < 0.7, rng.choice(in_idx, size=(n, k)),
                    rng.choice(out_idx, size=(n, k)))
    pick = rng.integers(0, UNITS_PER_LSOA, size=(n, k))
    addresses = np.empty((n, k + 1), dtype=object)
    addresses[:, 0] = current
    for j in range(k):  # a move is to a different postcode than the one after it
        unit = places.units[lsoa[:, j], pick[:, j]]
        same = unit == addresses[:, j]
        unit[same] = places.units[lsoa[same, j], (pick[same, j] + 1) % UNITS_PER_LSOA]
        addresses[:, j + 1] = unit
    addresses[:, 1:][~np.isfinite(times)] = None
    return times, addresses


def _left_the_area(
    rng: np.random.Generator,
    w: World,
    places: Places,
    left: npt.NDArray[np.bool_],
    times: npt.NDArray[np.float64],
    addresses: npt.NDArray[np.object_],
) -> None:
    """People who left the area: their latest move is the one out, up to
    ``left_area_years`` ago, from an address in the area; earlier moves shift back."""
    rows = np.flatnonzero(left)
    if rows.size == 0:
        return
    t_left = rng.random(rows.size) * w.left_area_years
    times[rows, 1:] = t_left[:, None] + times[rows, :-1]
    times[rows, 0] = t_left
    addresses[rows, 2:] = addresses[rows, 1:-1]
    in_idx = np.flatnonzero(places.in_area)
    addresses[rows, 1] = places.sample_units(rng, rng.choice(in_idx, size=rows.size))


def build_population(rng: np.random.Generator, scenario: Scenario, places: Places) -> Population:
    """Persons in households: names, DOB, sex, ethnicity, homes, moves, marriages, deaths."""
    w = scenario.world
    n = scenario.population

    # Households, enough to hold n people; the last one is cut to fit.
    sizes_k = np.array(sorted(w.household_size))
    sizes_p = np.array([w.household_size[k] for k in sizes_k], dtype=float)
    if sizes_p.sum() <= 0:
        sizes_k, sizes_p = np.array([1]), np.array([1.0])
    mean = float((sizes_k * sizes_p).sum() / sizes_p.sum())
    sizes = rng.choice(sizes_k, size=int(n / mean * 1.2) + 10, p=sizes_p / sizes_p.sum())
    ends = np.cumsum(sizes)
    n_hh = int(np.searchsorted(ends, n) + 1)
    sizes = sizes[:n_hh]
    sizes[-1] -= int(ends[n_hh - 1] - n)
    hh = np.repeat(np.arange(n_hh), sizes)
    hh_start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    member = np.arange(n) - hh_start

    # Household attributes.
    codes = np.array(sorted(w.ethnic_mix), dtype=object)
    shares = np.array([w.ethnic_mix[c] for c in codes], dtype=float)
    hh_ci = rng.choice(codes.size, size=n_hh, p=shares / shares.sum())
    u = rng.random(n_hh)
    hh_left = u < w.left_area_share
    hh_resident = u >= w.left_area_share + w.out_of_area_share
    in_idx, out_idx = np.flatnonzero(places.in_area), np.flatnonzero(~places.in_area)
    hh_lsoa = np.where(hh_resident, rng.choice(in_idx, size=n_hh), rng.choice(out_idx, size=n_hh))
    hh_postcode = places.sample_units(rng, hh_lsoa)
    hh_surname = _sample_names(rng, hh_ci, codes, None, "family")
    hh_couple = np.where(sizes == 2, rng.random(n_hh) < 0.7, rng.random(n_hh) < 0.75)
    hh_has_children = (sizes >= 3) | ((sizes == 2) & ~hh_couple)

    # Roles and ages: a head, maybe a partner, then children.
    # Beyond head and partner, about a third of members are adults (grown-up children,
    # relatives, sharers), which keeps the child share near London's ~21%.
    is_partner = (member == 1) & hh_couple[hh]
    is_child = (member >= 1) & ~is_partner & ((member == 1) | (rng.random(n) < 0.55))
    is_sharer = (member >= 1) & ~is_partner & ~is_child
    head_age = np.where(
        hh_has_children, _draw_ages(rng, n_hh, 22, 55), _draw_ages(rng, n_hh, 18, 99, older=2.2)
    )
    age = np.empty(n, dtype=np.int64)
    age[member == 0] = head_age
    age[is_partner] = np.clip(
        head_age[hh[is_partner]] + np.rint(rng.normal(0, 4, is_partner.sum())), 18, 99
    ).astype(np.int64)
    age[is_sharer] = _draw_ages(rng, int(is_sharer.sum()), 18, 40)
    max_child = np.minimum(17, head_age[hh[is_child]] - 18)
    age[is_child] = np.floor(rng.random(is_child.sum()) * (max_child + 1)).astype(np.int64)

    female = rng.random(n) < 0.5
    partner_opposite = rng.random(n) < 0.95
    head_female = female[np.flatnonzero(member == 0)][hh]
    female = np.where(is_partner & partner_opposite, ~head_female, female)
    sex = SEXES[female.astype(np.int64)]

    # Dates of birth; a twin copies the previous child's date of birth.
    extract = np.datetime64(scenario.extract_date, "D")
    days = np.floor(age * 365.25 + rng.random(n) * 365).astype("timedelta64[D]")
    dob = extract - days - np.timedelta64(1, "D")
    prev_is_child = np.r_[False, is_child[:-1]] & np.r_[False, hh[1:] == hh[:-1]]
    # Calibrated so that twin pairs / children ≈ twin_rate, since only a child with an
    # older sibling listed before it can be made a twin.
    eligible = is_child & prev_is_child
    p_twin = min(1.0, w.twin_rate * is_child.sum() / max(1, eligible.sum()))
    twin = eligible & (rng.random(n) < p_twin)
    twin &= ~np.r_[False, twin[:-1]]  # pairs only: a twin's twin is not itself twinned again
    twin_idx = np.flatnonzero(twin)
    dob[twin_idx] = dob[twin_idx - 1]
    age[twin_idx] = age[twin_idx - 1]
    twin_of_next = np.zeros(n, dtype=bool)
    twin_of_next[twin_idx - 1] = True

    # Another member of the household (the next one, wrapping round; -1 if alone), and a
    # baby's mother: a woman heading the household or its partner.
    size_of = sizes[hh]
    other = np.where(member + 1 < size_of, np.arange(n) + 1, hh_start)
    other = np.where(size_of > 1, other, -1)
    head_f = female[hh_start]
    partner_f = np.where(size_of > 1, is_partner[np.minimum(hh_start + 1, n - 1)]
                         & female[np.minimum(hh_start + 1, n - 1)], False)
    mother = np.where(head_f, hh_start, np.where(partner_f, hh_start + 1, -1))
    mother = np.where(is_child & (age == 0), mother, -1)

    band = age_band_index(age)
    ci = hh_ci[hh]
    code = codes[ci]
    given = _sample_names(rng, ci, codes, female, "given")
    middle = np.full(n, None, dtype=object)
    mi = np.flatnonzero(rng.random(n) < w.middle_name_share)
    middle[mi] = _sample_names(rng, ci[mi], codes, female[mi], "given")
    again = np.flatnonzero(middle == given)  # one more draw, then do without
    middle[again] = _sample_names(rng, ci[again], codes, female[again], "given")
    middle[middle == given] = None
    # Hyphenated surnames in some households; some children carry another parent's surname.
    comp = np.flatnonzero(rng.random(n_hh) < w.compound_surname_share)
    second = _sample_names(rng, hh_ci[comp], codes, None, "family")
    joined = np.array([f"{a}-{b}" for a, b in zip(hh_surname[comp], second, strict=True)],
                      dtype=object)
    hh_surname[comp] = np.where(second != hh_surname[comp], joined, hh_surname[comp])
    head_surname = hh_surname[hh]
    family = head_surname.copy()
    kids = np.flatnonzero(is_child & (rng.random(n) < w.child_other_surname))
    family[kids] = _sample_names(rng, ci[kids], codes, None, "family")
    family[twin_idx] = family[twin_idx - 1]

    # Life events in the year before the extract.
    adult = age >= 18
    change_rate = np.where(
        female, w.surname_change.get("female", 0.0), w.surname_change.get("male", 0.0)
    )
    surname_changed = adult & (rng.random(n) < change_rate)
    previous_surname = np.full(n, None, dtype=object)
    changed_idx = np.flatnonzero(surname_changed)
    previous_surname[changed_idx] = _sample_names(rng, ci[changed_idx], codes, None, "family")
    same = surname_changed & (previous_surname == family)
    previous_surname[same] = np.array([f"{s}s" for s in previous_surname[same]], dtype=object)

    lsoa_idx = hh_lsoa[hh]
    eg_idx = np.array([ETHNIC_GROUPS.index(ETHNIC_GROUP_OF[c]) for c in codes], dtype=np.int64)[ci]
    groups = Subgroups(eg_idx, band, places.imd_decile[lsoa_idx], female)
    move_times, addresses = address_history(rng, w, places, age, groups, hh_postcode[hh])
    left = hh_left[hh]
    _left_the_area(rng, w, places, left, move_times, addresses)
    moves = np.isfinite(move_times).sum(axis=1)
    moved = move_times[:, 0] <= 1.0
    previous_postcode = addresses[:, 1].copy()  # None where the person never moved

    died = rng.random(n) < np.array([w.died_last_year.get(b, 0.0) for b in AGE_BANDS])[band]

    nhs = sample_test_numbers(rng, n)
    propensity = error_propensity(rng, w.error_propensity, groups)
    return Population(
        {
            "person_id": np.arange(1, n + 1, dtype=np.int64),
            "household_id": hh.astype(np.int64) + 1,
            "nhs_number": nhs.astype(np.int64),
            "given_name": given,
            "family_name": family,
            "middle_name": middle,
            "previous_surname": previous_surname,
            "sex": sex.astype(object),
            "dob": dob,
            "age": age,
            "age_band": np.array(AGE_BANDS, dtype=object)[band],
            "ethnicity": code,
            "ethnic_group": np.array([ETHNIC_GROUP_OF[c] for c in codes], dtype=object)[ci],
            "postcode": hh_postcode[hh],
            "previous_postcode": previous_postcode,
            "lsoa": places.lsoa[lsoa_idx],
            "borough": places.borough[lsoa_idx],
            "imd_decile": places.imd_decile[lsoa_idx],
            "resident": hh_resident[hh],
            "left_area": left,
            "moved": moved,
            "moves": moves.astype(np.int64),
            "surname_changed": surname_changed,
            "died": died,
            "twin": twin | twin_of_next,
            # Integer codes for fast subgroup look-ups; not written out.
            "error_propensity": propensity,
            "_ethnic_group_idx": eg_idx,
            "_age_band_idx": band,
            "_household_other": other.astype(np.int64),
            "_mother": mother.astype(np.int64),
            "_head_surname": head_surname,
            "_child_other_surname": (age < 18) & (family != head_surname),
            "_move_times": move_times,
            "_addresses": addresses,
            "_female": female,
        }
    )
