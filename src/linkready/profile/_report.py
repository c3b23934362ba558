"""Turn exact profiles into ``profile.json``: disclosure control applied to every count.

Each source's profile is first an exact tree of :mod:`linkready.publish` figures
(:class:`~linkready.publish.Count`, :class:`~linkready.publish.Rate`), then published by
:func:`linkready.publish.controlled`: counts of 1–7 as ``"*"``, others rounded to 5, and
the one rule for shares that every document follows (computed from the exact counts,
rounded to 4 decimals, ``"*"`` when the count or what the denominator leaves over is
1–7, ``null`` when the denominator is 0). See ``docs/schemas/profile.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from linkready.documents import SCHEMA_VERSION as DOCUMENT_SCHEMA
from linkready.documents import ProfileDocument, ProfileSource, header
from linkready.ingest import _rules as R
from linkready.privacy import SMALL_COUNT_MAX, SUPPRESSED, suppress
from linkready.profile._core import ProjectProfile, SourceProfile
from linkready.profile._dqmi import composite, item_score
from linkready.publish import Count, Rate, controlled

SCHEMA_VERSION = DOCUMENT_SCHEMA
#: How shares are published (the one rule of :mod:`linkready.publish`).
SHARES_RULE = ("computed from the exact counts, rounded to 4 decimals; * when the count, or "
               "the denominator minus the count, is 1–7; null when the denominator is 0")


def figure(count: int, total: int) -> dict[str, Any]:
    """A count and its share of ``total``, exact (published by :func:`source_document`)."""
    return {"count": Count(count), "share": Rate(count, total)}


def _fields(p: SourceProfile) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in ("record_id", *R.CLASSIFIED_FIELDS, "middle_names", "address_line", "lsoa",
              "imd_decile", "local_id", "uprn"):
        held = f in p.held
        entry: dict[str, Any] = {"held": held}
        if held and f in R.CLASSIFIED_FIELDS:
            entry["vodim"] = {r.category: figure(r.count, p.records)
                              for r in p.checks if r.check == "vodim" and r.field == f}
            entry["issues"] = {r.category: figure(r.count, p.records)
                               for r in p.checks if r.check == "issue" and r.field == f}
        elif held:
            missing = p.count("completeness", f, "missing")
            entry["missing"] = figure(missing, p.records)
        if held and f == "nhs_number":
            entry["form"] = "token" if p.nhs_tokens else "nhs_number"
        out[f] = entry
    return out


def _power(p: SourceProfile) -> list[dict[str, Any]]:
    rows = []
    for pw in p.power:
        rows.append({
            "field": pw.field,
            "distinct_values": Count(pw.distinct),
            "non_null": Count(pw.non_null),
            "distinct_ratio": Rate(pw.distinct, pw.non_null),
            "top1_share": Rate(pw.top1, pw.non_null),
            "top10_share": Rate(pw.top10, pw.non_null),
        })
    return rows


def _subgroups(p: SourceProfile) -> list[dict[str, Any]]:
    return [
        {
            "dimension": g.dimension,
            "group": g.group,
            "records": Count(g.records),
            "nhs_number_present": figure(g.nhs_present, g.records),
            "nhs_number_valid": figure(g.nhs_valid, g.records),
            "linkable_probabilistic": figure(g.linkable_probabilistic, g.records),
        }
        for g in p.subgroups
    ]


#: What a suppressed count ("*", 1–7) stands for when scores are computed from published
#: counts: the middle of its range.
SUPPRESSED_AS = 4


def published(count: int) -> int:
    """A count as published, made numeric again ("*" → 4) for scores."""
    c = suppress(count)
    return SUPPRESSED_AS if c == SUPPRESSED else int(c)


def source_document(p: SourceProfile) -> ProfileSource:
    """The published profile of one source (:func:`source_tree` under disclosure
    control)."""
    return cast("ProfileSource", controlled(source_tree(p)))


def source_tree(p: SourceProfile) -> dict[str, Any]:
    """The profile of one source with exact figures (:mod:`linkready.publish`)."""
    n = p.records
    # DQMI scores from published counts, so that a score never reveals a small count.
    items = []
    for f in R.CLASSIFIED_FIELDS:
        v = p.vodim(f)
        items.append(item_score(f, None if v is None else {k: published(c) for k, c in v.items()}))
    scores = composite(items)
    return {
        "records": Count(n),
        "fields": _fields(p),
        "checks": [
            {"check": r.check, "field": r.field, "category": r.category,
             **figure(r.count, n)}
            for r in p.checks
        ],
        "discriminating_power": _power(p),
        "defaults_detected": [
            {"field": f, "value": v, **figure(n, p.records)} for f, v, n in p.defaults
        ],
        "subgroups": _subgroups(p),
        "dqmi": {
            "items": [
                {"field": i.field, "held": i.held, "completeness": round(i.completeness, 1),
                 "validity": round(i.validity, 1), "non_default": round(i.non_default, 1),
                 "score": round(i.score, 1)}
                for i in items
            ],
            **{k: round(v, 1) for k, v in scores.items()},
        },
        "readiness": {
            cat: figure(p.count("readiness", "record", cat), n)
            for cat in ("deterministic", "probabilistic", "either", "neither")
        },
        "standardisation": [
            {"field": f, "action": a, "count": Count(c)} for f, a, c in p.log
        ],
    }


def profile_document(
    profile: ProjectProfile, project_name: str, config_hash: str | None = None,
    pairs: Iterable[tuple[str, str]] = (),
) -> ProfileDocument:
    """The whole ``profile.json`` document; ``pairs`` (the pairs to be linked) adds the
    alerts about identifiers held by one side of a pair only."""
    from linkready.alerts import profile_alerts

    sources = {name: source_document(p) for name, p in profile.sources.items()}
    return {
        **header(project_name, config_hash, SCHEMA_VERSION),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reference_date": profile.reference_date.isoformat(),
        "disclosure_control": {
            "suppressed": SUPPRESSED, "small_count_max": SMALL_COUNT_MAX, "round_to": 5,
            "shares": SHARES_RULE,
        },
        "alerts": [a.as_dict() for a in profile_alerts(sources, pairs)],
        "sources": sources,
    }
