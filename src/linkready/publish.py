"""Exact figures first, published once: disclosure control in one place.

The stages that measure (``link``, ``evaluate``) build **exact results**: trees of dicts
and lists whose leaves are plain values or *figures* — :class:`Count`, :class:`Rate`,
:class:`F1`, :class:`Value`, :class:`Harmonic` — that keep the exact counts they rest on.
Nothing in them is rounded or shown as ``*``. A tree is turned into a document here and
only here:

* :func:`exact` — every figure as measured (exact counts, unrounded rates): what
  ``evaluate`` publishes for a synthetic project, and what tests, benchmarks and lessons
  compute with;
* :func:`controlled` — disclosure control (:mod:`linkready.privacy`): counts of 1–7 as
  ``*`` and other counts rounded to 5; **one rule for shares**: a share is computed from
  the exact counts, rounded to 4 decimals, and shown as ``*`` when its numerator, or its
  denominator minus its numerator, is a count of 1–7 (a share beside a rounded count
  would otherwise give the small count away); ``null`` when the denominator is 0. Any
  other figure resting on a count of 1–7 is ``*``.

**Secondary suppression.** A figure shown as ``*`` can still be recovered by
subtraction when it is one part of a published total, or one of two nested counts
(records linked by the deterministic stage within those linked by either stage; the
records linked at two neighbouring thresholds). A tree declares these relations where it
builds them, under the reserved key :data:`RELATIONS` (never published):

* :class:`Line` — parts that add up to a total (a row or column of a table). When a part
  is suppressed, the next-smallest non-zero part is suppressed too, and so on until at
  least two non-zero parts are hidden and their sum is not itself a count of 1–7 (else
  the total, which would give it away, is hidden);
* :class:`Chain` — nested counts in order (thresholds ascending, or a stage within a
  wider one): a cell whose count differs from the last shown cell's by 1–7 is hidden.

Relations are applied together until none changes (a cell hidden by a column may
expose a row). The exact view ignores them: no real person is in a synthetic world.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from linkready.disclosure import CONTROLLED, EXACT, Disclosure
from linkready.privacy import SUPPRESSED, is_small

if TYPE_CHECKING:
    from linkready.documents import EvaluationDocument
    from linkready.link.evaluate_run import Evaluation

#: The key under which a dict of an exact tree holds its relations (never published).
RELATIONS = "_relations"

Hidden = set["Figure"]


class Figure:
    """A published figure that remembers the exact counts it rests on."""

    @property
    def count(self) -> int:
        """The count the figure stands for (secondary suppression orders cells by it)."""
        raise NotImplementedError

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        """The figure under ``pub``; ``hidden`` holds figures secondary suppression hid."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Count(Figure):
    """A count of records (or pairs, links, people)."""

    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", int(self.n))

    @property
    def count(self) -> int:
        return self.n

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        return pub.count(self.n)


