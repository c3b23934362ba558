"""Turn a configured :class:`Rate` or :class:`Coverage` into one probability per record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from linkready.generate.scenario import Differential, Rate


@dataclass(frozen=True)
class Subgroups:
    """The subgroup of each record, as arrays aligned with the records."""

    ethnic_group: npt.NDArray[np.object_]
    age_band: npt.NDArray[np.object_]
    imd_decile: npt.NDArray[np.int64]
    sex: npt.NDArray[np.object_]  # "1" male, "2" female

    def take(self, idx: npt.NDArray[np.int64]) -> Subgroups:
        return Subgroups(self.ethnic_group[idx], self.age_band[idx], self.imd_decile[idx],
                         self.sex[idx])


def _lookup(values: npt.NDArray, table: dict) -> npt.NDArray[np.float64]:
    out = np.ones(values.size, dtype=np.float64)
    for key, mult in table.items():
        out[values == key] = mult
    return out


def multipliers(by: Differential, groups: Subgroups) -> npt.NDArray[np.float64]:
    """The product of the subgroup multipliers for each record (1 where none applies)."""
    m = _lookup(groups.ethnic_group, by.ethnic_group)
    m *= _lookup(groups.age_band, by.age_band)
    m *= _lookup(groups.imd_decile, by.imd_decile)
    sex_keys = {"1" if k == "male" else "2": v for k, v in by.sex.items()}
    m *= _lookup(groups.sex, sex_keys)
    return m


def probabilities(rate: Rate, groups: Subgroups) -> npt.NDArray[np.float64]:
    """Per-record probability: base rate × subgroup multipliers, clipped to [0, 1]."""
    return np.clip(rate.rate * multipliers(rate.by, groups), 0.0, 1.0)
