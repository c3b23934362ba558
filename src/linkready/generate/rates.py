"""Turn a configured :class:`Rate` or :class:`Coverage` into one probability per record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from linkready.generate.scenario import AGE_BANDS, ETHNIC_GROUPS, Differential, Rate


@dataclass(frozen=True)
class Subgroups:
    """The subgroup of each record as integer codes aligned with the records:
    ethnic group and age band as indices into ETHNIC_GROUPS and AGE_BANDS, IMD decile 1–10,
    and whether the person is female."""

    ethnic_group: npt.NDArray[np.int64]
    age_band: npt.NDArray[np.int64]
    imd_decile: npt.NDArray[np.int64]
    female: npt.NDArray[np.bool_]

    def take(self, idx: npt.NDArray[np.int64]) -> Subgroups:
        return Subgroups(self.ethnic_group[idx], self.age_band[idx], self.imd_decile[idx],
                         self.female[idx])


def _table(labels: tuple, mapping: dict) -> npt.NDArray[np.float64]:
    return np.array([mapping.get(label, 1.0) for label in labels], dtype=np.float64)


def multipliers(by: Differential, groups: Subgroups) -> npt.NDArray[np.float64]:
    """The product of the subgroup multipliers for each record (1 where none applies)."""
    m = np.ones(groups.ethnic_group.size, dtype=np.float64)
    if by.ethnic_group:
        m *= _table(ETHNIC_GROUPS, by.ethnic_group)[groups.ethnic_group]
    if by.age_band:
        m *= _table(AGE_BANDS, by.age_band)[groups.age_band]
    if by.imd_decile:
        m *= _table(tuple(range(11)), by.imd_decile)[groups.imd_decile]
    if by.sex:
        m *= _table(("male", "female"), by.sex)[groups.female.astype(np.int64)]
    return m


def probabilities(rate: Rate, groups: Subgroups) -> npt.NDArray[np.float64]:
    """Per-record probability: base rate × subgroup multipliers, clipped to [0, 1]."""
    return np.clip(rate.rate * multipliers(rate.by, groups), 0.0, 1.0)


CALIBRATION_RECORDS = 50_000


def with_propensity(p: npt.NDArray[np.float64], z: npt.NDArray[np.float64]
                    ) -> npt.NDArray[np.float64]:
    """Scale probabilities by each person's error propensity on the odds scale,
    ``odds × k·z``, with one constant ``k`` (found by Newton's method) that keeps the
    average over these records equal to the average of ``p``: the propensity moves errors
    between people, it does not add or remove them (exactly on up to
    :data:`CALIBRATION_RECORDS` records, within sampling error beyond). For small rates
    this is ``p × z``; a rate of 0 or 1 stays 0 or 1 (an identifier a system never
    records stays unrecorded)."""
    p = np.clip(p, 0.0, 1.0)
    inner = (p > 0) & (p < 1)
    if not inner.any():
        return p
    # k is fitted on the first CALIBRATION_RECORDS records (sources shuffle their rows, so
    # these are a random sample), then applied to all.
    ps, zs = p[:CALIBRATION_RECORDS], z[:CALIBRATION_RECORDS]
    target = float(ps.mean())
    k = 1.0
    for _ in range(20):
        den = 1.0 - ps + ps * k * zs
        q = np.divide(ps * k * zs, den, out=np.ones_like(ps), where=den > 0)
        miss = float(q.mean()) - target
        if abs(miss) <= 1e-9 + 1e-6 * target:
            break
        slope = np.divide(ps * zs * (1.0 - ps), den * den, out=np.zeros_like(ps),
                          where=den > 0)
        d = float(slope.mean())
        if d <= 0:
            break
        k = max(k - miss / d, k / 10)
    num = p * k  # the same operations, in the same order, as (p k z) / (1 − p + p k z),
    num *= z  # with fewer temporaries (this runs for every rate of every source)
    den = 1.0 - p
    den += num
    return np.divide(num, den, out=np.ones_like(p), where=den > 0)
