"""What a lesson is (authored) and what running one measured (the result model).

A :class:`Lesson` is plain data: words that never carry a figure, the scenario it runs
and a measurement function. A :class:`LessonResult` holds only what that run measured:
figures, small tables, chart specs and sentences built from those figures. Counts are
passed through :func:`linkready.privacy.suppress` when they enter the model, so nothing
downstream can publish a small count by mistake. A share that rests on a count of 1–7
(published as ``*`` in linkage.json / evaluation.json) is kept exact for the lesson's own
arithmetic and its tests, but marked ``hidden``: the page and lesson.json show ``*``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from linkready.privacy import SUPPRESSED, suppress

if TYPE_CHECKING:
    from linkready.lessons._context import LessonContext

#: The linkage threshold every lesson uses unless it is the thing being varied.
THRESHOLD = 0.9

Kind = Literal["share", "count", "points", "number", "ratio", "text"]


@dataclass(frozen=True)
class Variant:
    """One world a lesson builds: a label and scenario overrides applied on top."""

    key: str
    label: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Setting:
    """A scenario key whose value (read from the resolved scenario) the page shows."""

    key: str
    label: str
    kind: Kind = "share"


@dataclass(frozen=True)
class Exercise:
    """"Change X and predict what happens", and the command that checks the answer."""

    change: str
    predict: str
    command: str


@dataclass(frozen=True)
class Lesson:
    """A runnable lesson. Text fields must not contain measured figures."""

    name: str
    number: int
    title: str
    question: str
    setup: str
    advice: tuple[str, ...]
    scenario: str  # file stem in configs/lessons/
    sources: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    variants: tuple[Variant, ...]
    settings: tuple[Setting, ...]
    exercises: tuple[Exercise, ...]
    measure: Callable[[LessonContext], LessonResult]
    default_population: int = 20_000
    test_population: int = 3_000
    #: Whether the standard ``link`` run (deterministic + Splink) is needed per variant.
    link: bool = True
    teaches: str = ""


@dataclass(frozen=True)
class Figure:
    """One measured figure. ``value`` of a count is already disclosure-controlled."""

    key: str
    label: str
    value: float | int | str | None
    kind: Kind = "share"
    #: Shown as ``*``: the share rests on a count of 1–7 (``value`` is for arithmetic).
    hidden: bool = False

    @property
    def shown(self) -> float | int | str | None:
        """The published value: ``*`` when hidden."""
        return SUPPRESSED if self.hidden else self.value

    def text(self) -> str:
        """The figure as a reader sees it."""
        return fmt(self.shown, self.kind)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "share"


@dataclass(frozen=True)
class Table:
    """A small aggregate table; counts in ``count`` columns are already suppressed."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec, rendered to inline SVG when the page is written."""

    key: str
    title: str
    spec: dict[str, Any]


@dataclass
class LessonResult:
    """Everything one run of a lesson measured (aggregates only)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def share(self, key: str, label: str, value: Any, *, shown: Any = None) -> float | None:
        """Record a share (a float in [0, 1], or None when undefined). ``shown`` is its
        published form where it comes from linkage.json / evaluation.json: ``*`` hides
        it (as does a ``value`` of ``*``, which then has no exact value)."""
        hidden = SUPPRESSED in (value, shown)
        out = None if value is None or value == SUPPRESSED else float(value)
        self.figures[key] = Figure(key, label, out, "share", hidden)
        return out

    def count(self, key: str, label: str, n: int) -> int | str:
        """Record a count (suppressed: 1–7 → ``*``, else rounded to 5)."""
        shown = suppress(int(n))
        self.figures[key] = Figure(key, label, shown, "count")
        return shown

    def number(self, key: str, label: str, value: Any, kind: Kind = "number", *,
               hidden: bool = False) -> None:
        """Record a number; ``hidden`` when it would give away a hidden share (e.g. the
        difference of a hidden and a shown rate)."""
        self.figures[key] = Figure(key, label, None if value is None else float(value), kind,
                                   hidden)

    def value(self, key: str) -> Any:
        """A figure's exact value by key (tests and the lesson's own arithmetic read
        these; a hidden figure's value is never published)."""
        return self.figures[key].value

    def shown(self, key: str) -> Any:
        """A figure's published value: ``*`` when hidden (for tables)."""
        return self.figures[key].shown

    def hidden(self, *keys: str) -> bool:
        """True if any of the figures is hidden."""
        return any(self.figures[k].hidden for k in keys)

    def text(self, key: str) -> str:
        """A figure formatted for a sentence."""
        return self.figures[key].text()

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def fmt(value: Any, kind: Kind) -> str:
    """Format a figure for reading: shares as percentages, points with a sign."""
    if value is None:
        return "—"
    if isinstance(value, str) or kind == "text":
        return str(value)
    if kind == "share":
        return f"{value:.1%}"
    if kind == "points":
        return f"{value * 100:.1f} points"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.3g}" if isinstance(value, float) else f"{value:,}"
