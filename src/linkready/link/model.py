"""A probabilistic model as one value: comparisons, blocking, training and prior rules.

:func:`standard` is the model ``link`` trains for a pair (built from
:mod:`linkready.link.settings`); lessons and other callers compose variants of it (other
blocking rules, other comparisons) with :func:`dataclasses.replace` instead of rebuilding
Splink settings and a training loop. Training the model is
:func:`linkready.link.training.train_model`, the only place that touches Splink's
internals.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ModelSpec:
    """What a Splink model is made of, authored (nothing here runs a query)."""

    #: Splink comparisons (creator objects or dicts), one per compared field.
    comparisons: tuple[Any, ...]
    #: Blocking rules (SQL) that generate the pairs scored at prediction.
    blocking: tuple[str, ...]
    #: Blocking rules (SQL) of the EM sessions that estimate m.
    training: tuple[str, ...]
    #: Near-certain rules (SQL) whose matches seed the prior λ before refinement.
    prior: tuple[str, ...]

    def with_blocking(self, rules: list[str] | tuple[str, ...]) -> ModelSpec:
        """The same model scored over other blocking rules."""
        return replace(self, blocking=tuple(rules))

    def settings(self, prior: float) -> Any:
        """Splink settings for a link-only model over ``record_id``; ``prior`` is λ before
        training (the comparisons already carry their dialect's SQL)."""
        from splink import SettingsCreator

        return SettingsCreator(
            link_type="link_only",
            probability_two_random_records_match=prior,
            unique_id_column_name="record_id",
            comparisons=list(self.comparisons),
            blocking_rules_to_generate_predictions=list[Any](self.blocking),
            retain_matching_columns=False,
            retain_intermediate_calculation_columns=False,
        )


def standard(fields: set[str], dialect: str = "duckdb", *,
             blocking: list[str] | tuple[str, ...] | None = None) -> ModelSpec:
    """The model ``link`` uses for a pair whose sides both hold ``fields``, optionally
    with other blocking rules."""
    from linkready.link import settings as S

    return ModelSpec(tuple(S.comparisons(fields, dialect)),
                     tuple(blocking if blocking is not None else S.blocking_rules(fields)),
                     tuple(S.training_rules(fields)), tuple(S.prior_rules(fields)))
