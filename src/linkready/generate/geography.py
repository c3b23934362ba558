"""Homes: real London postcode districts with synthetic units, LSOAs and IMD deciles.

Postcode districts are the real outward codes that cover each borough of North Central
London (some districts straddle two boroughs, as in life). Units (the inward code) are
synthetic but well formed. LSOAs are named as ONS names them (``Camden 001A``) but their
boundaries and deprivation are synthetic: each LSOA's IMD decile is drawn from London's
IMD 2019 decile mix (1 → 10: 2, 14, 17, 14, 11, 11, 9, 9, 9, 5 %; see
``docs/generate.md``). LSOA counts per borough are close to the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BOROUGH_DISTRICTS: dict[str, tuple[str, ...]] = {
    "camden": ("NW1", "NW3", "NW5", "NW6", "N6", "N19", "WC1H", "WC1N", "WC1X", "WC2H"),
    "islington": ("N1", "N4", "N5", "N7", "N19", "EC1V", "EC1R"),
    "haringey": ("N4", "N6", "N8", "N10", "N15", "N17", "N22"),
    "barnet": ("N2", "N3", "N11", "N12", "N14", "N20", "NW4", "NW7", "NW9", "NW11", "EN4",
               "EN5", "HA8"),
    "enfield": ("N9", "N13", "N18", "N21", "EN1", "EN2", "EN3"),
}
BOROUGH_LSOAS: dict[str, int] = {
    "camden": 133, "islington": 123, "haringey": 145, "barnet": 211, "enfield": 183,
}
#: Districts elsewhere in London and beyond, for people who live out of area.
OUT_OF_AREA_DISTRICTS: tuple[str, ...] = (
    "E1", "E2", "E5", "E8", "E9", "E17", "SE1", "SE5", "SE15", "SW2", "SW9", "W2", "W9", "W10",
    "HA0", "HA9", "NW10", "WD6", "EN6", "AL1", "SG1", "CM17",
)
_IMD_MIX = np.array([2, 14, 17, 14, 11, 11, 9, 9, 9, 5], dtype=float)  # percentages, sum to 101
LONDON_IMD_DECILE_SHARES = _IMD_MIX / _IMD_MIX.sum()
#: Letters allowed in the last two characters of a postcode (no C, I, K, M, O, V).
UNIT_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
UNITS_PER_LSOA = 12
PSEUDO_POSTCODES = ("ZZ99 3VZ", "ZZ99 3WZ")


@dataclass(frozen=True)
class Places:
    """All LSOAs in the world (in-area first, then one pseudo-LSOA per out-of-area district)
    and the postcode units in each."""

    lsoa: npt.NDArray[np.object_]
    borough: npt.NDArray[np.object_]
    imd_decile: npt.NDArray[np.int64]
    in_area: npt.NDArray[np.bool_]
    units: npt.NDArray[np.object_]  # shape (n_lsoa, UNITS_PER_LSOA)

    def sample_units(self, rng: np.random.Generator, lsoa_idx: npt.NDArray[np.int64]
                     ) -> npt.NDArray[np.object_]:
        """A random postcode unit inside each given LSOA."""
        pick = rng.integers(0, UNITS_PER_LSOA, size=lsoa_idx.size)
        return self.units[lsoa_idx, pick]


def _units(rng: np.random.Generator, districts: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    n = districts.size
    sector = rng.integers(0, 10, size=(n, UNITS_PER_LSOA)).astype(str)
    letters = UNIT_LETTERS[rng.integers(0, UNIT_LETTERS.size, size=(n, UNITS_PER_LSOA, 2))]
    inward = np.char.add(np.char.add(sector, letters[..., 0]), letters[..., 1])
    outward = np.repeat(districts.astype(str)[:, None], UNITS_PER_LSOA, axis=1)
    return np.char.add(np.char.add(outward, " "), inward).astype(object)


def build_places(rng: np.random.Generator, boroughs: list[str]) -> Places:
    """LSOAs with IMD deciles and postcode units for the given boroughs, plus out of area."""
    lsoa, borough, districts = [], [], []
    for b in boroughs:
        n = BOROUGH_LSOAS[b]
        dist = BOROUGH_DISTRICTS[b]
        for i in range(n):
            lsoa.append(f"{b.title()} {i // 4 + 1:03d}{'ABCD'[i % 4]}")
            borough.append(b)
            districts.append(dist[i % len(dist)])
    n_in = len(lsoa)
    for d in OUT_OF_AREA_DISTRICTS:
        lsoa.append(f"Out of area {d}")
        borough.append("out_of_area")
        districts.append(d)
    dist_arr = np.array(districts, dtype=object)
    imd = rng.choice(np.arange(1, 11), size=dist_arr.size, p=LONDON_IMD_DECILE_SHARES)
    in_area = np.arange(dist_arr.size) < n_in
    return Places(
        lsoa=np.array(lsoa, dtype=object),
        borough=np.array(borough, dtype=object),
        imd_decile=imd.astype(np.int64),
        in_area=in_area,
        units=_units(rng, dist_arr),
    )
