"""Would a heterogeneity-aware model read blocking recall (and the match rate) right where
errors come together in the same people? A study, not part of linkready (issue 12; the
result is in docs/methods/match-rates.md, "Latent classes: tried and not kept").

For each benchmark set (:mod:`benchmarks.estimates_data`) and seed: link with linkready,
then, without truth, fit a **record-level latent-class model with blocking's truncation
modelled** to the production candidate pairs, and compare what it reads with linkready's
own figures and with the truth.

The model. Each pair is described per field by a *state*: the field's comparison level
(the trained model's SQL conditions, without term-frequency adjustments), the
production rules' one-field atoms on it (``l.dob = r.dob``, ``year(l.dob) = …``, first
letters …) and whether it is blank on each side. Which states blocking can see is known
exactly from the rules: a pair is a candidate iff some rule's atoms all hold (rules with
an atom over two fields, the swapped names, are left out and their pairs dropped).
Non-matches: u, the product of each field's state shares over a seeded random sample
of cross pairs, held fixed. Matches: ``K`` classes (clean, error-prone …), each with its
own per-field state distribution, fields independent within a class. A left record has
at most one match among the right records, uniform over them a priori; with prior θ, the
likelihood of its ``c`` candidates (over that of having no match) is::

    (1 − θ) + θ Σ_k π_k [ Σ_j m_k(γ_j) / u(γ_j) / n_right
                          + (n_right − c) / n_right × M_k(not visible) / U(not visible) ]

(the second term: its match is one of the right records blocking never brought; the
fit is sensitive to both factors, see docs/methods/match-rates.md). EM over the
match's class and which candidate it is, the unseen matches completed with each class's
distribution over the states blocking cannot see. Blocking recall = Σ_k π_k M_k(visible);
the match rate = θ. With ``one_to_one``, each right record's match posteriors are scaled
to sum to at most 1 in every E step (a right record is one person's): a guard against
match classes absorbing relatives (a household member sharing surname and postcode).

    PYTHONPATH=src python -m benchmarks.measure_latent_class [--sets historical_50k,febrl3]
        [--seeds 1] [--population 2000]
    PYTHONPATH=src python -m benchmarks.measure_latent_class --synthetic

Costs a link per set and seed plus a few EM fits of up to a minute each on
``historical_50k`` (406,000 candidate pairs).
"""

from __future__ import annotations

import argparse
import itertools
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks import estimates_data as D

#: Random cross pairs for u: this many records of each side (all of a smaller one).
RANDOM_SIDE = 700
#: (classes, one-to-one guard) fitted per run.
VARIANTS = ((1, True), (2, True), (3, True), (2, False), (3, False))


@dataclass(frozen=True)
class States:
    """Per-field state codes of the candidate and random pairs, the state vocabularies,
    and which combinations of states some rule brings together (over ``grid``)."""

    fields: list[str]
    cand: npt.NDArray[np.int64]  # pairs × fields
    rand: npt.NDArray[np.int64]
    sizes: list[int]
    grid: npt.NDArray[np.int64]  # every combination × fields
    visible: npt.NDArray[np.bool_]


def _columns(atoms: list[str], blanks: list[str],
             levels: dict[str, str]) -> list[str]:
    """SQL select list: atoms, blanks and comparison levels of a pair ``l``, ``r``."""
    cols = [f"coalesce(({a})::BOOLEAN, false)::INT AS atom_{k}" for k, a in enumerate(atoms)]
    cols += [f"(l.{f} IS NULL)::INT AS lblank_{f}, (r.{f} IS NULL)::INT AS rblank_{f}"
             for f in blanks]
    cols += [f"{sql} AS lev_{f}" for f, sql in levels.items()]
    return cols


def level_sql(comparison: dict[str, Any]) -> str:
    """A CASE expression numbering a comparison's levels, on pairs ``l``, ``r``."""
    def on_lr(cond: str) -> str:
        cond = re.sub(r'"([A-Za-z_]\w*)_(l|r)"', r"\1_\2", cond)
        return re.sub(r"\b([A-Za-z_]\w*)_(l|r)\b", r"\2.\1", cond)

    whens = []
    for k, level in enumerate(comparison["comparison_levels"]):
        cond = level["sql_condition"]
        if cond.strip().upper() == "ELSE":
            return f"CASE {' '.join(whens)} ELSE {k} END" if whens else str(k)
        whens.append(f"WHEN {on_lr(cond)} THEN {k}")
    return f"CASE {' '.join(whens)} ELSE {len(whens)} END"


