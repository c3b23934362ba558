"""One source's extract: who is in it, what it recorded, and what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from linkready.generate import corrupt
from linkready.generate.formats import (
    ETHNICITY_DESCRIPTIONS,
    SYSTEMS,
    SystemFormat,
    format_codes,
    format_dates,
    format_names,
    format_nhs,
    format_postcodes,
)
from linkready.generate.population import Population
from linkready.generate.rates import Subgroups, multipliers, probabilities, with_propensity
from linkready.generate.scenario import SourceConfig
from linkready.nhs import digits

UPN_LETTERS = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"))
#: DfE local-authority codes for the boroughs, used in unique pupil numbers.
LA_CODES = {
    "camden": 202,
    "islington": 206,
    "haringey": 309,
    "barnet": 302,
    "enfield": 308,
    "out_of_area": 999,
}


@dataclass
class SourceExtract:
    name: str
    system: SystemFormat
    table: pa.Table  # the raw extract, as the system would write it
    truth: pa.Table  # source, record_id, person_id
    errors: dict[str, int]
    #: What each record holds, before the system's formatting, aligned with ``truth``
    #: (``person`` index, ``nhs`` with -1 for blank, names, ``dob``, ``postcode``, ``sex``).
    #: Kept in memory for measuring the world (``generate.realism``); never written.
    recorded: dict[str, npt.NDArray] = field(default_factory=dict)


def subgroups(pop: Population) -> Subgroups:
    return Subgroups(pop["_ethnic_group_idx"], pop["_age_band_idx"], pop["imd_decile"],
                     pop["_female"])


def select_people(
    rng: np.random.Generator, pop: Population, cfg: SourceConfig, groups: Subgroups
) -> npt.NDArray[np.int64]:
    """Indices of the people a source holds, by its coverage of residents and others."""
    cov = cfg.coverage
    p = np.where(pop["resident"], cov.resident,
                 np.where(pop["left_area"], cov.left_area, cov.out_of_area))
    p = p * multipliers(cov.by, groups) * np.where(pop["died"], cov.deceased, 1.0)
    return np.flatnonzero(rng.random(pop.size) < np.clip(p, 0.0, 1.0))


def unique_pupil_numbers(pop: Population, idx: npt.NDArray[np.int64]) -> pa.Array:
    """Pupil-style identifiers: check letter, LA code, school, year, serial (DfE rule:
    weights 2–13 on the twelve digits, sum mod 23 picks the letter)."""
    la = np.array([LA_CODES.get(b, 999) for b in pop["borough"][idx]], dtype=np.int64)
    pid = pop["person_id"][idx]
    school = 2000 + pid % 7000
    year = (2026 - pop["age"][idx] + 4) % 100
    body = la * 10**9 + school * 10**5 + year * 10**3 + pid % 1000
    check = UPN_LETTERS[(digits(body, width=12) @ np.arange(2, 14)) % 23]
    padded = pc.utf8_lpad(pc.cast(pa.array(body), pa.string()), width=12, padding="0")
    return pc.binary_join_element_wise(pa.array(check, pa.string()), padded, "")


def build_source(
    rng: np.random.Generator,
    name: str,
    cfg: SourceConfig,
    pop: Population,
    groups: Subgroups,
    error_scale: float = 1.0,
) -> SourceExtract:
    """Select, duplicate, record with errors, and render one source's raw extract."""
    system = SYSTEMS[cfg.system(name)].with_override(cfg.format)
    err = cfg.errors
    people = select_people(rng, pop, cfg, groups)
    propensity = pop["error_propensity"]
    dup_p = with_propensity(probabilities(err.duplicates, groups.take(people)) * error_scale,
                            propensity[people])
    dup = rng.random(people.size) < dup_p
    # Rows are shuffled (and record ids random) so that neither order nor id leaks who is
    # a duplicate or how the file was built.
    idx = np.concatenate([people, people[dup]])
    idx = idx[rng.permutation(idx.size)]
    g = groups.take(idx)
    n = idx.size
    z = propensity[idx]

    done: dict[tuple[float, str], npt.NDArray[np.float64]] = {}

    def p(rate_name: str) -> npt.NDArray[np.float64]:
        """Per-record probabilities of an error (read-only: equal rates share one array)."""
        rate = getattr(err, rate_name)
        if rate.rate == 0 or error_scale == 0:
            return np.zeros(n)  # what the general path gives, without its passes
        key = (rate.rate, rate.by.model_dump_json())
        if key not in done:
            done[key] = with_propensity(probabilities(rate, g) * error_scale, z)
        return done[key]

    counts: dict[str, int] = {"duplicates": int(dup.sum())}
    nhs = pop["nhs_number"][idx].copy()
    numbers = pop["nhs_number"]
    other, mother = pop["_household_other"][idx], pop["_mother"][idx]
    anyone = rng.integers(0, pop.size, n)
    anyone = np.where(anyone == idx, (anyone + 1) % pop.size, anyone)
    wrong = {
        "nhs_wrong_household": (np.where(other >= 0, numbers[other], -1), p("nhs_wrong_household")),
        "nhs_mother": (np.where(mother >= 0, numbers[mother], -1), p("nhs_mother")),
        "nhs_wrong_other": (numbers[anyone] if pop.size > 1 else np.full(n, -1),
                            p("nhs_wrong_other")),
    }
    nhs_missing, c = corrupt.nhs_errors(
        rng, nhs, p("nhs_missing"), p("nhs_placeholder"), p("nhs_invalid"), wrong
    )
    counts.update(c)

    given = pop["given_name"][idx].copy()
    family = pop["family_name"][idx].copy()
    prev_surname = pop["previous_surname"][idx]
    stale_name = (prev_surname != None) & (rng.random(n) < p("surname_change"))  # noqa: E711
    family[stale_name] = prev_surname[stale_name]
    counts["surname_change"] = int(stale_name.sum())
    counts["parent_surname"] = corrupt.parent_surname(
        rng, family, pop["_head_surname"][idx], pop["_child_other_surname"][idx],
        p("parent_surname"))
    counts["surname_part"] = corrupt.surname_parts(rng, family, p("surname_part"))
    counts["middle_as_given"] = corrupt.middle_as_given(rng, given, pop["middle_name"][idx],
                                                        p("middle_as_given"))
    counts["transliteration"] = corrupt.transliterations(rng, given, family, p("transliteration"))
    counts["nickname"] = corrupt.nicknames(rng, given, p("nickname"))
    counts["given_typo"] = corrupt.typos(rng, given, p("given_typo"))
    counts["family_typo"] = corrupt.typos(rng, family, p("family_typo"))
    counts["name_swap"] = corrupt.name_swap(rng, given, family, p("name_swap"))

    dob = pop["dob"][idx].astype("datetime64[D]")
    y = dob.astype("datetime64[Y]").astype(np.int64) + 1970
    m = dob.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (dob - dob.astype("datetime64[M]")).astype(np.int64) + 1
    counts.update(
        corrupt.dob_errors(
            rng,
            y,
            m,
            d,
            p("dob_default"),
            p("dob_day_month_swap"),
            p("dob_typo"),
            system.sentinel_dob,
        )
    )

    postcode = pop["postcode"][idx].copy()
    counts.update(
        corrupt.postcode_errors(
            rng,
            postcode,
            pop["_addresses"][idx],
            pop["_move_times"][idx],
            p("postcode_missing"),
            p("postcode_pseudo"),
            p("postcode_stale"),
            cfg.address_lag_years,
        )
    )
    # A source still holding someone who left the area has not caught up with the move.
    left = np.flatnonzero(pop["left_area"][idx])
    ghost = left[postcode[left] == pop["postcode"][idx[left]]]
    postcode[ghost] = pop["_addresses"][idx[ghost], 1]
    counts["postcode_stale"] += int(ghost.size)
    sex = pop["sex"][idx].copy()
    counts.update(corrupt.sex_errors(rng, sex, p("sex_unknown"), p("sex_miscoded")))
    ethnicity = pop["ethnicity"][idx].copy()
    not_stated = rng.random(n) < p("ethnicity_not_stated")
    ethnicity[not_stated] = "Z"
    counts["ethnicity_not_stated"] = int(not_stated.sum())

    ids = rng.choice(10**system.id_digits - 10 ** (system.id_digits - 1), size=n, replace=False)
    ids = pc.cast(pa.array(ids + 10 ** (system.id_digits - 1)), pa.string())
    record_ids = pc.binary_join_element_wise(system.id_prefix, ids, "")

    cols: dict[str, pa.Array] = {}
    for fld, column in system.columns.items():
        if fld == "record_id":
            cols[column] = record_ids
        elif fld == "nhs_number":
            cols[column] = format_nhs(nhs, system.nhs_style, nhs_missing)
        elif fld == "given_name":
            cols[column] = format_names(given, system.name_case)
        elif fld == "family_name":
            cols[column] = format_names(family, system.name_case)
        elif fld == "dob":
            cols[column] = format_dates(y, m, d, system.date_format, np.zeros(n, bool))
        elif fld == "sex":
            cols[column] = format_codes(sex, system.sex_codes)
        elif fld == "postcode":
            cols[column] = format_postcodes(postcode, system.postcode_style)
        elif fld == "ethnicity":
            mapping = (
                ETHNICITY_DESCRIPTIONS
                if system.ethnicity_style == "description"
                else {k: k for k in ETHNICITY_DESCRIPTIONS}
            )
            cols[column] = format_codes(ethnicity, mapping)
        elif fld == "lsoa":
            cols[column] = pa.array(pop["lsoa"][idx], pa.string())
        elif fld == "local_id":
            cols[column] = unique_pupil_numbers(pop, idx)
    if "Setting" in system.extras:
        cols["Setting"] = pc.if_else(pa.array(rng.random(n) < 0.45),
                                     pa.scalar("Inpatient"), pa.scalar("A&E"))
    table = pa.table(cols)
    truth = pa.table(
        {
            "source": pa.repeat(pa.scalar(name, pa.string()), n),
            "record_id": record_ids,
            "person_id": pa.array(pop["person_id"][idx], pa.int64()),
        }
    )
    recorded = {
        "person": idx,
        "nhs": np.where(nhs_missing, -1, nhs),
        "given_name": given,
        "family_name": family,
        "dob": (y * 100 + m) * 100 + d,
        "postcode": postcode,
        "sex": sex,
    }
    return SourceExtract(name, system, table, truth, counts, recorded)
