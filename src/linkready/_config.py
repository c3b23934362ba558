"""Shared machinery for YAML configs: load, validate with pydantic, report every problem."""

from __future__ import annotations

import difflib
import re
import types
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from linkready.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


#: Deeper nesting than this is refused before parsing (no linkready config needs more
#: than a handful of levels; PyYAML recurses once per level).
MAX_DEPTH = 50
#: Larger files are refused unread (a project file is a few kilobytes).
MAX_BYTES = 10 * 1024 * 1024


def _too_deep(text: str) -> bool:
    """Whether flow brackets or indentation nest deeper than MAX_DEPTH (a cheap bound
    checked before PyYAML, whose parser would exhaust the recursion limit)."""
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif ch in "]}":
            depth = max(0, depth - 1)
    indents = {len(line) - len(line.lstrip(" -")) for line in text.splitlines() if line.strip()}
    return len(indents) > MAX_DEPTH


class _BadValue(yaml.constructor.ConstructorError):
    """A well-formed YAML file holding a value linkready refuses; ``problem`` ends with
    the fix."""


def _construct_mapping(self: yaml.constructor.SafeConstructor, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    """A key given twice in one mapping is an error (YAML would keep the last silently:
    a source listed twice under one name would drop an extract)."""
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = self.construct_object(key_node, deep=deep)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:  # an unhashable key: PyYAML's own error follows
            continue
        if first is not key_node:
            raise _BadValue(
                None, None, f"the key `{key}` is given twice (line "
                f"{first.start_mark.line + 1} and line {key_node.start_mark.line + 1}); "
                "keep one of them", None)
    return yaml.constructor.SafeConstructor.construct_mapping(self, node, deep=deep)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one mapping is an error."""

    construct_mapping = _construct_mapping


#: The same loader on libyaml's parser (the same constructor and resolver, so the same
#: values), about ten times faster; None where PyYAML was built without libyaml.
_FastLoader: type[yaml.CSafeLoader] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CLoader(yaml.CSafeLoader):
        construct_mapping = _construct_mapping

    _FastLoader = _CLoader


def _parse(text: str) -> Any:
    """``yaml.safe_load`` with duplicate keys refused and a value PyYAML's constructors
    reject (an impossible date such as 2025-13-01) turned into a YAMLError with its line.

    A file libyaml reads without complaint is read by it; anything else is read again
    by PyYAML's own parser, whose error (and message) is the one raised."""
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            return fast.get_single_data()
        except Exception:  # the pure-Python parser below says what is wrong
            pass
        finally:
            fast.dispose()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return loader.construct_document(node)
        except (ValueError, OverflowError) as exc:
            bad = next((n for n in _scalars(node) if _fails(n)), None)
            date = bad is not None and bad.tag.endswith(":timestamp")
            raise _BadValue(
                None, None, f"`{bad.value if bad else ''}` is not a valid "
                f"{'date' if date else 'value'} ({exc}); "
                + ("write a real date as YYYY-MM-DD" if date else "correct it"),
                bad.start_mark if bad else node.start_mark) from None
    finally:
        loader.dispose()


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    children = (node.value if isinstance(node, yaml.SequenceNode)
                else [n for kv in node.value for n in kv] if isinstance(node, yaml.MappingNode)
                else [])
    return [s for c in children for s in _scalars(c)]


def _fails(node: yaml.ScalarNode) -> bool:
    try:
        yaml.SafeLoader("").construct_object(node)
    except (ValueError, OverflowError):
        return True
    except yaml.YAMLError:
        return False
    return False


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping, or raise ConfigError naming the file and the fix."""
    try:
        if not path.is_file():
            raise ConfigError(f"{path}: file not found; check the path")
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MB, which no "
                              "config file needs; check that this is the right file")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except ValueError:  # a NUL in the path
        raise ConfigError(f"{path!r}: the path contains a NUL character; check it") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__}); "
                          "check the path and its permissions") from None
    if _too_deep(text):
        raise ConfigError(f"{path}: nested more than {MAX_DEPTH} levels deep; a linkready "
                          "config needs a few levels: check that this is the right file")
    try:
        data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        if isinstance(exc, _BadValue):
            head, _, fix = problem.rpartition("; ")
            raise ConfigError(f"{path}: {head}{where}; {fix}") from None
        if "'\\t'" in problem:  # PyYAML: "found character '\t' that cannot start any token"
            raise ConfigError(f"{path}: a tab character{where}; YAML indents with spaces "
                              "only: replace the tab with spaces") from None
        raise ConfigError(f"{path}: {problem}{where}; fix the YAML syntax") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read; a linkready config needs a "
                          "few levels: check that this is the right file") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    return data


def _fix_for(error_type: str) -> str:
    return {
        "extra_forbidden": "remove it or check its spelling",
        "missing": "add it",
        "less_than_equal": "use a value in range",
        "greater_than_equal": "use a value in range",
        "literal_error": "use one of the allowed values",
    }.get(error_type, "correct the value")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (itself, or inside a list, dict, union)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is None:
        return []
    args = get_args(annotation)
    if origin is dict:
        args = args[1:]
    elif origin not in (list, tuple, Union, types.UnionType):
        return []
    return [m for a in args for m in _models_in(a)]


def _siblings(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed beside the last key of ``loc`` (a dotted path into ``model``)."""
    models = [model] if model is not None else []
    for part in loc[:-1]:
        if not isinstance(part, str):
            continue  # a list index
        nxt: list[type[BaseModel]] = []
        for m in models:
            field = m.model_fields.get(part)
            if field is not None:
                nxt += _models_in(field.annotation)
        # a dict key (a source's name) keeps the models the dict holds
        models = nxt or [m for m in models if part not in m.model_fields]
    return sorted({name for m in models for name in m.model_fields})


def validation_problems(path: Path, exc: ValidationError,
                        model: type[BaseModel] | None = None,
                        shapes: dict[str, str] | None = None) -> list[str]:
    """One line per pydantic error: file, dotted key, what is wrong, how to fix it."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if shapes:
            loc = list(err["loc"])
            while loc and isinstance(loc[-1], str) and _UNION_TAG.fullmatch(loc[-1]):
                loc.pop()  # pydantic names the member of a union it tried: `.str`, `.list[str]`
            named = next((p for p in reversed(loc) if isinstance(p, str) and p in shapes), "")
            if named in shapes and (err["type"] in SHAPE_ERRORS or len(loc) < len(err["loc"])):
                line = (f"{path}: {'.'.join(str(p) for p in loc)}: wrong shape; write "
                        f"{shapes[named]}")
                if line not in lines:  # one line for every member of the union
                    lines.append(line)
                continue
        if err["type"] == "extra_forbidden":
            near = difflib.get_close_matches(str(err["loc"][-1]),
                                             _siblings(model, tuple(err["loc"])), n=1)
            fix = f"did you mean `{near[0]}`?" if near else _fix_for(err["type"])
            lines.append(f"{path}: {key}: unknown key; {fix}")
            continue
        if err["type"].startswith(("date_", "datetime_")):
            # pydantic's wording ("Datetimes provided to dates should have zero time", an
            # integer read as a Unix time) does not say what to write.
            lines.append(f"{path}: {key}: not a date; write it as YYYY-MM-DD, e.g. "
                         "2025-04-01")
            continue
        if err["type"] == "value_error" and ";" in msg:
            # linkready's own validators name the fix after a semicolon.
            lines.append(f"{path}: {key}: {msg.removeprefix('Value error, ')}")
            continue

        lines.append(f"{path}: {key}: {msg}; {_fix_for(err['type'])}")

    return lines


#: How pydantic names the member of a union it tried, at the end of an error's location.
_UNION_TAG = re.compile(r"(str|int|float|bool|list|dict|tuple)(\[.*\])?")
#: pydantic error types that mean "the value has the wrong shape" (a text for a list, a
#: list for a mapping, a pair of three): for these a model may show the shape to write.
SHAPE_ERRORS = ("dict_type", "list_type", "tuple_type", "too_long", "too_short")


def validate(model: type[M], data: dict[str, Any], path: Path, what: str,
             shapes: dict[str, str] | None = None) -> M:
    """Build ``model`` from ``data`` or raise one ConfigError listing every problem.
    ``shapes`` maps a key (the last named part of its dotted path) to the shape to write,
    shown instead of pydantic's wording when the value has the wrong shape."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(path, exc, model, shapes)
        raise ConfigError(f"{path}: {len(problems)} problem(s) in {what}", problems) from None


def file_kind(data: dict[str, Any]) -> str | None:
    """``project`` or ``scenario`` when ``data`` is plainly one of the two (its sources
    name extract files, or carry a scenario's coverage and errors), else None: one file
    given where the other is expected is then one line, not a problem per key."""
    sources = data.get("sources")
    specs = [s for s in sources.values() if isinstance(s, dict)] \
        if isinstance(sources, dict) else []
    if any("path" in s or "columns" in s for s in specs):
        return "project"
    if any("coverage" in s or "errors" in s for s in specs) or "world" in data \
            or "extends" in data:
        return "scenario"
    return None
