"""Train a Splink model for one pair of sources: prior, u by seeded random sampling, m by
capped EM sessions; then list any comparison level that was never trained."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from linkready.link.settings import (
    TrainingConfig,
    prior_rules,
    settings_creator,
    training_rules,
)

if TYPE_CHECKING:
    from linkready.link.model import ModelSpec

#: Prior used when no near-certain rule found any pair (it is refined after prediction).
FALLBACK_PRIOR = 1e-4


_QUIET_LOCK = threading.Lock()
#: Blocks inside quiet_splink (in any thread) and the level before the first began.
_quiet: list[Any] = [0, None]


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Silence Splink's INFO chatter (it logs record counts) while a block runs. Blocks
    may overlap in threads (pairs linked concurrently): the level is restored when the
    last one ends."""
    log = logging.getLogger("splink")
    with _QUIET_LOCK:
        if _quiet[0] == 0:
            _quiet[1] = log.level
            log.setLevel(logging.ERROR)
        _quiet[0] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _quiet[0] -= 1
            if _quiet[0] == 0:
                log.setLevel(_quiet[1])


def new_linker(inputs: Any, settings: Any, *, validate_settings: bool = True) -> Any:
    """A Splink ``Linker`` that leaves logging alone: Splink's default (``log_level=INFO``)
    resets the ``splink`` logger's level on every construction, which would undo a
    :func:`quiet_splink` block running in another thread (pairs link concurrently)."""
    from splink import Linker

    return Linker(inputs, settings, log_level=None, validate_settings=validate_settings)


def build_linker(backend: Any, left_table: str, right_table: str,
                 fields: set[str]) -> tuple[Any, list[Any]]:
    """A link-only Splink linker over two tables staged on ``backend`` (a
    :class:`linkready.link.backends.Backend`), and its inputs."""

    db_api = backend.db_api()
    left = db_api.register(left_table, dataset_display_name="left")
    right = db_api.register(right_table, dataset_display_name="right")
    settings = settings_creator(fields, FALLBACK_PRIOR, backend.dialect)
    # Splink's validation only logs columns the settings name but the inputs lack: the
    # settings are built here for the columns staged (workspace.stage_source).
    return new_linker([left, right], settings, validate_settings=False), [left, right]


def spec_linker(db_api: Any, left_table: str, right_table: str, spec: ModelSpec) -> Any:
    """A link-only Splink linker for ``spec`` over two tables registered on ``db_api``
    (a Splink database API), starting from :data:`FALLBACK_PRIOR`."""

    left = db_api.register(left_table, dataset_display_name="left")
    right = db_api.register(right_table, dataset_display_name="right")
    return new_linker([left, right], spec.settings(FALLBACK_PRIOR))


def estimate_prior(linker: Any, fields: set[str], cfg: TrainingConfig) -> list[str]:
    """Seed λ from the near-certain rules for ``fields`` (:func:`seed_prior`)."""
    return seed_prior(linker, prior_rules(fields), cfg)


def seed_prior(linker: Any, rules: Sequence[str], cfg: TrainingConfig) -> list[str]:
    """Seed λ from near-certain ``rules``. If none applies or fires, λ stays at
    :data:`FALLBACK_PRIOR` (set in the settings); it is refined after prediction anyway.

    Returns warnings (never raises for a data problem)."""
    rules = list(rules)
    if not rules:
        return [f"no near-certain rule available to seed the prior; started from "
                f"{FALLBACK_PRIOR:g}"]
    try:
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=cfg.prior_recall)
    except ValueError as exc:  # more rule matches than the recall allows
        return [f"prior seed failed ({exc}); started from {FALLBACK_PRIOR:g}"]
    if not model_prior(linker) > 0:
        # Splink sets λ = 0 when the rules find nothing; refinement cannot move from 0.
        _set_prior(linker, FALLBACK_PRIOR)
        return [f"near-certain rules found no pairs; prior started from {FALLBACK_PRIOR:g}"]
    return []


def _set_prior(linker: Any, prior: float) -> None:
    # Splink 5 has no public setter for λ outside training.
    linker._settings_obj._probability_two_random_records_match = prior


