"""The report model: plain, frozen data built from the JSON outputs, rendered later.

Nothing here knows about HTML. A :class:`Report` is a list of :class:`Section` s, each a
list of blocks (paragraphs, tables, charts, verdicts). Every figure in a block is already
formatted text, so the renderer cannot change a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: A cell's kind decides how it is aligned and how the privacy test reads it:
#: ``count`` cells hold a published count ("*", 0 or a multiple of 5).
CellKind = Literal["text", "count", "rate", "score", "head"]
Rag = Literal["green", "amber", "red", "none"]


@dataclass(frozen=True)
class Cell:
    """One table cell: display text, its kind and an optional RAG or heat class."""

    text: str
    kind: CellKind = "text"
    rag: Rag = "none"
    #: A second, smaller line (e.g. an interval under a rate).
    detail: str = ""


@dataclass(frozen=True)
class Table:
    """A table with a caption; the first column is a row header."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite chart: its spec (data inline), title and text alternative.

    ``table`` holds the chart's numbers; ``takeaway`` is the one line it says.
    """

    title: str
    alt: str
    spec: dict[str, Any]
    takeaway: str
    table: Table


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class RuleResult:
    """One verdict rule applied to one measured value."""

    rule: str
    short: str
    value: str
    threshold: str
    rag: Rag


@dataclass(frozen=True)
class Verdict:
    """A red / amber / green verdict for a source or a pair, with its reasons."""

    subject: str
    kind: Literal["source", "pair"]
    rag: Rag
    headline: str
    reasons: tuple[RuleResult, ...]

    def reason(self, short: str) -> RuleResult | None:
        """The result of the rule with this short name, if it applied."""
        return next((r for r in self.reasons if r.short == short), None)


@dataclass(frozen=True)
class VerdictBlock:
    """A table of verdicts of one kind; one column per rule that applied to any of them."""

    title: str
    verdicts: tuple[Verdict, ...]

    def rule_names(self) -> list[str]:
        return list(dict.fromkeys(r.short for v in self.verdicts for r in v.reasons))


Block = Paragraph | Bullets | Table | Chart | VerdictBlock


@dataclass(frozen=True)
class Section:
    """A numbered section of the report."""

    id: str
    number: int
    title: str
    summary: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class KeyFigure:
    """A headline figure for the top of the report and the command's summary."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Report:
    """The whole report, ready to render."""

    title: str
    project: str
    created_at: str
    synthetic: bool
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]
    missing: tuple[str, ...] = field(default_factory=tuple)
    #: What in the data will mislead (:class:`linkready.alerts.Alert`), errors first.
    alerts: tuple[Any, ...] = field(default_factory=tuple)
    #: "Can we link, and how well?" per pair, in words (:class:`report._answers.Answer`).
    answers: tuple[Any, ...] = field(default_factory=tuple)
    answers_title: str = "Can we link, and how well?"
    #: What the page is, above its title.
    kind: str = "Linkage readiness report"

    def charts(self) -> list[Chart]:
        """Every chart, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]

    def verdicts(self) -> list[Verdict]:
        """Every verdict, in order."""
        return [v for s in self.sections for b in s.blocks if isinstance(b, VerdictBlock)
                for v in b.verdicts]
