"""DQMI-style scores from VODIM counts (see ``docs/methods/dqmi.md``)."""

from __future__ import annotations

from dataclasses import dataclass

from linkready.ingest import _rules as R


@dataclass(frozen=True)
class ItemScore:
    """A field's DQMI-style item score and its three parts, each 0–100."""

    field: str
    held: bool
    completeness: float
    validity: float
    non_default: float
    score: float


def item_score(field: str, vodim: dict[str, int] | None) -> ItemScore:
    """Completeness, validity and non-default shares, and their mean.

    completeness = populated / records (populated: anything but missing);
    validity = (valid + other + default) / populated (conforms to the data standard);
    non_default = (valid + other) / (valid + other + default).
    A field not held, or never populated, scores 0.
    """
    if vodim is None:
        return ItemScore(field, False, 0.0, 0.0, 0.0, 0.0)
    total = sum(vodim.values())
    populated = total - vodim.get("missing", 0)
    conforming = populated - vodim.get("invalid", 0)
    useful = conforming - vodim.get("default", 0)
    if total == 0 or populated == 0:
        return ItemScore(field, True, 0.0, 0.0, 0.0, 0.0)
    c = 100 * populated / total
    v = 100 * conforming / populated
    d = 100 * useful / conforming if conforming else 0.0
    return ItemScore(field, True, c, v, d, (c + v + d) / 3)


def composite(items: list[ItemScore]) -> dict[str, float]:
    """The source's composite: mean item score over all identifying fields (not held = 0),
    the mean over held fields only, and coverage (share of the fields held)."""
    n = len(R.CLASSIFIED_FIELDS)
    held = [i for i in items if i.held]
    return {
        "composite": sum(i.score for i in items) / n if n else 0.0,
        "composite_held": sum(i.score for i in held) / len(held) if held else 0.0,
        "coverage": 100 * len(held) / n if n else 0.0,
    }
