"""Find and read the JSON outputs a report is built from. The only I/O of the model side."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkready.documents import (
    EvaluationPair,
    LinkagePair,
    ProfileSource,
    evaluation_pairs,
    linkage_digest,
    linkage_pairs,
    profile_sources,
)
from linkready.errors import InputError

#: The documents a report reads, in pipeline order; each is optional on its own.
DOCUMENTS: tuple[str, ...] = ("profile", "validation", "linkage", "evaluation", "sweep",
                              "review_estimates")
#: Schema major versions this report understands, per document.
SUPPORTED_MAJOR = "1"


@dataclass(frozen=True)
class ReportInputs:
    """The JSON documents a report is built from (``None`` where not found)."""

    profile: dict[str, Any] | None = None
    validation: dict[str, Any] | None = None
    linkage: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    sweep: dict[str, Any] | None = None
    #: ``review_estimates.json`` written by ``review score`` (aggregates only).
    review_estimates: dict[str, Any] | None = None
    #: ``whatif/whatif.json`` written by ``whatif`` into the results folder.
    whatif: dict[str, Any] | None = None
    #: ``manifest.json`` written by ``generate`` beside the project (synthetic data only).
    manifest: dict[str, Any] | None = None
    #: Where each document was read from, for the provenance section.
    paths: tuple[tuple[str, str], ...] = ()

    @property
    def profile_sources(self) -> dict[str, ProfileSource]:
        """``profile.json``'s sources, typed (:class:`~linkready.documents.ProfileSource`);
        empty without it."""
        return profile_sources(self.profile)

    @property
    def link_pairs(self) -> list[LinkagePair]:
        """``linkage.json``'s pairs, typed (:class:`~linkready.documents.LinkagePair`);
        empty without it."""
        return linkage_pairs(self.linkage)

    @property
    def eval_pairs(self) -> list[EvaluationPair]:
        """``evaluation.json``'s pairs, typed; empty without it."""
        return evaluation_pairs(self.evaluation)

    def found(self) -> list[str]:
        """The names of the documents present."""
        return [d for d in DOCUMENTS if getattr(self, d) is not None]


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc}); re-run the stage that wrote it") \
            from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: is not valid JSON (line {exc.lineno}); re-run the stage "
                         "that wrote it") from None
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object; re-run the stage that wrote it")
    version = str(doc.get("schema_version", ""))
    if version.split(".")[0] != SUPPORTED_MAJOR:
        raise InputError(f"{path}: schema_version `{version or 'missing'}` is not supported "
                         f"(this report reads {SUPPORTED_MAJOR}.x); re-run the stage with "
                         "this version of linkready")
    return doc


def locate(out: Path, name: str) -> Path | None:
    """``out/<name>.json`` if it is there (every command writes into one folder)."""
    candidate = out / f"{name}.json"
    return candidate if candidate.is_file() else None


def read_outputs(out: Path, project_dir: Path | None = None) -> ReportInputs:
    """Read every JSON output found in ``out``; raise InputError if there is none.

    ``project_dir`` is searched for ``manifest.json`` (written by ``generate``).
    """
    docs: dict[str, Any] = {}
    paths: list[tuple[str, str]] = []
    for name in DOCUMENTS:
        path = locate(out, name)
        if path is not None:
            docs[name] = _read(path)
            paths.append((name, str(path)))
    if not docs or not ({"profile", "linkage"} & docs.keys()):
        raise InputError(f"{out}: no profile.json or linkage.json to build a report from; "
                         "run `linkready assess PROJECT.yaml --out DIR` first")
    if "linkage" in docs and "evaluation" in docs:
        _same_links(docs["linkage"], docs["evaluation"], out / "evaluation.json",
                    "run `linkready evaluate PROJECT.yaml` again, or `linkready assess`")
    if "linkage" in docs and "review_estimates" in docs:
        _same_links(docs["linkage"], docs["review_estimates"], out / "review_estimates.json",
                    "link at the review's threshold again, or draw and label a new sample "
                    "(`linkready review sample`), or remove the file")
    for whatif in (out / "whatif" / "whatif.json", out / "whatif.json"):
        if whatif.is_file():
            docs["whatif"] = _read(whatif)
            paths.append(("whatif", str(whatif)))
            break
    if project_dir is not None and (project_dir / "manifest.json").is_file():
        try:
            docs["manifest"] = json.loads((project_dir / "manifest.json").read_text("utf-8"))
            paths.append(("manifest", str(project_dir / "manifest.json")))
        except (OSError, ValueError):
            pass  # the manifest only adds provenance; a report is still complete without it
    return ReportInputs(**docs, paths=tuple(paths))


def _same_links(linkage: dict[str, Any], doc: dict[str, Any], path: Path, fix: str) -> None:
    """Refuse a document measured on other links than linkage.json's (``evaluation.json``
    or ``review_estimates.json``): `link` run again (another threshold, fewer pairs)
    replaces linkage.json but not the documents measured on the links it replaced."""
    linked = {(p.get("left"), p.get("right")) for p in linkage.get("pairs", [])}
    threshold = linkage.get("threshold")
    why = ""
    for p in doc.get("pairs", []):
        at = p.get("threshold", doc.get("threshold"))
        if at != threshold:
            why = (f"measures links at threshold {at}, linkage.json holds links at "
                   f"{threshold}")
        elif (p.get("left"), p.get("right")) not in linked:
            why = (f"measures the pair {p.get('left')} → {p.get('right')}, which "
                   "linkage.json does not hold")
        if why:
            raise InputError(f"{path}: {why} (link was run again since); {fix}")
    recorded = doc.get("linkage_sha256")
    if recorded is not None and recorded != linkage_digest(linkage):
        raise InputError(f"{path}: measures other links than linkage.json holds (link was "
                         f"run again since, e.g. on changed extracts); {fix}")
