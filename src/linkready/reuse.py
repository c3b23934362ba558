"""When ``assess`` may keep the linkage a ``link`` run just wrote.

A linkage depends on the canonical records in the workspace, the project file, the link
settings and the tools that computed it. :func:`linkage_key` is a SHA-256 over all of
them: the project file's bytes (``config_hash``), the threshold, the pairs to link,
the seed and every other training setting, the reference date, a digest of each
workspace table the link reads, over the rows of the sources it links (every column of
every record, in order within its source: a changed, added, removed or moved value
changes it, a source the link does not read does not; the sources table without its
file path and ingest time), the linkready version and a SHA-256 of its source files,
the versions of Splink, DuckDB and the libraries beneath them, Python's, the machine's
core count and DuckDB's memory limit (the memory guard reads them), and any
``LR_``/``LINKREADY_`` environment setting. ``link`` records it in ``linkage.json`` as
``inputs_sha256``; :func:`previous_linkage` returns the link outputs already in the
results folder only when that key matches and every file the linkage wrote is there.
On the Spark backend no key is made (nothing is kept).

A kept linkage is published byte for byte (linkage.json, model.json, models/,
links.parquet, clusters.parquet, linkage-exact.json); :class:`KeptLinkage` holds it in
memory for the evaluation and the report. ``linkage.json`` holds its figures under
disclosure control, so a kept linkage's pairs carry published figures only.

``linkage-exact.json`` (:data:`EXACT_FILE`) holds each pair's exact figures (counts of
1–7 as counted; no record, name, NHS number, date or record id) with the same key.
``link`` writes it beside links.parquet, never with ``--aggregates-only``, and ``clean``
removes it with the record-level files: it is not for sharing. ``whatif`` reads it
(:func:`previous_baseline`) to keep the baseline linkage of the pairs it changes instead
of linking them again, when the key of the records it reads and of its settings matches.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkready._digests import KEY_FIELD, code_digest, package_version, parts_key
from linkready._version import __version__
from linkready.link.outputs import EXACT_FILE as EXACT_FILE
from linkready.link.pair import PairResult
from linkready.link.run import LinkageRun, model_filename
from linkready.project import Project
from linkready.sql import ident, in_list, lit

if TYPE_CHECKING:
    import duckdb

    from linkready.link.settings import TrainingConfig

#: Tools whose version may change a linkage (besides linkready itself).
PACKAGES = ("splink", "duckdb", "pyarrow", "numpy", "pandas", "scipy", "sqlglot")
#: Workspace tables the key covers, and columns left out (where the records came from
#: and when they were read, not what they are).
TABLES = ("records", "sources", "standardisation_log")
SKIP_COLUMNS = {"sources": {"path", "ingested_at", "fingerprint"}}
#: The files a kept linkage is made of (models/ holds one file per pair, listed in
#: linkage.json's ``models``).
LINK_FILES = ("linkage.json", "model.json", "links.parquet", "clusters.parquet",
              "linkage-exact.json")


def _table_digest(con: duckdb.DuckDBPyConnection, table: str,
                  sources: list[str], catalog: str | None = None) -> list[Any]:
    """Row count and an order-sensitive digest of the rows of ``sources`` in ``table``
    (absent: None); in the database attached as ``catalog`` if given."""
    where = "" if catalog is None else f" WHERE table_catalog = {lit(catalog)}"
    present = {r[0] for r in con.execute(
        f"SELECT table_name FROM information_schema.tables{where}").fetchall()}
    if table not in present:
        return [table, None]
    name = ident(table) if catalog is None else f"{ident(catalog)}.{ident(table)}"
    skip = SKIP_COLUMNS.get(table, set())
    cols = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()
            if r[0] not in skip]
    # hash(place within its source, every column): a value moved to another record
    # changes it too, and what other sources the workspace holds does not. Ingest
    # writes each source's rows together, so the place is the row id less the source's
    # first (no sort needed).
    place = "rowid - min(rowid) OVER (PARTITION BY source)"
    row_hash = f"hash({place}, {', '.join(ident(c) for c in cols)})"
    n, total = con.execute(
        f"SELECT count(*), sum(h::HUGEINT)::VARCHAR FROM (SELECT {row_hash} AS h "
        f"FROM {name} WHERE source IN {in_list(sources)})"
    ).fetchone() or (0, None)
    return [table, cols, int(n), total]


def linkage_key(project: Project, con: duckdb.DuckDBPyConnection, *,
                pairs: list[tuple[str, str]] | None, threshold: float,
                config: TrainingConfig, backend: str,
                catalog: str | None = None) -> str | None:
    """The SHA-256 of everything a linkage of ``project``'s workspace (open on ``con``,
    or attached to it as ``catalog``) with these settings depends on; None on a backend
    whose linkage is never kept."""
    if backend != "duckdb":
        return None
    memory = con.execute("SELECT current_setting('memory_limit')").fetchone()
    linked = list(dict.fromkeys(pairs or project.link_pairs))
    sources = sorted({s for pair in linked for s in pair})
    parts = {
        "config_hash": project.config_hash(), "project": project.name,
        "threshold": threshold, "backend": backend,
        "pairs": [list(p) for p in linked],
        "training": asdict(config), "reference": str(project.reference()),
        "tables": [_table_digest(con, t, sources, catalog) for t in TABLES],
        "versions": [__version__, code_digest(), platform.python_version(),
                     *(f"{p}={package_version(p)}" for p in PACKAGES)],
        "machine": [os.cpu_count(), memory[0] if memory else None],
        "environment": sorted((k, v) for k, v in os.environ.items()
                              if k.startswith(("LR_", "LINKREADY_"))),
    }
    return parts_key(parts)


def workspace_key(project: Project, workspace: Path, **settings: Any) -> str | None:
    """:func:`linkage_key` of the workspace file at ``workspace``."""
    from linkready.ingest import open_workspace

    con = open_workspace(workspace)
    try:
        return linkage_key(project, con, **settings)
    finally:
        con.close()


def previous_linkage(folder: Path, key: str | None) -> dict[str, Any] | None:
    """``linkage.json`` from ``folder`` if it was computed from inputs and settings with
    this ``key`` and every file of that linkage is still there; else None (no key, no
    linkage, an older file without a key, unreadable, stale or incomplete, e.g. written
    with ``--aggregates-only``, or made with ``--no-estimates``: assess needs them, and
    the setting is in the key as well)."""
    from linkready.link.skipped import skipped

    if key is None:
        return None
    try:
        doc = json.loads((folder / "linkage.json").read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get(KEY_FIELD) != key or skipped(doc):
            return None
        files = [*LINK_FILES, *doc["models"].values()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all((folder / name).is_file() for name in files):
        return None
    return doc


def publish_kept(folder: Path, doc: dict[str, Any], stage: Path) -> list[Path]:
    """Put the kept linkage's files into ``stage`` unchanged (a hard link where the
    file system allows, else a copy); return the staged paths."""
    import shutil

    written = []
    for name in [*LINK_FILES, *doc["models"].values()]:
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(folder / name, target)
        except OSError:
            shutil.copy2(folder / name, target)
        written.append(target)
    return written


@dataclass
class KeptLinkage(LinkageRun):
    """A linkage read back from its published files: ``summary`` is linkage.json (without
    ``models``), ``links`` links.parquet, ``clusters`` clusters.parquet; each pair's
    ``summary`` is its block of linkage.json (published figures, not exact ones)."""

    table: Any = None  # links.parquet as an Arrow table

    @property
    def links(self) -> Any:
        """Everything in links.parquet, as written."""
        return self.table


def read_kept(folder: Path, doc: dict[str, Any]) -> KeptLinkage:
    """The linkage in ``folder`` (whose linkage.json is ``doc``), in memory."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    links = pq.read_table(folder / "links.parquet")
    pairs = []
    for block in doc.get("pairs", []):
        left, right = block["left"], block["right"]
        model = json.loads((folder / "models" / model_filename(left, right))
                           .read_text(encoding="utf-8"))
        mine = pc.and_(pc.equal(links.column("source_l"), left),
                       pc.equal(links.column("source_r"), right))
        pairs.append(PairResult(left, right, links.filter(mine), dict(block), model))
    summary = {k: v for k, v in doc.items() if k != "models"}
    return KeptLinkage(summary, pairs, clusters=pq.read_table(folder / "clusters.parquet"),
                       table=links)