def states(cand: pd.DataFrame, rand: pd.DataFrame, rules: list[str], atoms: list[str],
           blanks: list[str], levels: list[str]) -> States:
    """Each field's state (its atoms, blanks and level) as a code; the visible grid."""
    from linkready.link.field_recall import atom_field
    from linkready.link.settings import rule_terms

    fields = list(blanks) + [f for f in levels if f not in blanks]
    by_field = {f: [k for k, a in enumerate(atoms) if atom_field(a) == f] for f in fields}

    def bits(df: pd.DataFrame, f: str) -> npt.NDArray[np.int64]:
        cols = [f"atom_{k}" for k in by_field[f]]
        cols += [f"lblank_{f}", f"rblank_{f}"] if f in blanks else []
        cols += [f"lev_{f}"] if f in levels else []
        return df[cols].to_numpy(dtype=np.int64)

    vocab, codes_c, codes_r = [], [], []
    for f in fields:
        bc, br = bits(cand, f), bits(rand, f)
        v, inv = np.unique(np.vstack([bc, br]), axis=0, return_inverse=True)
        inv = np.asarray(inv).ravel()
        vocab.append(v)
        codes_c.append(inv[:len(bc)])
        codes_r.append(inv[len(bc):])
    sizes = [len(v) for v in vocab]
    grid = np.array(list(itertools.product(*[range(s) for s in sizes])), dtype=np.int64)
    visible = np.zeros(len(grid), dtype=bool)
    for rule in rules:
        hit = np.ones(len(grid), dtype=bool)
        for term in rule_terms(rule):
            f = atom_field(term)
            blank = re.fullmatch(r"\s*([lr])\.(\w+)\s+IS\s+NULL\s*", term, re.I)
            if f is not None and f in fields:
                col = by_field[f].index(atoms.index(term))
            elif blank and blank.group(2) in blanks:
                f = blank.group(2)
                col = len(by_field[f]) + (0 if blank.group(1) == "l" else 1)
            else:  # an atom over two fields: the rule is left out
                hit[:] = False
                break
            j = fields.index(f)
            hit &= vocab[j][grid[:, j], col].astype(bool)
        visible |= hit
    return States(fields, np.stack(codes_c, 1), np.stack(codes_r, 1), sizes, grid, visible)


@dataclass(frozen=True)
class Fit:
    classes: int
    one_to_one: bool
    rate: float  # θ
    recall: float  # Σ π_k M_k(visible)
    among: float  # expected matches among visible candidates ÷ left records
    shares: list[float]
    class_recall: list[float]
    iterations: int
    log_likelihood: float


