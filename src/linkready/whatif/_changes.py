"""What a what-if asks for: ``SOURCE.FIELD=SHARE`` changes, parsed and checked up front."""

from __future__ import annotations

from dataclasses import dataclass

from linkready.errors import ConfigError
from linkready.link.settings import MODEL_FIELDS
from linkready.project import Project, printable

#: Fields whose completeness a what-if may change: those the probabilistic model compares.
FIELDS: tuple[str, ...] = MODEL_FIELDS


@dataclass(frozen=True)
class Change:
    """Make ``field`` of ``source`` held (valid, for the NHS number) by ``share`` of its
    records."""

    source: str
    field: str
    share: float

    @property
    def label(self) -> str:
        return f"{self.source}.{self.field}={self.share:g}"


def _share(text: str, option: str, item: str) -> float:
    try:
        share = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
    except ValueError:
        share = float("nan")
    if not 0.0 <= share <= 1.0:  # also refuses nan
        raise ConfigError(f"{option}: `{printable(item)}`: the share `{printable(text)}` is "
                          "not a number from 0 to 1; write e.g. 0.9 (or 90%)")
    return share


def parse_change(item: str, option: str, project: Project, *,
                 field: str | None = None) -> Change:
    """One ``SOURCE=SHARE`` (with ``field`` given, as ``--nhs-complete`` takes it) or
    ``SOURCE.FIELD=SHARE`` (``--complete``), checked against ``project``.

    Raises:
        ConfigError: malformed item, unknown source, field not compared or not mapped,
            share outside 0–1; the message names the option, the item and the fix.
    """
    form = "SOURCE=SHARE, e.g. la_adult_social_care=0.9" if field else \
        "SOURCE.FIELD=SHARE, e.g. la_adult_social_care.dob=0.95"
    target, sep, value = item.partition("=")
    if not sep or not target.strip() or not value.strip():
        raise ConfigError(f"{option}: `{printable(item)}` is not {form}")
    target = target.strip()
    if field is None:
        source, dot, field = target.rpartition(".")
        if not dot or not source:
            raise ConfigError(f"{option}: `{printable(item)}` is not {form}")
    else:
        source = target
    if source not in project.sources:
        raise ConfigError(f"{option}: `{printable(source)}` is not a source of the project; "
                          f"use one of {', '.join(sorted(project.sources))}")
    if field not in FIELDS:
        raise ConfigError(f"{option}: `{printable(field)}` is not a field the linkage "
                          f"compares; use one of {', '.join(FIELDS)}")
    if not project.sources[source].held(field):
        raise ConfigError(f"{option}: source `{source}` does not map `{field}` in "
                          f"{project.label()}; map it under sources.{source}.columns or "
                          "choose another field")
    return Change(source, field, _share(value, option, item))


def parse_changes(project: Project, *, nhs_complete: list[str] | None = None,
                  complete: list[str] | None = None) -> list[Change]:
    """Every change asked for, in order; one source and field may be named once.

    Raises:
        ConfigError: as :func:`parse_change`, a field named twice, or no change at all.
    """
    changes = [parse_change(i, "--nhs-complete", project, field="nhs_number")
               for i in nhs_complete or []]
    changes += [parse_change(i, "--complete", project) for i in complete or []]
    if not changes:
        raise ConfigError("whatif: no change asked for; add e.g. --nhs-complete "
                          "SOURCE=0.9 or --complete SOURCE.FIELD=0.9")
    seen: set[tuple[str, str]] = set()
    for c in changes:
        if (c.source, c.field) in seen:
            raise ConfigError(f"whatif: `{c.source}.{c.field}` is named twice; give one "
                              "share for it")
        seen.add((c.source, c.field))
    return changes
