"""Exact trees (:mod:`linkready.publish`) to plain JSON and back, unchanged.

An exact tree is a tree of dicts, lists and tuples whose leaves are plain values or
figures, with relations (:class:`~linkready.publish.Line`, :class:`~linkready.publish.
Chain`) that refer to the very figure objects of the tree (secondary suppression hides a
figure by identity). :func:`dump` writes each figure once, under a number, and every
place that holds it (the tree, a cell, a harmonic mean) by that number, so :func:`load`
gives back a tree whose :func:`~linkready.publish.exact` and
:func:`~linkready.publish.controlled` views equal the original's.

Only a fixed set of types is read back (no code runs from the file), and an unknown
type is refused. The JSON holds exact figures (counts of 1–7 as they are): it is never
published (``linkage-exact.json``, :mod:`linkready.reuse`).
"""

from __future__ import annotations

from typing import Any

from linkready.publish import (
    F1,
    Cell,
    Chain,
    Count,
    Expected,
    Figure,
    Harmonic,
    Line,
    Rate,
    Value,
)

_FIG = "__figure__"
_TUPLE = "__tuple__"
_DICT = "__dict__"
_REL = "__relation__"


def dump(tree: Any) -> dict[str, Any]:
    """``tree`` as JSON-ready data: ``{"figures": [...], "tree": ...}``.

    Raises:
        TypeError: a leaf of a type this module cannot read back.
    """
    figures: list[Any] = []
    ids: dict[int, int] = {}
    keep: list[Figure] = []  # held so that ids of live objects are never reused

    def fig(f: Figure) -> int:
        if id(f) in ids:
            return ids[id(f)]
        if isinstance(f, Harmonic):
            body: dict[str, Any] = {"type": "Harmonic", "p": fig(f.p), "r": fig(f.r)}
        elif isinstance(f, Count):
            body = {"type": "Count", "n": f.n}
        elif isinstance(f, Rate):
            body = {"type": "Rate", "numerator": f.numerator, "denominator": f.denominator}
        elif isinstance(f, F1):
            body = {"type": "F1", "tp": f.tp, "fp": f.fp, "fn": f.fn}
        elif isinstance(f, Value):
            body = {"type": "Value", "x": _plain(f.x), "rests_on": [int(n) for n in
                                                                      f.rests_on],
                    "digits": f.digits}
        elif isinstance(f, Expected):
            body = {"type": "Expected", "x": _plain(f.x),
                    "rests_on": [int(n) for n in f.rests_on]}
        else:
            raise TypeError(f"exact_store: cannot store a figure of type {type(f).__name__}")
        ids[id(f)] = len(figures)
        keep.append(f)
        figures.append(body)
        return ids[id(f)]

    def cell(c: Cell) -> dict[str, Any]:
        return {"count": int(c.count), "figures": [fig(f) for f in c.figures],
                "count_only": c.count_only}

    def walk(node: Any) -> Any:
        if isinstance(node, Figure):
            return {_FIG: fig(node)}
        if isinstance(node, Line):
            return {_REL: "Line", "parts": [cell(c) for c in node.parts],
                    "total": cell(node.total) if node.total is not None else None}
        if isinstance(node, Chain):
            return {_REL: "Chain", "cells": [cell(c) for c in node.cells]}
        if isinstance(node, dict):
            if not all(isinstance(k, str) for k in node):
                raise TypeError("exact_store: a dict key that is not a string")
            return {_DICT: {k: walk(v) for k, v in node.items()}}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, tuple):
            return {_TUPLE: [walk(v) for v in node]}
        return _plain(node)

    tree_doc = walk(tree)
    return {"figures": figures, "tree": tree_doc}


def _plain(x: Any) -> Any:
    """A JSON leaf: None, bool, int, float or str (NumPy scalars as their Python value)."""
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    item = getattr(x, "item", None)
    if callable(item):
        value = item()
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
    raise TypeError(f"exact_store: cannot store a value of type {type(x).__name__}")


def load(doc: dict[str, Any]) -> Any:
    """The tree :func:`dump` wrote, with each figure one object wherever it is held.

    Raises:
        ValueError: the data is not what :func:`dump` writes.
    """
    try:
        return _load(doc)
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ValueError(f"exact_store: not a stored exact tree ({exc})") from exc


def _load(doc: dict[str, Any]) -> Any:
    bodies = doc["figures"]
    made: dict[int, Figure] = {}

    def fig(i: int) -> Figure:
        if i in made:
            return made[i]
        b = bodies[i]
        kind = b["type"]
        f: Figure
        if kind == "Harmonic":
            f = Harmonic(fig(b["p"]), fig(b["r"]))
        elif kind == "Count":
            f = Count(b["n"])
        elif kind == "Rate":
            f = Rate(b["numerator"], b["denominator"])
        elif kind == "F1":
            f = F1(b["tp"], b["fp"], b["fn"])
        elif kind == "Value":
            f = Value(b["x"], tuple(b["rests_on"]), b["digits"])
        elif kind == "Expected":
            f = Expected(b["x"], tuple(b["rests_on"]))
        else:
            raise TypeError(f"unknown figure type {kind!r}")
        made[i] = f
        return f

    def cell(c: dict[str, Any]) -> Cell:
        return Cell(c["count"], tuple(fig(i) for i in c["figures"]), c["count_only"])

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        if _FIG in node:
            return fig(node[_FIG])
        if _TUPLE in node:
            return tuple(walk(v) for v in node[_TUPLE])
        if _DICT in node:
            return {k: walk(v) for k, v in node[_DICT].items()}
        if node.get(_REL) == "Line":
            return Line(tuple(cell(c) for c in node["parts"]),
                        cell(node["total"]) if node["total"] is not None else None)
        if node.get(_REL) == "Chain":
            return Chain(tuple(cell(c) for c in node["cells"]))
        raise TypeError(f"unknown node {sorted(node)[:3]}")

    return walk(doc["tree"])