def fit(st: States, left: npt.NDArray[Any], right: npt.NDArray[Any], start: npt.NDArray[np.bool_],
        n_left: int, n_right: int, classes: int, one_to_one: bool,
        iterations: int = 500, tol: float = 1e-9,
        init: tuple[float, list[float], list[list[npt.NDArray[np.float64]]]] | None = None
        ) -> Fit:
    """The record-level latent-class EM (module docstring) on the visible candidate
    pairs (``left``/``right`` their record ids); ``start`` marks the confident matches
    (trained p ≥ 0.9) the first class starts from (later classes start flatter); or
    ``init`` (θ, class shares, each class's per-field log state shares)."""
    F, G = len(st.fields), len(st.grid)
    g = np.ravel_multi_index(st.cand.T, st.sizes)
    keep = st.visible[g]
    g, start = g[keep], start[keep]
    codes, _ = pd.factorize(left[keep])
    rcodes, _ = pd.factorize(right[keep])
    log_u = [np.log((np.bincount(st.rand[:, j], minlength=st.sizes[j]) + 0.5)
                    / (len(st.rand) + 0.5 * st.sizes[j])) for j in range(F)]

    def joint(logs: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
        return np.exp(sum(logs[j][st.grid[:, j]] for j in range(F)))

    u = joint(log_u)
    m = []
    for k in range(classes):
        logs = []
        for j in range(F):
            c = np.bincount(st.grid[g[start], j], minlength=st.sizes[j]) + 1.0
            if k:
                c = c / c.sum() * (1 - 0.3 * k) + np.exp(log_u[j]) * 0.3 * k
            logs.append(np.log(c / c.sum()))
        m.append(logs)
    # A match blocking never brought is one of the record's n_right − c unseen right
    # records: its term is that share × M_k(not visible) / U(not visible).
    unseen = (n_right - np.bincount(codes, minlength=n_left)) / n_right \
        / max(float(u[~st.visible].sum()), 1e-300)
    theta, pis, prev = 0.5, np.full(classes, 1.0 / classes), -np.inf
    if init is not None:
        theta, pis, m = init[0], np.asarray(init[1], dtype=float), [list(x) for x in init[2]]
    for it in range(iterations):  # noqa: B007 (the count is reported)
        M = np.array([joint(x) for x in m])
        hidden = (M * ~st.visible).sum(1)
        rj = (M / u)[:, g] / n_right
        S = np.zeros((classes, n_left))
        for k in range(classes):
            S[k, :codes.max() + 1] = np.bincount(codes, weights=rj[k])
        L = (1 - theta) + theta * (pis[:, None] * (S + hidden[:, None] * unseen)).sum(0)
        ll = float(np.log(L).sum())
        pvis = theta * pis[:, None] * rj / L[codes][None, :]
        pinv = theta * pis[:, None] * hidden[:, None] * unseen / L[None, :]
        if one_to_one:
            pvis = pvis / np.maximum(np.bincount(rcodes, weights=pvis.sum(0)), 1.0)[rcodes]
            has = np.bincount(codes, weights=pvis.sum(0), minlength=n_left) + pinv.sum(0)
        else:
            has = 1 - (1 - theta) / L
        theta = float(has.mean())
        nk = pvis.sum(1) + pinv.sum(1)
        pis = nk / nk.sum()
        for k in range(classes):
            tot = np.bincount(g, weights=pvis[k], minlength=G).astype(float)
            tot += np.where(st.visible, 0.0, M[k]) / max(hidden[k], 1e-300) * pinv[k].sum()
            m[k] = [np.log(np.bincount(st.grid[:, j], weights=tot, minlength=st.sizes[j])
                           + 1e-6) - np.log(tot.sum() + 1e-6 * st.sizes[j]) for j in range(F)]
        if abs(ll - prev) < tol * abs(ll):
            break
        prev = ll
    M = np.array([joint(x) for x in m])
    seen = (M * st.visible).sum(1)
    return Fit(classes, one_to_one, theta, float((pis * seen).sum()),
               float(pvis.sum()) / n_left, [float(x) for x in pis],
               [float(x) for x in seen], it + 1, ll)


# --- a world drawn from the model itself ------------------------------------------------

#: Agreement of five binary fields in non-matches, and in the two classes of matches
#: (share, agreement): clean people, and error-prone ones.
U_AGREE = np.array([0.01, 0.02, 0.05, 0.1, 0.3])
CLASSES = ((0.7, np.array([0.95, 0.95, 0.9, 0.9, 0.95])),
           (0.3, np.array([0.45, 0.4, 0.5, 0.6, 0.8])))


@dataclass(frozen=True)
class World:
    states: States
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    start: npt.NDArray[np.bool_]
    n_left: int
    n_right: int
    rate: float
    recall: float


def world(n_left: int = 2000, n_right: int = 400, rate: float = 0.6, seed: int = 7) -> World:
    """Binary agreement on five fields; the rules bring a pair iff field 0 or field 1
    agrees. Each left record has its match with probability ``rate`` (a class drawn from
    :data:`CLASSES`) and ``n_right`` non-matches (:data:`U_AGREE`); only the pairs the
    rules bring are kept."""
    rng = np.random.default_rng(seed)
    fields = len(U_AGREE)
    grid = np.array(list(itertools.product([0, 1], repeat=fields)), dtype=np.int64)
    visible = (grid[:, 0] == 1) | (grid[:, 1] == 1)
    rows, lefts, rights = [], [], []
    matched = rng.random(n_left) < rate
    found = 0
    for i in range(n_left):
        if matched[i]:
            k = 0 if rng.random() < CLASSES[0][0] else 1
            g = (rng.random(fields) < CLASSES[k][1]).astype(np.int64)
            if g[0] or g[1]:
                rows.append(g)
                lefts.append(i)
                rights.append(i)
                found += 1
        nm = (rng.random((n_right, fields)) < U_AGREE).astype(np.int64)
        keep = (nm[:, 0] == 1) | (nm[:, 1] == 1)
        rows.extend(nm[keep])
        lefts.extend([i] * int(keep.sum()))
        rights.extend(n_left + rng.integers(0, n_right, int(keep.sum())))
    cand = np.array(rows)
    rand = (rng.random((20000, fields)) < U_AGREE).astype(np.int64)
    st = States([f"f{j}" for j in range(fields)], cand, rand, [2] * fields, grid, visible)
    return World(st, np.array(lefts), np.array(rights), cand.sum(1) >= 4, n_left, n_right,
                 float(matched.mean()), found / max(int(matched.sum()), 1))


def direct(w: World, unseen_share: bool = True, starts: int = 2) -> list[tuple[float, float]]:
    """θ and recall maximising the same two-class likelihood directly (L-BFGS over logits,
    the true u), from the true parameters and from a flat start; with ``unseen_share``
    False, the unseen-match term lacks its (n_right − c) / n_right factor."""
    from scipy.optimize import minimize

    g = w.states.cand
    u = np.prod(np.where(g == 1, U_AGREE, 1 - U_AGREE), 1)
    u_hidden = (1 - U_AGREE[0]) * (1 - U_AGREE[1])
    c = np.bincount(w.left, minlength=w.n_left)
    share = (w.n_right - c) / w.n_right if unseen_share else np.ones(w.n_left)

    def sig(x: Any) -> Any:
        return 1 / (1 + np.exp(-x))

    def nll(x: npt.NDArray[np.float64]) -> float:
        theta, p1, a = sig(x[0]), sig(x[1]), sig(x[2:].reshape(2, -1))
        like = np.full(w.n_left, 1 - theta)
        for pk, ak in ((p1, a[0]), (1 - p1, a[1])):
            m = np.prod(np.where(g == 1, ak, 1 - ak), 1)
            hidden = (1 - ak[0]) * (1 - ak[1])
            like = like + theta * pk * (np.bincount(w.left, weights=m / u / w.n_right,
                                                    minlength=w.n_left)
                                        + share * hidden / u_hidden)
        return float(-np.log(like).sum())

    def logit(p: Any) -> Any:
        return np.log(p / (1 - p))

    truth = np.r_[logit(w.rate), logit(CLASSES[0][0]), logit(CLASSES[0][1]),
                  logit(CLASSES[1][1])]
    flat = np.r_[0.0, 0.0, np.full(len(U_AGREE), 2.0), np.zeros(len(U_AGREE))]
    out = []
    for x0 in (truth, flat)[:starts]:
        x = minimize(nll, x0, method="L-BFGS-B").x
        theta, p1, a = sig(x[0]), sig(x[1]), sig(x[2:].reshape(2, -1))
        seen = 1 - (1 - a[:, 0]) * (1 - a[:, 1])
        out.append((float(theta), float(p1 * seen[0] + (1 - p1) * seen[1])))
    return out


def synthetic() -> None:
    """The figures of docs/methods/match-rates.md on a world drawn from the model."""
    for n in (2000, 8000):
        w = world(n_left=n)
        print(f"{n} left records: truth rate {w.rate:.3f}, recall {w.recall:.3f}", flush=True)
        for k in (1, 2):
            f = fit(w.states, w.left, w.right, w.start, w.n_left, w.n_right, k, False)
            print(f"    EM K={k}: rate {f.rate:.3f}, recall {f.recall:.3f} "
                  f"({f.iterations} iterations)", flush=True)
        for share in (True, False):
            got = ", ".join(f"rate {t:.3f}, recall {r:.3f}" for t, r in direct(w, share))
            print(f"    direct{'' if share else ' without (n_right - c) / n_right'}: {got}",
                  flush=True)


def measure(name: str, seed: int, root: Path, population: int) -> dict[str, Any]:
    """Link one set, build the pairs' states, fit every variant; figures with truth."""
    from linkready.link import field_recall, link_project
    from linkready.link.missingness import fields_of
    from linkready.link.workspace import connect, default_workspace, source_select_sql, source_stats
    from linkready.project import load_project

    out = root / f"{name}-{seed}"
    if name in D.SPLINK_SETS:
        pj, _ = D.split_splink(name, seed, out)
    elif name in D.FEBRL_SETS:
        pj = D.split_febrl(name, seed, out)
    else:
        pj = D.corrupted_project(name, seed, D.population(population, root / "population"),
                                 out)
    project = load_project(pj)
    run = link_project(project)
    pair = run.pairs[0]
    prob = pair.summary["probabilistic"]
    rules = [r["rule"] for r in prob["blocking"]["rules"]]
    con = connect(default_workspace(project))
    stats = source_stats(con)
    text = any(stats[s].postcode_mostly_invalid() for s in (pair.left, pair.right))
    con.execute(f"CREATE TABLE L AS {source_select_sql(pair.left, text)}")
    con.execute(f"CREATE TABLE R AS {source_select_sql(pair.right, text)}")
    n_left, n_right = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                       for t in ("L", "R"))
    atoms = field_recall.field_atoms(rules)
    blanks = sorted(fields_of(rules))
    levels = {c["output_column_name"]: level_sql(c) for c in pair.model["comparisons"]}
    cols = ", ".join(["l.record_id AS id_l", "r.record_id AS id_r",
                      *_columns(atoms, blanks, levels)])
    ids = " UNION ".join(f"SELECT l.record_id AS a, r.record_id AS b FROM L l JOIN R r "
                         f"ON ({rule})" for rule in rules)
    cand = con.execute(f"WITH c AS ({ids}) SELECT {cols} FROM c JOIN L l ON l.record_id "
                       "= c.a JOIN R r ON r.record_id = c.b ORDER BY id_l, id_r").df()
    rand = con.execute(
        f"SELECT {cols} FROM (SELECT * FROM L USING SAMPLE {RANDOM_SIDE} ROWS "
        f"(reservoir, {seed})) l CROSS JOIN (SELECT * FROM R USING SAMPLE {RANDOM_SIDE} "
        f"ROWS (reservoir, {seed + 1})) r").df()
    con.close()
    truth = pd.read_csv(pj.parent / "truth.csv", dtype=str)
    person = dict(zip(truth["record_id"], truth["person"], strict=True))
    true_pair = (cand["id_l"].astype(str).map(person).to_numpy()
                 == cand["id_r"].astype(str).map(person).to_numpy())
    lt, rt = truth[truth["source"] == "left"], truth[truth["source"] == "right"]
    n_true = int(lt["person"].isin(set(rt["person"])).sum())
    links = pair.links.to_pandas()
    p = cand.merge(links[["record_id_l", "record_id_r", "match_probability"]],
                   left_on=["id_l", "id_r"], right_on=["record_id_l", "record_id_r"],
                   how="left")["match_probability"].fillna(0.0).to_numpy()
    st = states(cand, rand, rules, atoms, blanks, list(levels))
    visible = st.visible[np.ravel_multi_index(st.cand.T, st.sizes)]
    rate = prob["expected_match_rate"]
    fits = [fit(st, cand["id_l"].to_numpy(), cand["id_r"].to_numpy(), p >= 0.9, n_left,
                n_right, k, guard) for k, guard in VARIANTS]
    return {"set": name, "seed": seed, "truth": n_true / n_left,
            "estimate": _x(rate["estimate"]), "among": _x(rate["among_candidates"]),
            "recall_est": _x(prob["blocking"]["estimated_recall"]["estimate"]),
            "true_recall": int(true_pair.sum()) / max(n_true, 1),
            "true_recall_visible": int((true_pair & visible).sum()) / max(n_true, 1),
            "true_among": int((true_pair & visible).sum()) / n_left, "fits": fits}


