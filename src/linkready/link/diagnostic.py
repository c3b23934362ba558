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
#: Columns a decoy takes together from one donor (fields that go together in people: a
#: given name and its sex; a surname and its household's address). Every other column
#: (NHS number, …) comes from a donor of its own, and the DOB from another.
DECOY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("given_name", "middle_names", "sex"),
    ("family_name", "postcode", "address_line", "uprn"),
    ("dob",),
)


@dataclass(frozen=True)
class Decoys:
    """The best Bayes factor (log2) each decoy reaches against right."""

    best_log2_bf: Any  # numpy array, one per decoy; -inf where no pair was scored
    scored: int
    rules: list[str]


def decoy_groups(columns: list[str]) -> list[list[str]]:
    """The columns of each donor group (:data:`DECOY_GROUPS`, then the rest as one)."""
    cols = [c for c in columns if c != "record_id"]
    groups = [[c for c in g if c in cols] for g in DECOY_GROUPS]
    groups = [g for g in groups if g]
    rest = [c for c in cols if not any(c in g for g in groups)]
    if rest:
        groups.append(rest)
    return groups


def decoy_sql(right_table: str, columns: list[str], size: int, seed: int) -> str:
    """Decoy records built from right: each group of :func:`decoy_groups` from a
    different seeded donor, so a decoy looks like a right record but has no match there;
    the donors' ids are kept as ``donor_<g>`` (the pairs of a decoy with its own donors
    are not comparisons of a record without a match, and are dropped)."""
    groups = decoy_groups(columns)
    ctes = ", ".join(
        f"g{i} AS (SELECT *, row_number() OVER (ORDER BY md5(concat(record_id, "
        f"'-decoy-{i}-{int(seed)}')), record_id) AS k FROM {right_table})"
        for i in range(len(groups)))
    pick = ", ".join(f"g{i}.{c}" for i, g in enumerate(groups) for c in g)
    donors = ", ".join(f"g{i}.record_id AS donor_{i}" for i in range(len(groups)))
    joins = " ".join(f"JOIN g{i} ON g{i}.k = g0.k" for i in range(1, len(groups)))
    return (f"WITH {ctes} SELECT concat('decoy-', g0.k) AS record_id, {pick}, {donors} "
            f"FROM g0 {joins} WHERE g0.k <= {int(size)}")


def donor_decoy_sql(donor_table: str, columns: list[str], donors: np.ndarray) -> str:
    """Decoys whose groups (:func:`decoy_groups`) come from the given donors of
    ``donor_table`` (one row of record ids per decoy, one column per group)."""
    from linkready.sql import lit

    groups = decoy_groups(columns)
    rows = ", ".join("(" + ", ".join([str(k + 1), *(lit(str(x)) for x in row)]) + ")"
                     for k, row in enumerate(donors))
    names = ", ".join(f"d{i}" for i in range(len(groups)))
    pick = ", ".join(f"g{i}.{c}" for i, g in enumerate(groups) for c in g)
    ids = ", ".join(f"d.d{i} AS donor_{i}" for i in range(len(groups)))
    joins = " ".join(f"JOIN {donor_table} g{i} ON g{i}.record_id = d.d{i}"
                     for i in range(len(groups)))
    return (f"SELECT concat('decoy-', d.k) AS record_id, {pick}, {ids} "
            f"FROM (VALUES {rows}) AS d(k, {names}) {joins}")


def run_decoys(backend: Any, right_table: str, model: dict[str, Any], rules: list[str],
               *, seed: int, min_match_weight: float, right_records: int,
               size: int = DIAGNOSTIC_SAMPLE, donor_table: str | None = None,
               donors: np.ndarray | None = None) -> Decoys:
    """Score ``size`` decoys against right under ``rules`` (or every pair, when that is
    at most :data:`ALL_PAIRS_MAX`) with the trained model. With ``donors`` (left
    records without a probable match, one row per decoy, see :func:`decoy_groups`), the
    decoys are built from ``donor_table`` with them (:func:`donor_decoy_sql`): they then
    share the left source's value distribution; otherwise from right
    (:func:`decoy_sql`)."""

    columns = list(backend.to_arrow(f"SELECT * FROM {right_table} LIMIT 0").column_names)
    if donors is not None and donor_table is not None and len(donors):
        n = len(donors)
        sql = donor_decoy_sql(donor_table, columns, donors)
    else:
        donors = None
        n = min(size, right_records)
        sql = decoy_sql(right_table, columns, n, seed)
    use = ["1 = 1"] if n * right_records <= ALL_PAIRS_MAX else rules
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
        prefilter.register(linker, db_api, DECOY_TABLE, right_table, use, min_match_weight)
        scored = predict.predict_pairs(linker, min_match_weight)
        prefilter.drop(db_api)
        db_api.delete_tables_created_by_splink_from_db()
    finally:
        backend.drop(DECOY_TABLE, DECOY_FULL)
    # Donors from left are not right records: no pair of a decoy is with its own donor.
    return Decoys(best_per_decoy(table, scored, exclude_donors=donors is None),
                  scored.num_rows, use)


def best_per_decoy(donors: Any, scored: Any, exclude_donors: bool = True) -> np.ndarray:
    """The best log2 Bayes factor of each decoy over its pairs, its donors excluded
    (when they are right records)."""
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
