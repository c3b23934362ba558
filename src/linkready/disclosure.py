"""How a figure is published: with disclosure control (real data) or exactly (synthetic).

The rule (``docs/schemas/evaluation.md``): metrics computed against the truth of a
*synthetic* project (:func:`linkready.synthetic.is_synthetic`) describe no real person and
are published exactly; every output about real extracts — including metrics against a
real gold-standard ``truth:`` — keeps disclosure control (:mod:`linkready.privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass

from linkready.privacy import SUPPRESSED, is_small, safe_rate, suppress


@dataclass(frozen=True)
class Disclosure:
    """A publication policy: ``controlled`` applies :mod:`linkready.privacy`; otherwise
    counts and rates are given exactly."""

    controlled: bool

    def count(self, n: int) -> int | str:
        """A count: rounded to 5 (``*`` for 1–7) when controlled, else exact."""
        return suppress(int(n)) if self.controlled else int(n)

    def rate(self, numerator: int, denominator: int) -> float | str | None:
        """A share of counts: :func:`~linkready.privacy.safe_rate` when controlled, else the
        exact ratio; ``None`` when the denominator is zero."""
        if self.controlled:
            return safe_rate(numerator, denominator)
        return numerator / denominator if denominator > 0 else None

    def f1(self, tp: int, fp: int, fn: int) -> float | str | None:
        """F1 = 2TP / (2TP + FP + FN); when controlled, ``*`` if any of TP, FP, FN is 1–7
        (with the other measures it would give that count away)."""
        if not 2 * tp + fp + fn:
            return None
        if self.hides(tp, fp, fn):
            return SUPPRESSED
        value = 2 * tp / (2 * tp + fp + fn)
        return round(value, 4) if self.controlled else value

    def hides(self, *counts: int) -> bool:
        """True when a figure resting on these exact counts must be shown as ``*``."""
        return self.controlled and any(is_small(int(c)) for c in counts)

    def value(self, x: float | None, *rests_on: int, digits: int = 4) -> float | str | None:
        """A derived figure (interval bound, p-value, mean): ``*`` when it rests on a
        count of 1–7 under control, rounded to ``digits`` when controlled, else exact."""
        if x is None:
            return None
        if self.hides(*rests_on):
            return SUPPRESSED
        return round(float(x), digits) if self.controlled else float(x)


CONTROLLED = Disclosure(controlled=True)
EXACT = Disclosure(controlled=False)


def policy(exact: bool) -> Disclosure:
    """:data:`EXACT` when ``exact``, else :data:`CONTROLLED`."""
    return EXACT if exact else CONTROLLED