def _x(v: Any) -> float:
    return float(getattr(v, "x", v))


def _line(r: dict[str, Any]) -> str:
    head = (f"{r['set']} seed {r['seed']}: truth {100 * r['truth']:.1f}, linkready "
            f"{100 * r['estimate']:.1f} (among candidates {100 * r['among']:.1f}, true "
            f"{100 * r['true_among']:.1f}), blocking recall est {r['recall_est']:.3f} true "
            f"{r['true_recall']:.3f} (rules without two-field atoms "
            f"{r['true_recall_visible']:.3f})")
    fits = "; ".join(
        f"K={f.classes}{' 1:1' if f.one_to_one else ''}: rate {100 * f.rate:.1f}, recall "
        f"{f.recall:.3f}, among {100 * f.among:.1f}" for f in r["fits"])
    return f"{head}\n    {fits}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="historical_50k,fake_1000,febrl1,febrl2,febrl3,"
                        "febrl4,concentrated,heavy_names,no_postcode")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--population", type=int, default=2000)
    parser.add_argument("--synthetic", action="store_true",
                        help="only the world drawn from the model itself")
    args = parser.parse_args(argv)
    if args.synthetic:
        synthetic()
        return 0
    D.prepare_splink_datasets()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                print(_line(measure(name, seed, Path(tmp), args.population)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
