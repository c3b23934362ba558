"""Blocking recall without truth: score a seeded sample of left records against every
right record that a deliberately loose blocking brings together, with the trained model,
and keep the pairs the production rules never compared.

The model is the one trained for the pair (its JSON, with the diagnostic rules in place
of the production rules); nothing is retrained.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from linkready.link import field_recall, missingness, predict, prefilter
from linkready.link.settings import diagnostic_rules, on_pairs
from linkready.link.training import new_linker, quiet_splink
from linkready.link.workspace import source_select_sql

#: Left records sampled for the diagnostic blocking (all of them in smaller sources).
DIAGNOSTIC_SAMPLE = 2000
DIAG_TABLE = "__lr_diag"
#: Up to this many pairs, the sample is scored against every right record (no blocking
#: at all); above it, against the loose diagnostic rules.
ALL_PAIRS_MAX = 500_000
#: About this many diagnostic pairs are scored at most. The loose rules bring each
#: sampled record a number of candidates that grows with the right source (about 1,500
#: per record against a 215k-record GP register), so above it fewer left records are
#: sampled (the first of the same seeded order), never fewer than
#: :data:`MIN_SAMPLE`: the cost then follows the sample, not the sources, and the
#: bootstrap interval widens with the smaller sample.
PAIRS_BUDGET = 1_000_000
MIN_SAMPLE = 300


@dataclass(frozen=True)
class Diagnostic:
    """The sampled left records and the scored diagnostic pairs outside production."""

    sample_ids: Any  # numpy array of record ids
    pairs: Any  # pyarrow.Table: record_id_l, record_id_r, log2_bf, gamma_*
    rules: list[str]
    #: Diagnostic pairs scored (in and out of production), for cost reporting.
    scored: int
    #: Records the sample was drawn for: the configured size, or fewer when the loose
    #: rules would bring more than :data:`PAIRS_BUDGET` pairs (see :func:`sample_size`).
    size: int = DIAGNOSTIC_SAMPLE
    #: The one-field atoms of the offered rules, flagged ``atom_<k>`` on each pair (see
    #: :mod:`linkready.link.field_recall`); ``lblank_<field>``, ``rblank_<field>`` and,
    #: under loose rules, ``diag_<j>`` (diagnostic rule j brings the pair together) are
    #: flagged too.
    atoms: tuple[str, ...] = ()


def sample_sql(source: str, size: int, seed: int, postcode_text: bool = False) -> str:
    """A seeded sample of ``size`` records of ``source`` (the same for the same seed)."""
    return (f"SELECT * FROM ({source_select_sql(source, postcode_text)}) "
            f"ORDER BY md5(record_id || '-{int(seed)}'), record_id LIMIT {int(size)}")


def run(backend: Any, source: str, right_table: str, model: dict[str, Any],
        fields: set[str], rules: list[str], *, seed: int, min_match_weight: float,
        left_records: int, right_records: int, size: int = DIAGNOSTIC_SAMPLE,
        postcode_text: bool = False) -> Diagnostic:
    """Score the sample's diagnostic pairs, each flagged (``rule_<i>``) with whether
    blocking rule ``rules[i]`` brings it together, and (``possible_<i>``) whether its
    blank fields let that rule compare it at all."""

    diag_rules = (["1 = 1"] if min(size, left_records) * right_records <= ALL_PAIRS_MAX
                  else diagnostic_rules(fields))
    backend.stage(DIAG_TABLE, sample_sql(source, size, seed, postcode_text))
    try:
        if diag_rules != ["1 = 1"]:
            fewer = sample_size(backend, DIAG_TABLE, right_table, diag_rules, size)
            if fewer < size:
                size = fewer
                backend.stage(DIAG_TABLE, sample_sql(source, size, seed, postcode_text))
        ids = backend.to_arrow(f"SELECT record_id FROM {DIAG_TABLE} ORDER BY record_id")
        sample_ids = np.asarray(ids.column("record_id").to_numpy(zero_copy_only=False))
        settings = {**model, "retain_matching_columns": True,
                    "blocking_rules_to_generate_predictions": [
                        {"blocking_rule": r, "sql_dialect": backend.dialect}
                        for r in diag_rules]}
        db_api = backend.db_api()
        inputs = [db_api.register(DIAG_TABLE, dataset_display_name="left"),
                  db_api.register(right_table, dataset_display_name="right")]
        with quiet_splink():  # validation only logs warnings, silenced here
            linker = new_linker(inputs, settings, validate_settings=False)
        # Only candidates that can reach min_match_weight are scored (same pairs kept).
        prefilter.register(linker, db_api, DIAG_TABLE, right_table, diag_rules,
                           min_match_weight)
        atoms = field_recall.field_atoms(rules)
        scored = predict.predict_pairs(linker, min_match_weight, flags={
            **{flag(i): on_pairs(r) for i, r in enumerate(rules)},
            **{possible_flag(i): on_pairs(missingness.requirement(r).sql())
               for i, r in enumerate(rules)},
            **{f"atom_{k}": on_pairs(a) for k, a in enumerate(atoms)},
            **{f"{side}blank_{f}": f"{f}_{side} IS NULL"
               for f in missingness.fields_of(rules) for side in ("l", "r")},
            **({f"diag_{j}": on_pairs(r) for j, r in enumerate(diag_rules)}
               if diag_rules != ["1 = 1"] else {})})
        prefilter.drop(db_api)
        db_api.delete_tables_created_by_splink_from_db()
    finally:
        backend.drop(DIAG_TABLE)
    return Diagnostic(sample_ids, scored, diag_rules, scored.num_rows, size, tuple(atoms))


def sample_size(backend: Any, sample_table: str, right_table: str, rules: list[str],
                size: int, budget: int = PAIRS_BUDGET, least: int = MIN_SAMPLE) -> int:
    """The sample size that keeps the diagnostic pairs within about ``budget``: ``size``
    if the rules' pairs for the staged sample of ``size`` records (counted per rule, an
    overlap counted twice) are within it, else proportionally fewer, at least
    ``least``."""
    counts = " UNION ALL ".join(
        f"SELECT count(*) AS n FROM {sample_table} AS l JOIN {right_table} AS r ON ({rule})"
        for rule in rules)
    pairs = int(backend.to_arrow(f"SELECT sum(n) AS n FROM ({counts})").column("n")[0]
                .as_py() or 0)
    if pairs <= budget:
        return size
    return min(size, max(least, size * budget // pairs))


def flag(i: int) -> str:
    """The column flagging pairs that blocking rule ``i`` brings together."""
    return f"rule_{i}"


def possible_flag(i: int) -> str:
    """The column flagging pairs whose blank fields let blocking rule ``i`` compare them."""
    return f"possible_{i}"


def flags(diag: Diagnostic, indices: list[int], name: Any = flag) -> np.ndarray:
    """Pairs brought together by any of the rules ``indices`` (boolean per pair); with
    ``name`` :func:`possible_flag`, pairs any of them could compare given blank fields."""
    out = np.zeros(diag.pairs.num_rows, dtype=bool)
    for i in indices:
        out |= np.asarray(diag.pairs.column(name(i)).to_numpy(zero_copy_only=False),
                          dtype=bool)
    return out


def outside(diag: Diagnostic, indices: list[int], possible_only: bool = False) -> Any:
    """The diagnostic pairs none of the rules ``indices`` brings together (Arrow); with
    ``possible_only``, only those that one of them could have compared given their blank
    fields (the others are matches lost to blank fields, estimated apart:
    :mod:`linkready.link.missingness`)."""
    import pyarrow as pa

    keep = ~flags(diag, indices)
    if possible_only:
        keep &= flags(diag, indices, possible_flag)
    return diag.pairs.filter(pa.array(keep))


def choose(diag: Diagnostic, q: np.ndarray, base: list[int], candidates: list[int],
           cumulative: dict[int, int] | predict.Cumulative, budget: float,
           min_gain: float) -> list[int]:
    """Candidate rules to add, in order: each must raise the sample's expected matches
    found (Σ over sampled left records of the best q among compared pairs) by at least
    ``min_gain`` records, with the comparisons up to it (``cumulative``, counted with
    every earlier candidate) within ``budget``."""
    import pandas as pd

    left = np.asarray(diag.pairs.column("record_id_l").to_numpy(zero_copy_only=False))
    codes, _ = pd.factorize(left)
    n = int(codes.max()) + 1 if len(codes) else 0
    best = np.zeros(n)
    covered = flags(diag, base)
    np.maximum.at(best, codes[covered], q[covered])
    chosen: list[int] = []
    for i in candidates:
        hit = flags(diag, [i])
        new = best.copy()
        np.maximum.at(new, codes[hit], q[hit])
        if float((new - best).sum()) < min_gain:
            continue
        # The budget is tested only for a rule that gains: cumulative counts never fall
        # from one rule to the next, so the first rule over the budget starts a run of
        # rules over it, and testing it first would choose the same rules, but count
        # the comparisons of rules that gain nothing (a join of both sources each).
        if cumulative.get(i, 0) > budget:
            break
        chosen.append(i)
        best = new
    return chosen


# --- a model-free check: decoys --------------------------------------------------------

DECOY_TABLE = "__lr_decoy"
DECOY_FULL = "__lr_decoy_donors"


@dataclass(frozen=True)
class Decoys:
    """The best Bayes factor (log2) each decoy reaches against right."""

    best_log2_bf: Any  # numpy array, one per decoy; -inf where no pair was scored
    scored: int
    rules: list[str]


def _seeded_right(right_table: str, seed: int) -> str:
    return (f"SELECT *, row_number() OVER (ORDER BY md5(concat(record_id, "
            f"'-decoy-{int(seed)}')), record_id) AS k FROM {right_table}")


def decoy_sql(right_table: str, columns: list[str], size: int, seed: int) -> str:
    """Decoys that are right records: the first ``size`` of a seeded order, each kept
    whole (a real person, with the relatives, namesakes and name–ethnicity and
    name–birth-year ties real people have in right). Its own record id is kept as
    ``donor_0``: scored against right without that record (:func:`best_per_decoy`), a
    decoy is a record with no match there (bar duplicates within right)."""
    cols = [c for c in columns if c != "record_id"]
    pick = ", ".join(f"r.{c}" for c in cols)
    return (f"WITH r AS ({_seeded_right(right_table, seed)}) SELECT concat('decoy-', r.k) "
            f"AS record_id, {pick}, r.record_id AS donor_0 FROM r WHERE r.k <= {int(size)}")


def blanked_decoy_sql(right_table: str, blank_table: str, columns: list[str],
                      blanks: np.ndarray, seed: int) -> str:
    """:func:`decoy_sql`'s decoys (one per entry of ``blanks``, at most one per right
    record), each with a field blank wherever the left record ``blanks[k]`` of
    ``blank_table`` has it blank: the decoys then miss fields as left records do (a
    field left never holds adds no evidence to a real left record, and must add none
    to a decoy)."""
    from linkready.sql import lit

    cols = [c for c in columns if c != "record_id"]
    rows = ", ".join(f"({k + 1}, {lit(str(b))})" for k, b in enumerate(blanks))
    pick = ", ".join(f"CASE WHEN b.{c} IS NULL THEN NULL ELSE r.{c} END AS {c}"
                     for c in cols)
    return (f"WITH r AS ({_seeded_right(right_table, seed)}) SELECT concat('decoy-', r.k) "
            f"AS record_id, {pick}, r.record_id AS donor_0 FROM (VALUES {rows}) AS d(k, b) "
            f"JOIN r ON r.k = d.k JOIN {blank_table} b ON b.record_id = d.b")


def tf_columns(model: dict[str, Any]) -> list[str]:
    """The columns the model adjusts by term frequency."""
    return sorted({str(level["tf_adjustment_column"])
                   for comp in model.get("comparisons", [])
                   for level in comp.get("comparison_levels", [])
                   if level.get("tf_adjustment_column")})


def tf_sql(tables: list[str], col: str) -> str:
    """Term frequencies of ``col`` over ``tables`` together, as Splink computes them
    (``tf_<col>``: a value's share of the non-blank values)."""
    union = " UNION ALL ".join(f"SELECT {col} FROM {t}" for t in tables)
    return (f"SELECT {col}, cast(count(*) AS DOUBLE) / (SELECT count({col}) FROM "
            f"({union})) AS tf_{col} FROM ({union}) WHERE {col} IS NOT NULL GROUP BY {col}")


def run_decoys(backend: Any, right_table: str, model: dict[str, Any], rules: list[str],
               *, seed: int, min_match_weight: float, right_records: int,
               size: int = DIAGNOSTIC_SAMPLE, donor_table: str | None = None,
               donors: np.ndarray | None = None) -> Decoys:
    """Score ``size`` decoys (right records, :func:`decoy_sql`) against right under
    ``rules`` (or every pair, when that is at most :data:`ALL_PAIRS_MAX`) with the
    trained model, each decoy's pair with its own record dropped. With ``donors``
    (left records of ``donor_table`` without a probable match, one per decoy), each
    decoy takes its blank fields from one (:func:`blanked_decoy_sql`)."""

    columns = list(backend.to_arrow(f"SELECT * FROM {right_table} LIMIT 0").column_names)
    if donors is not None and donor_table is not None and len(donors):
        blanks = np.asarray(donors)[:min(len(donors), right_records)]
        n = len(blanks)
        sql = blanked_decoy_sql(right_table, donor_table, columns, blanks, seed)
    else:
        n = min(size, right_records)
        sql = decoy_sql(right_table, columns, n, seed)
    use = ["1 = 1"] if n * right_records <= ALL_PAIRS_MAX else rules
    # Term frequencies as the left records were scored with (over left and right; over
    # right alone without a left table). Splink would compute them over decoys and
    # right, where a decoy's own value counts twice (in the decoys and, as itself, in
    # right): its agreements would look commoner, so weaker, than a left record's.
    tf_from = [right_table] if donor_table is None else [donor_table, right_table]
    tf_tables = {c: f"__lr_decoy_tf_{c}" for c in tf_columns(model)}
    backend.derive(DECOY_FULL, sql)  # built from tables the engine holds
    try:
        table = backend.to_arrow(f"SELECT * FROM {DECOY_FULL} ORDER BY record_id")
        backend.derive(DECOY_TABLE, f"SELECT {', '.join(columns)} FROM {DECOY_FULL}")
        settings = {**model, "retain_matching_columns": True,
                    "blocking_rules_to_generate_predictions": [
                        {"blocking_rule": r, "sql_dialect": backend.dialect} for r in use]}
        db_api = backend.db_api()
        inputs = [db_api.register(DECOY_TABLE, dataset_display_name="left"),
                  db_api.register(right_table, dataset_display_name="right")]
        with quiet_splink():  # validation only logs warnings, silenced here
            linker = new_linker(inputs, settings, validate_settings=False)
        for col, tf_table in tf_tables.items():
            backend.derive(tf_table, tf_sql(tf_from, col))
            linker.table_management.register_term_frequency_lookup(
                db_api.register(tf_table), col)
        prefilter.register(linker, db_api, DECOY_TABLE, right_table, use, min_match_weight)
        scored = predict.predict_pairs(linker, min_match_weight)
        prefilter.drop(db_api)
        db_api.delete_tables_created_by_splink_from_db()
    finally:
        backend.drop(DECOY_TABLE, DECOY_FULL, *tf_tables.values())
    # A decoy is a right record: its pair with that record is not a chance comparison.
    return Decoys(best_per_decoy(table, scored), scored.num_rows, use)


def best_per_decoy(donors: Any, scored: Any, exclude_donors: bool = True) -> np.ndarray:
    """The best log2 Bayes factor of each decoy over its pairs, its pairs with the right
    records it was built from (``donor_*``) excluded."""
    import pandas as pd

    d = donors.to_pandas()
    ids = d["record_id"].astype(str).to_numpy()
    best = np.full(len(ids), -np.inf)
    if scored.num_rows == 0 or len(ids) == 0:
        return best
    s = pd.DataFrame({"l": np.asarray(scored.column("record_id_l").to_numpy(
        zero_copy_only=False)).astype(str),
        "r": np.asarray(scored.column("record_id_r").to_numpy(
            zero_copy_only=False)).astype(str),
        "w": scored.column("log2_bf").to_numpy()})
    own = d.melt(id_vars="record_id", value_vars=[c for c in d.columns
                                                  if c.startswith("donor_")],
                 value_name="r")[["record_id", "r"]].rename(columns={"record_id": "l"})
    own["l"] = own["l"].astype(str)
    own["r"] = own["r"].astype(str)
    if exclude_donors:
        s = s.merge(own.assign(own=True).drop_duplicates(["l", "r"]), on=["l", "r"],
                    how="left")
        s = s[s["own"].isna()]
    top = s.groupby("l")["w"].max()
    pos = pd.Index(ids).get_indexer(top.index)
    best[pos[pos >= 0]] = top.to_numpy()[pos >= 0]
    return best