@dataclass(frozen=True, eq=False)
class Rate(Figure):
    """A share ``numerator / denominator`` of two exact counts."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "numerator", int(self.numerator))
        object.__setattr__(self, "denominator", int(self.denominator))

    @property
    def count(self) -> int:
        return self.numerator

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        return pub.rate(self.numerator, self.denominator)


@dataclass(frozen=True, eq=False)
class F1(Figure):
    """F1 = 2TP / (2TP + FP + FN) of exact counts."""

    tp: int
    fp: int
    fn: int

    @property
    def count(self) -> int:
        return int(self.tp)

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        return pub.f1(int(self.tp), int(self.fp), int(self.fn))


@dataclass(frozen=True, eq=False)
class Value(Figure):
    """A derived figure (interval bound, p-value, mean, ratio, estimate): ``*`` under
    control when any count in ``rests_on`` is 1–7, else rounded to ``digits`` (``None``:
    not rounded; the document writer tidies floats to 12 significant digits)."""

    x: float | None
    rests_on: tuple[int, ...] = ()
    digits: int | None = 4

    @property
    def count(self) -> int:
        return min(self.rests_on, default=0)

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        if self.digits is None:
            if self.x is None:
                return None
            return SUPPRESSED if pub.hides(*self.rests_on) else float(self.x)
        return pub.value(self.x, *self.rests_on, digits=self.digits)


def records_rest(expected: float, of: int) -> tuple[int, ...]:
    """The counts an expected number of records (a sum of probabilities) out of ``of``
    stands for: the records it rounds to, and those it leaves (none when ``of`` is 0).
    A figure resting on them is ``*`` where either is 1–7."""
    return (round(expected), round(of - expected)) if of > 0 else ()


@dataclass(frozen=True, eq=False)
class Expected(Figure):
    """An expected number of records (a sum of probabilities, not a count): under
    control, shown as the count it rounds to (``*`` for 1–7, else rounded to 5), and
    ``*`` when any count in ``rests_on`` is 1–7; exactly, the unrounded sum."""

    x: float
    rests_on: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        return round(self.x)

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        if not pub.controlled:
            return float(self.x)
        return SUPPRESSED if pub.hides(*self.rests_on) else pub.count(round(self.x))


@dataclass(frozen=True, eq=False)
class Harmonic(Figure):
    """The harmonic mean of two shown figures (an F1 of a precision and a recall): ``*``
    when either is, ``None`` when either is missing."""

    p: Figure
    r: Figure

    @property
    def count(self) -> int:
        return min(self.p.count, self.r.count)

    def shown(self, pub: Disclosure, hidden: Hidden) -> Any:
        p, r = _show(self.p, pub, hidden), _show(self.r, pub, hidden)
        if not isinstance(p, float) or not isinstance(r, float):
            return SUPPRESSED if SUPPRESSED in (p, r) else None
        value = 2 * p * r / (p + r) if p + r else 0.0
        return round(value, 4) if pub.controlled else value


@dataclass(frozen=True, eq=False)
class Cell:
    """One cell of a relation: the exact count it stands for and the figures that show
    it (all hidden together)."""

    count: int
    figures: tuple[Figure, ...]
    #: The cell counts as suppressed only when its first figure (its count) is shown as
    #: ``*`` or a figure was hidden by secondary suppression — not when a share beside
    #: the count is ``*`` because the *rest* of its records is 1–7 (that rest is not a
    #: part of the relation). Otherwise (default) any figure shown as ``*`` counts.
    count_only: bool = False


def cell(*figures: Figure, count: int | None = None, count_only: bool = False) -> Cell:
    """A cell shown by ``figures``, standing for ``count`` (default: the first figure's)."""
    return Cell(int(figures[0].count if count is None else count), tuple(figures),
                count_only)


@dataclass(frozen=True, eq=False)
class Line:
    """``parts`` add up to ``total`` (which is published or can be derived)."""

    parts: tuple[Cell, ...]
    total: Cell | None = None


@dataclass(frozen=True, eq=False)
class Chain:
    """Nested counts in order: each cell's records contain, or are contained in, the
    next one's, so the difference between neighbours is itself a count."""

    cells: tuple[Cell, ...]


Relation = Line | Chain


def exact(tree: Any) -> Any:
    """The tree with every figure as measured; relations dropped."""
    return _render(tree, EXACT, set())


def controlled(tree: Any) -> Any:
    """The tree under disclosure control, primary and secondary (module docstring)."""
    return _render(tree, CONTROLLED, secondary(relations(tree), CONTROLLED))


def publish(tree: Any, *, control: bool) -> Any:
    """:func:`controlled` when ``control``, else :func:`exact`."""
    return controlled(tree) if control else exact(tree)


SYNTHETIC_RULE = ("synthetic project (generate's manifest.json beside it, every hash "
                  "matching): no real person is in it, figures published exactly")
CONTROLLED_RULE = ("real data: counts of 1–7 shown as *, others rounded to the nearest 5; "
                   "a figure resting on a count of 1–7 shown as *; where a hidden figure "
                   "could be recovered from a total or a neighbouring row, another hidden "
                   "with it")


def linkage_document(tree: dict[str, Any]) -> dict[str, Any]:
    """``linkage.json`` (:class:`~linkready.documents.LinkageDocument`) from its exact
    tree: always under disclosure control (it describes the extracts, whatever the data),
    floats tidied for byte-identical files."""
    from linkready.link.digits import tidy

    return dict(tidy(controlled(tree)))


def whatif_document(tree: dict[str, Any]) -> dict[str, Any]:
    """``whatif.json`` from its exact tree (:class:`linkready.whatif.WhatIf`): always
    under disclosure control (it describes the user's own records), floats tidied."""
    from linkready.link.digits import tidy

    return dict(tidy(controlled(tree)))


def evaluation_document(ev: Evaluation) -> EvaluationDocument:
    """``evaluation.json``: exact when the project is synthetic (no real person is in
    it), else under disclosure control with secondary suppression."""
    from linkready.documents import SCHEMA_VERSION, header

    control = not ev.synthetic
    return cast("EvaluationDocument", {
        **header(ev.project, ev.config_hash, SCHEMA_VERSION),
        "threshold": ev.threshold,
        **({"linkage_sha256": ev.linkage_sha256} if ev.linkage_sha256 else {}),
        "unit": "left records (GUILD): see docs/schemas/evaluation.md",
        "synthetic": ev.synthetic,
        "disclosure_control": {"applied": control,
                               "rule": CONTROLLED_RULE if control else SYNTHETIC_RULE},
        "pairs": publish(ev.pairs, control=control),
        "clusters": publish(ev.clusters, control=control),
    })


def relations(tree: Any) -> list[Relation]:
    """Every relation declared anywhere in ``tree``."""
    found: list[Relation] = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == RELATIONS:
                found.extend(value)
            else:
                found.extend(relations(value))
    elif isinstance(tree, (list, tuple)):
        for value in tree:
            found.extend(relations(value))
    return found


def secondary(rels: Iterable[Relation], pub: Disclosure = CONTROLLED) -> Hidden:
    """The figures to hide beyond the primary rule so that no hidden cell can be
    recovered from its line's total or its neighbour in a chain."""
    rels = list(rels)
    hidden: Hidden = set()
    if not pub.controlled:
        return hidden
    changed = True
    while changed:
        changed = False
        for rel in rels:
            step = _line(rel, pub, hidden) if isinstance(rel, Line) else \
                _chain(rel, pub, hidden)
            changed = step or changed
    return hidden


def _show(fig: Figure, pub: Disclosure, hidden: Hidden) -> Any:
    return SUPPRESSED if fig in hidden else fig.shown(pub, hidden)


def _down(c: Cell, pub: Disclosure, hidden: Hidden) -> bool:
    """True when any figure of the cell is shown as ``*`` (with ``count_only``, when its
    count is, or secondary suppression hid any of its figures)."""
    if c.count_only:
        return (_show(c.figures[0], pub, hidden) == SUPPRESSED
                or any(f in hidden for f in c.figures))
    return any(_show(f, pub, hidden) == SUPPRESSED for f in c.figures)


def _hide(c: Cell, hidden: Hidden) -> bool:
    new = [f for f in c.figures if f not in hidden]
    hidden.update(new)
    return bool(new)


def _line(line: Line, pub: Disclosure, hidden: Hidden) -> bool:
    changed = False
    down = [c for c in line.parts if _down(c, pub, hidden)]
    if not down:
        return False
    for c in down:
        changed = _hide(c, hidden) or changed
    while True:
        nonzero = [c for c in down if c.count]
        total = sum(c.count for c in down)
        if len(nonzero) >= 2 and not is_small(total):
            return changed
        if not nonzero and not total:
            return changed  # only zeros are hidden: nothing to protect
        up = sorted((c for c in line.parts if c not in down and c.count),
                    key=lambda c: c.count)
        if not up:
            if line.total is not None:
                changed = _hide(line.total, hidden) or changed
            return changed
        down.append(up[0])
        changed = _hide(up[0], hidden) or changed


def _chain(chain: Chain, pub: Disclosure, hidden: Hidden) -> bool:
    changed = False
    last: Cell | None = None
    for c in chain.cells:
        if _down(c, pub, hidden):
            continue
        if last is not None and is_small(abs(c.count - last.count)):
            changed = _hide(c, hidden) or changed
            continue
        last = c
    return changed


def _render(tree: Any, pub: Disclosure, hidden: Hidden) -> Any:
    if isinstance(tree, Figure):
        return _show(tree, pub, hidden)
    if isinstance(tree, dict):
        return {k: _render(v, pub, hidden) for k, v in tree.items() if k != RELATIONS}
    if isinstance(tree, list):
        return [_render(v, pub, hidden) for v in tree]
    if isinstance(tree, tuple):
        return tuple(_render(v, pub, hidden) for v in tree)
    return tree