def train(linker: Any, fields: set[str], cfg: TrainingConfig, *,
          u_chunks: int | None = None, record: dict[str, Any] | None = None) -> list[str]:
    """Estimate prior, u and m with the standard rules for ``fields``. Returns warnings
    about training (untrained levels are reported separately by
    :func:`untrained_levels`). ``u_chunks`` overrides Splink's number of u-sampling
    chunks (see :attr:`linkready.link.backends.Backend.u_chunks`); ``record`` is given
    how u was estimated (:func:`estimate_u`)."""
    return _train(linker, prior_rules(fields), training_rules(fields), cfg, u_chunks,
                  record)


def train_model(linker: Any, spec: ModelSpec, cfg: TrainingConfig, *,
                u_chunks: int | None = None) -> list[str]:
    """Estimate prior, u and m of a linker built from ``spec`` (:func:`spec_linker`)
    with the spec's own prior and training rules; as :func:`train` otherwise."""
    return _train(linker, spec.prior, spec.training, cfg, u_chunks)


def _train(linker: Any, prior: Sequence[str], training: Sequence[str],
           cfg: TrainingConfig, u_chunks: int | None,
           record: dict[str, Any] | None = None) -> list[str]:
    warnings: list[str] = []
    with quiet_splink():
        warnings += seed_prior(linker, prior, cfg)
        how = estimate_u(linker, cfg, u_chunks)
        if record is not None:
            record.update(how)
        lost = [problem for rule in training for problem in _em_session(linker, rule, cfg)]
    # Warn only for fields no session trained: another session's m values are as good.
    core = linker._settings_obj.core_model_settings
    for where, fields, why in lost:
        untrained = [f for f in fields if not _m_trained(
            core.get_comparison_by_output_column_name(f))]
        if untrained:
            warnings.append(
                f"could not learn from {where} how far records of one person differ on "
                f"{', '.join(untrained)} ({why}); Splink's default m values weigh "
                f"{'it' if len(untrained) == 1 else 'them'} instead, not values learnt "
                "from these records")
    return warnings


def _m_trained(comparison: Any) -> bool:
    """Whether any EM session has given ``comparison`` an m value."""
    return any(isinstance(t.get("probability"), (int, float))
               for level in comparison._comparison_levels_excluding_null
               for t in level._trained_m_probabilities)


#: What each standard EM session's blocked pairs share, in words (warnings).
_SESSION_WORDS = {
    "l.given_name = r.given_name AND l.family_name = r.family_name":
        "the same given and family name",
    "l.dob = r.dob": "the same DOB",
    "l.nhs_number = r.nhs_number": "the same NHS number",
}


def _em_session(linker: Any, rule: str, cfg: TrainingConfig
                ) -> list[tuple[str, list[str], str]]:
    """One EM session blocked on ``rule``; keeps only the m values it could learn.

    A session learns m from the pairs its rule blocks together. When they hold no (or
    almost no) true matches with a field recorded (e.g. every duplicate has an
    unreadable DOB, so no duplicate pair shares a DOB), EM still labels some pairs
    "matches", and the m values it returns are inverted: the exact level never seen
    among them, or the "all other" level at least as common among them as among random
    pairs. Kept, they score pairs that agree on one field alone as near-certain links.
    Such a comparison keeps the m values it had before the session (another session's,
    else Splink's defaults). Returns what it could not learn: (the pairs in words, the
    comparisons, why)."""
    # A failed session can leave Splink's settings half-updated: keep a copy
    # (private attribute: Splink 5 offers no public way to roll back).
    before = copy.deepcopy(linker._settings_obj.core_model_settings)
    where = f"pairs with {_SESSION_WORDS.get(rule, f'`{rule}`')}"
    try:
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=cfg.em_max_pairs)
    except Exception as exc:  # Splink raises bare Exceptions
        # No blocked pairs, or an m value that underflowed to 0 (Splink refuses it):
        # the other sessions still may train, so roll back and go on.
        linker._settings_obj.core_model_settings = before
        why = ("there are none" if "no record pairs" in str(exc)
               else "EM pushed an m value to 0, which Splink refuses")
        trained = [c.output_column_name for c in before.comparisons
                   if f"l.{c.output_column_name}" not in rule]
        return [(where, trained, why)]
    fixed = {c.output_column_name for c in session._comparisons_that_cannot_be_estimated}
    bad = [c.output_column_name for c in session.core_model_settings.comparisons
           if c.output_column_name not in fixed and _inverted(c)]
    if not bad:
        return []
    core = linker._settings_obj.core_model_settings
    core.comparisons = [
        before.get_comparison_by_output_column_name(c.output_column_name)
        if c.output_column_name in bad else c for c in core.comparisons]
    return [(where, bad, "too few true matches among them")]


