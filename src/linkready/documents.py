"""The JSON documents linkready publishes, typed, and the one provenance header they share.

Every document (``profile.json``, ``validation.json``, ``linkage.json``,
``evaluation.json``, ``sweep.json``) starts with :class:`Header`:

* ``schema_version`` — the document's schema (``docs/schemas/*.md``);
* ``tool`` — always ``"linkready"``; ``tool_version`` — the version that wrote it;
* ``project`` and ``config_hash`` — the project's name and the SHA-256 (hex, 64 digits)
  of its project file's bytes (:meth:`linkready.project.Project.config_hash`), so every
  output of one project carries the same hash. ``sweep.json`` names a scenario, not a
  project: its ``project`` is the scenario and ``config_hash`` is null.

Timestamps (``created_at``) appear only in ``profile.json`` and ``validation.json``;
``linkage.json``, ``evaluation.json`` and ``sweep.json`` are byte-identical for a fixed
seed and so hold none. The blocks that other stages and the CLI read (a linkage pair's
stages and expected rate, an evaluation pair's measures, a sweep row) are typed here;
deeper blocks are ``dict[str, Any]`` where their layout belongs to the stage that builds
them. The schema docs describe every key. A published count is :data:`Shown` (an int
or ``"*"``), a published share :data:`Share` (a float, ``"*"`` or null).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

from linkready._version import __version__

#: The schema version of every document with the shared header (1.1: the header below;
#: 1.0 had ``tool: {name, version}`` or ``tool_version`` alone and, in linkage.json and
#: evaluation.json, a 16-digit hash of the re-dumped YAML as ``config_hash``).
SCHEMA_VERSION = "1.1"
TOOL = "linkready"


class Header(TypedDict):
    """The provenance every published document starts with."""

    schema_version: str
    tool: str
    tool_version: str
    project: str
    config_hash: str | None


#: A published count: rounded to 5, ``"*"`` for 1–7 (exact in a synthetic evaluation).
Shown = int | str
#: A published share: a float, ``"*"`` when it rests on a count of 1–7, None when undefined.
Share = float | str | None


class ExpectedRateBlock(TypedDict, total=False):
    """``probabilistic.expected_match_rate`` of a linkage pair."""

    estimate: Share
    lower: Share
    upper: Share
    method: str
    interval: str
    uncertain_share: Share
    sensitivity: dict[str, Share]
    widened_by_check: bool
    refit_set_aside_by_check: bool
    model_free_check: dict[str, Any] | None
    completeness_gap: dict[str, Any] | None
    grey_zone: dict[str, Any] | None
    point_estimate: dict[str, Any] | None
    refit_estimate: Share
    model_interval: dict[str, Share]
    among_candidates: Share
    missed_by_blocking: Share
    missed_by_missing_fields: Share
    chance_only: dict[str, Any]
    bootstrap_replicates: int
    #: ``"skipped"`` where the link ran with ``--no-estimates`` (estimate, lower and
    #: upper are then null; :mod:`linkready.link.skipped`).
    estimates: str


class FalseLinksBlock(TypedDict, total=False):
    """``probabilistic.false_links`` of a linkage pair."""

    expected: Shown
    share: Share
    lower: Share
    upper: Share
    refit_share: Share
    accepted_records: Shown
    widened_by_check: bool
    method: str
    estimates: str


class StageBlock(TypedDict, total=False):
    """A stage of a linkage pair (``deterministic``, ``probabilistic``, ``combined``)."""

    rule: str
    threshold: float
    linked_records: Shown
    match_rate: Share
    nhs_dob: dict[str, Any]
    conflicts: dict[str, Any]
    expected_match_rate: ExpectedRateBlock
    by_threshold: list[dict[str, Any]]
    false_links: FalseLinksBlock
    prior: dict[str, Any]
    blocking: dict[str, Any]
    untrained_levels: list[Any]
    training: dict[str, Any]
    by_subgroup: dict[str, Any]


class LinkagePair(TypedDict):
    """One pair of ``linkage.json``."""

    left: str
    right: str
    left_records: Shown
    right_records: Shown
    fields_compared: list[str]
    #: ``"skipped"`` when linked with ``--no-estimates``; absent otherwise.
    estimates: NotRequired[str]
    deterministic: StageBlock
    probabilistic: StageBlock
    combined: StageBlock
    warnings: list[str]


class Measures(TypedDict, total=False):
    """GUILD measures of one stage of an evaluation pair (or of a subgroup row)."""

    left_records: Shown
    true_positives: Shown
    false_positives: Shown
    false_negatives: Shown
    match_rate: Share
    precision: Share
    recall: Share
    f1: Share
    false_match_rate: Share
    missed_match_rate: Share
    gap: dict[str, Share]
    links: dict[str, Any]


class EvaluationPair(TypedDict, total=False):
    """One pair of ``evaluation.json``."""

    left: str
    right: str
    left_records: Shown
    threshold: float
    truth: dict[str, Any]
    deterministic: Measures
    probabilistic: Measures
    combined: Measures
    pr_curve: list[dict[str, Any]]
    by_subgroup: dict[str, Any]
    bias: dict[str, Any]
    expected_match_rate: Share
    #: ``"skipped"`` where the pair was linked with ``--no-estimates``.
    estimates: str


class CountShare(TypedDict):
    """A published count and its share (``profile.json``'s ``{count, share}``)."""

    count: Shown
    share: Share


class ProfileSource(TypedDict, total=False):
    """One source of ``profile.json`` (``docs/schemas/profile.md``)."""

    records: Shown
    fields: dict[str, dict[str, Any]]
    checks: list[dict[str, Any]]
    discriminating_power: list[dict[str, Any]]
    defaults_detected: list[dict[str, Any]]
    subgroups: list[dict[str, Any]]
    dqmi: dict[str, Any]
    readiness: dict[str, CountShare]
    standardisation: list[dict[str, Any]]


class ProfileDocument(Header):
    """``profile.json`` (``docs/schemas/profile.md``)."""

    created_at: str
    reference_date: str
    disclosure_control: dict[str, Any]
    alerts: list[dict[str, Any]]
    sources: dict[str, ProfileSource]


class ValidationDocument(Header):
    """``validation.json`` (``docs/schemas/validation.md``)."""

    created_at: str
    engine: str
    result_format: str
    inputs_sha256: str | None
    success: bool
    sources: dict[str, Any]


class LinkageDocument(Header, total=False):
    """``linkage.json`` (``docs/schemas/linkage.md``)."""

    seed: int
    threshold: float
    backend: str
    spine: str
    #: ``"skipped"`` when linked with ``--no-estimates``; absent otherwise.
    estimates: str
    pairs: list[LinkagePair]
    clusters: dict[str, Any]
    dedupe: list[dict[str, Any]]
    warnings: list[str]
    #: SHA-256 of the records, project file, settings and versions it was computed
    #: from (linkready.reuse.linkage_key); null on Spark, absent in older files.
    inputs_sha256: str | None
    models: dict[str, str]


class EvaluationDocument(Header, total=False):
    """``evaluation.json`` (``docs/schemas/evaluation.md``)."""

    threshold: float
    linkage_sha256: str
    unit: str
    #: SHA-256 of the linkage, links, truth and versions it was computed from
    #: (linkready.reuse.evaluation_key); null without links.parquet, absent in older files.
    inputs_sha256: str | None
    synthetic: bool
    disclosure_control: dict[str, Any]
    pairs: list[EvaluationPair]
    clusters: dict[str, Any]


class SweepDocument(Header):
    """``sweep.json`` (``docs/schemas/linkage.md``, section *sweep*)."""

    scenario: str
    key: str
    values: list[Any]
    population: int | None
    seed: int | None
    threshold: float
    rows: list[dict[str, Any]]


def header(project: str, config_hash: str | None,
           schema_version: str = SCHEMA_VERSION) -> Header:
    """The provenance header of a document about ``project``."""
    return {"schema_version": schema_version, "tool": TOOL, "tool_version": __version__,
            "project": project, "config_hash": config_hash}


def linkage_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of a ``linkage.json`` document as read from the file (canonical JSON):
    ``evaluation.json`` records it so ``report`` can tell an evaluation of other links,
    e.g. of a linkage of extracts that changed since, at the same threshold."""
    import hashlib
    import json

    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def linkage_pairs(document: Mapping[str, Any] | None) -> list[LinkagePair]:
    """The pairs of a ``linkage.json`` document (read from a file, or a run's summary),
    typed: a reader that names a key the schema lacks is a type error. Empty for None."""
    return cast("list[LinkagePair]", list((document or {}).get("pairs", [])))


def evaluation_pairs(document: Mapping[str, Any] | None) -> list[EvaluationPair]:
    """The pairs of an ``evaluation.json`` document, typed (empty for None)."""
    return cast("list[EvaluationPair]", list((document or {}).get("pairs", [])))


def profile_sources(document: Mapping[str, Any] | None) -> dict[str, ProfileSource]:
    """The sources of a ``profile.json`` document, typed (empty for None)."""
    return cast("dict[str, ProfileSource]", dict((document or {}).get("sources", {})))


def tool_version(document: dict[str, Any]) -> str:
    """The version that wrote ``document``, from this header or a 1.0 one."""
    if isinstance(document.get("tool_version"), str):
        return str(document["tool_version"])
    tool = document.get("tool")
    if isinstance(tool, dict) and "version" in tool:
        return str(tool["version"])
    return "?"