def linked_pairs(project: Project, pairs: list[tuple[str, str]] | None) -> list[list[str]]:
    """The pairs a link with ``pairs`` (None: the project's) links, as the key holds them."""
    return [list(p) for p in dict.fromkeys(pairs or project.link_pairs)]


def exact_document(key: str | None, pairs: list[list[str]],
                   results: list[PairResult]) -> dict[str, Any]:
    """``linkage-exact.json``: the key of the linkage, the pairs it linked (its
    ``pairs`` setting) and each pair's exact summary (:mod:`linkready.exact_store`)."""
    from linkready import exact_store

    return {"note": "exact figures of linkage.json, for linkready whatif on this machine; "
                    "not under disclosure control: never share",
            KEY_FIELD: key, "pairs_linked": pairs,
            "pairs": [{"left": r.left, "right": r.right,
                       "summary": exact_store.dump(r.summary)} for r in results]}


def write_exact(path: Path, doc: dict[str, Any]) -> Path:
    """Write ``doc`` (:func:`exact_document`) compactly, floats as Python prints them."""
    from linkready.outdir import write_text

    return write_text(path, json.dumps(doc, separators=(",", ":"), allow_nan=True))


def previous_baseline(folder: Path, project: Project, workspace: Path, *,
                      pairs: list[tuple[str, str]], threshold: float,
                      config: TrainingConfig) -> dict[tuple[str, str], PairResult] | None:
    """The linkage of ``pairs`` that ``link`` (or ``assess``) left in ``folder``, exact
    figures and links, when it was computed from the records of ``workspace``, this
    project file, ``threshold``, ``config`` and the same versions: the key of
    ``linkage-exact.json`` equals linkage.json's and the key computed now (with the pairs
    that run linked), every pair asked for was linked, and the link files are there.
    Else None (nothing kept; the caller links again)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from linkready import exact_store

    try:
        doc = json.loads((folder / EXACT_FILE).read_text(encoding="utf-8"))
        key, linked = doc[KEY_FIELD], [tuple(p) for p in doc["pairs_linked"]]
        blocks = {(b["left"], b["right"]): b["summary"] for b in doc["pairs"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(key, str) or not all(p in blocks for p in pairs):
        return None
    now = workspace_key(project, workspace, pairs=linked, threshold=threshold,
                        config=config, backend="duckdb")
    if now != key or previous_linkage(folder, key) is None:
        return None
    try:
        links = pq.read_table(folder / "links.parquet")
        kept = {}
        for left, right in pairs:
            mine = pc.and_(pc.equal(links.column("source_l"), left),
                           pc.equal(links.column("source_r"), right))
            kept[(left, right)] = PairResult(left, right, links.filter(mine),
                                             exact_store.load(blocks[(left, right)]))
    except (OSError, ValueError):
        return None
    return kept


# --- evaluation ---------------------------------------------------------------------------

#: Tools whose version may change an evaluation (besides linkready itself).
EVALUATION_PACKAGES = ("pandas", "numpy", "pyarrow", "duckdb")


def _file_digest(path: Path | None) -> str | None:
    """SHA-256 of the file's bytes (None when there is no such file), read in full each
    time on purpose: not cached, and not skipped when the size and modification time
    are unchanged. The key exists to notice a links, truth or population file rewritten
    in place, which can keep its size and (copied with its times, or within the file
    system's time resolution) its modification time; a cache keyed on either would
    keep a stale evaluation. Each file is read once per key, so a cache would save
    nothing within a run."""
    if path is None or not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def evaluation_key(project: Project, folder: Path) -> str | None:
    """The SHA-256 of everything an evaluation of the links in ``folder`` depends on: the
    linkage.json (its digest, which holds the linkage's own key) and links.parquet
    evaluated (their bytes), the truth and population files (their bytes), whether the
    project is synthetic (exact or controlled figures), the project file, and the
    linkready, pandas, NumPy, PyArrow and DuckDB versions. None when there is no
    links.parquet (``--aggregates-only``) or no truth file."""
    from linkready.documents import linkage_digest
    from linkready.synthetic import is_synthetic

    truth = project.truth_path()
    links = folder / "links.parquet"
    if truth is None or not truth.is_file() or not links.is_file():
        return None
    try:
        linkage = linkage_digest(json.loads((folder / "linkage.json")
                                            .read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
    population = (project.root / project.population).resolve() if project.population \
        else None
    parts = {
        "config_hash": project.config_hash(), "project": project.name,
        "linkage_sha256": linkage, "links": _file_digest(links),
        "truth": _file_digest(truth), "population": _file_digest(population),
        "synthetic": is_synthetic(project),
        "versions": [__version__, code_digest(), platform.python_version(),
                     *(f"{p}={package_version(p)}" for p in EVALUATION_PACKAGES)],
    }
    return parts_key(parts)


def previous_evaluation(folder: Path, key: str | None) -> dict[str, Any] | None:
    """``evaluation.json`` from ``folder`` if it was computed from inputs with this
    ``key``; else None."""
    if key is None:
        return None
    try:
        doc = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get(KEY_FIELD) == key else None