def _inverted(comparison: Any) -> bool:
    """Whether an EM session's m values of ``comparison`` contradict what any match
    class must show: exact agreement more common among matches than among random pairs
    (m > u) and the "all other" level less common (m < u). A level EM never saw among
    its matches counts as m = 0."""
    levels = comparison._comparison_levels_excluding_null
    if len(levels) < 2:
        return False

    def m_u(level: Any) -> tuple[float, float | None]:
        m = level._m_probability
        return (0.0 if m is None or isinstance(m, str) else float(m)), level.u_probability

    (m_top, u_top), (m_else, u_else) = m_u(levels[0]), m_u(levels[-1])
    if u_top is None or u_else is None:
        return False
    return m_top <= u_top or m_else >= u_else


#: ``method`` of :func:`estimate_u`'s record.
U_EXACT, U_SAMPLED = "exact counts and sampling", "random sampling"


def estimate_u(linker: Any, cfg: TrainingConfig, u_chunks: int | None) -> dict[str, Any]:
    """u: on DuckDB for a two-table link, with ``cfg.u_exact``, counted exactly where an
    equality defines the level and sampled (from ``cfg.u_max_pairs`` seeded pairs, as
    far as needed) for the rest (:func:`linkready.link.u_sampling.estimate_u_exact`);
    otherwise by seeded random sampling of ``cfg.u_max_pairs`` pairs (on DuckDB in two
    scans, :func:`linkready.link.u_sampling.estimate_u`, the same values as Splink's own
    method; elsewhere by Splink's ``estimate_u_using_random_sampling``). Returns how:
    ``method`` and, for exact counts, ``comparisons`` (what each counted and sampled)."""
    chunks = {} if u_chunks is None else {"num_chunks": u_chunks}
    if linker._sql_dialect_str == "duckdb" and len(linker._input_tables_dict) == 2:
        from linkready.link import u_sampling

        if cfg.u_exact:
            return {"method": U_EXACT, "comparisons": u_sampling.estimate_u_exact(
                linker, cfg.u_max_pairs, cfg.seed)}
        u_sampling.estimate_u(linker, cfg.u_max_pairs, cfg.seed, **chunks)
    else:
        linker.training.estimate_u_using_random_sampling(
            max_pairs=cfg.u_max_pairs, seed=cfg.seed, **chunks)
    return {"method": U_SAMPLED}


def model_prior(linker: Any) -> float:
    """λ, the probability that two random records match, as the model holds it."""
    return float(model_dict(linker)["probability_two_random_records_match"])


def model_dict(linker: Any) -> dict[str, Any]:
    """The model as Splink serialises it (settings and trained parameters)."""
    return dict(linker.misc.save_model_to_json())


def untrained_levels(model: dict[str, Any]) -> list[str]:
    """``comparison: level`` for every non-null level missing an m or u estimate."""
    out = []
    for comp in model.get("comparisons", []):
        name = comp.get("output_column_name", "?")
        for level in comp.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            missing = [p for p in ("m", "u") if level.get(f"{p}_probability") is None]
            if missing:
                label = level.get("label_for_charts") or level.get("sql_condition")
                out.append(f"{name}: `{label}` has no {' or '.join(missing)} estimate")
    return out


def relink(linker: Any, inputs: list[Any], model: dict[str, Any], rules: list[str],
           dialect: str, *, prior: float | None = None) -> Any:
    """A linker on the same inputs with the trained model and other prediction rules;
    λ is ``prior`` where given, else the one ``linker`` holds."""

    settings = {**model, "probability_two_random_records_match":
                model_prior(linker) if prior is None else prior,
                "blocking_rules_to_generate_predictions": [
                    {"blocking_rule": r, "sql_dialect": dialect} for r in rules]}
    # The settings are the trained linker's; Splink's validation only logs warnings,
    # which quiet_splink silences anyway.
    with quiet_splink():
        new = new_linker(inputs, settings, validate_settings=False)
    # Same inputs, so the same term-frequency tables: reuse the ones training built
    # rather than scan the inputs again (private cache: Splink 5 offers no public way).
    old, cache = linker._intermediate_table_cache, new._intermediate_table_cache
    for name in list(old.keys()):
        if name.startswith("__splink__df_tf_") and name not in cache:
            cache[name] = old[name]
    return new
