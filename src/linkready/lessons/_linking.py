"""Linkage variants the ``link`` API does not expose, built from the link package's own
pieces: the pair pipeline on altered records, deterministic rules of the lesson's
choosing, and a Splink model with other blocking rules or comparisons.

Every variant is evaluated with :func:`linkready.link.evaluate.evaluate_pair`, so the
lessons and ``linkready evaluate`` count matches the same way (GUILD, per left record).
Models are :class:`linkready.link.model.ModelSpec` values trained by
:func:`linkready.link.training.train_model`, the same code ``link`` trains with; nothing
here touches Splink's internals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from linkready.lessons._model import THRESHOLD
from linkready.link.model import ModelSpec, standard

if TYPE_CHECKING:
    import pandas as pd

    from linkready.lessons._context import LinkedWorld

LINK_COLUMNS = ("source_l", "record_id_l", "source_r", "record_id_r", "match_probability",
                "deterministic_rule", "stage", "linked")


def rule_links(pairs: pd.DataFrame, left: str, right: str, rule: str = "rule") -> pd.DataFrame:
    """Pairs (record_id_l, record_id_r) found by a deterministic rule, as link rows."""
    import pandas as pd

    pairs = pairs[["record_id_l", "record_id_r"]].drop_duplicates().reset_index(drop=True)
    return pd.DataFrame({
        "source_l": left, "record_id_l": pairs["record_id_l"].astype(str),
        "source_r": right, "record_id_r": pairs["record_id_r"].astype(str),
        "match_probability": pd.Series([None] * len(pairs), dtype="float64"),
        "deterministic_rule": rule, "stage": "deterministic", "linked": True,
    })[list(LINK_COLUMNS)]


def scored_links(scored: pd.DataFrame, left: str, right: str,
                 threshold: float = THRESHOLD) -> pd.DataFrame:
    """Scored pairs (record_id_l, record_id_r, match_probability) as link rows."""
    import pandas as pd

    scored = scored.reset_index(drop=True)
    return pd.DataFrame({
        "source_l": left, "record_id_l": scored["record_id_l"].astype(str),
        "source_r": right, "record_id_r": scored["record_id_r"].astype(str),
        "match_probability": scored["match_probability"].astype("float64"),
        "deterministic_rule": pd.Series([None] * len(scored), dtype="object"),
        "stage": "probabilistic", "linked": scored["match_probability"] >= threshold,
    })[list(LINK_COLUMNS)]


def join_rule(left_frame: pd.DataFrame, right_frame: pd.DataFrame,
              keys: list[str]) -> pd.DataFrame:
    """Exact join on ``keys`` (NULLs never join): record_id_l, record_id_r."""
    lf = left_frame.dropna(subset=keys)[["record_id", *keys]]
    rf = right_frame.dropna(subset=keys)[["record_id", *keys]]
    joined = lf.merge(rf, on=keys, suffixes=("_l", "_r"))
    return joined[["record_id_l", "record_id_r"]]


def relink(records: pd.DataFrame, left: str, right: str,
           threshold: float = THRESHOLD) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the link package's pair pipeline (deterministic + Splink) on altered canonical
    records; return (links, pair summary)."""
    import duckdb

    from linkready import publish
    from linkready.link.pair import link_pair
    from linkready.link.settings import TrainingConfig
    from linkready.link.workspace import source_stats

    con = duckdb.connect()
    try:
        con.execute("ATTACH ':memory:' AS ws")
        con.register("__lesson_records", records)
        con.execute("CREATE TABLE ws.records AS SELECT * REPLACE (CAST(dob AS DATE) AS dob) "
                    "FROM __lesson_records")
        con.unregister("__lesson_records")
        stats = source_stats(con)
        result = link_pair(con, stats[left], stats[right], threshold, TrainingConfig())
    finally:
        con.close()
    return result.links.to_pandas(), publish.controlled(result.summary)


def standard_spec(fields: set[str], blocking: list[str] | None = None) -> ModelSpec:
    """The link package's model for ``fields``, optionally with other blocking rules."""
    return standard(fields, blocking=blocking)


def score(frames: dict[str, pd.DataFrame], left: str, right: str, spec: ModelSpec,
          ) -> tuple[pd.DataFrame, int]:
    """Train ``spec`` on two frames (record_id + model columns) and score every blocked
    pair. Returns (record_id_l, record_id_r, match_probability) and the number of pairs
    blocking generated."""
    import duckdb
    import pandas as pd
    from splink import DuckDBAPI

    from linkready.link import estimates, predict
    from linkready.link.settings import TrainingConfig
    from linkready.link.training import model_prior, spec_linker, train_model

    cfg = TrainingConfig()
    con = duckdb.connect()
    try:
        tables: dict[str, str] = {}
        for i, name in enumerate((left, right)):
            view, table = f"__frame_{i}", f"t_{i}"
            con.register(view, frames[name])
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {view}")
            if "dob" in frames[name].columns and pd.api.types.is_datetime64_any_dtype(
                    frames[name]["dob"]):
                con.execute(f"ALTER TABLE {table} ALTER dob TYPE DATE")
            tables[name] = table
        linker = spec_linker(DuckDBAPI(connection=con), tables[left], tables[right], spec)
        train_model(linker, spec, cfg)
        table = predict.predict_pairs(linker, cfg.min_match_weight)
    finally:
        con.close()
    log2_bf = table.column("log2_bf").to_numpy()
    n_left, n_right = len(frames[left]), len(frames[right])
    prior = estimates.refine_prior(log2_bf, n_left * n_right, model_prior(linker))
    out = pd.DataFrame({
        "record_id_l": table.column("record_id_l").to_pandas().astype(str),
        "record_id_r": table.column("record_id_r").to_pandas().astype(str),
        "match_probability": estimates.probabilities(log2_bf, prior),
    })
    return out, len(out)


def model_frames(records: pd.DataFrame, sources: tuple[str, str]) -> dict[str, pd.DataFrame]:
    """record_id and the model fields of each source, from canonical records."""
    from linkready.link.settings import MODEL_FIELDS

    return {s: records.loc[records["source"] == s, ["record_id", *MODEL_FIELDS]]
            .reset_index(drop=True) for s in sources}


def outcomes(world: LinkedWorld, links: pd.DataFrame, left: str, right: str, stage: str,
             threshold: float = THRESHOLD) -> pd.DataFrame:
    """Per left record: record_id, person_id, true_match, linked, correct (GUILD)."""
    from linkready.link.evaluate import left_outcomes, stage_links

    truth = world.truth
    lt, rt = truth[truth["source"] == left], truth[truth["source"] == right]
    pair = links[(links["source_l"] == left) & (links["source_r"] == right)]
    return left_outcomes(lt, rt["person_id"].drop_duplicates(), rt,
                         stage_links(pair, stage, threshold))


def standard_links(world: LinkedWorld) -> pd.DataFrame:
    """The world's own ``link`` output for its linked pairs, as a DataFrame (links the
    run may add between other sources are left out)."""
    assert world.run is not None
    links = world.run.links.to_pandas()
    pairs = {(p["left"], p["right"]) for p in world.run.summary["pairs"]}
    keep = [(left, right) in pairs for left, right in zip(links["source_l"], links["source_r"],
                                                          strict=True)]
    return links[keep].reset_index(drop=True)
