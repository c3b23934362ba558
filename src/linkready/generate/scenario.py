"""Scenario configuration: the synthetic world and each source's coverage and errors.

A scenario is YAML. It may ``extends:`` another scenario and override any key; the
merged result is validated once and every problem is reported together.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from linkready._config import file_kind, read_yaml, validate
from linkready.errors import ConfigError
from linkready.nhs import MAX_TEST_RANGE_PEOPLE

AGE_BANDS: tuple[str, ...] = ("0-17", "18-29", "30-49", "50-64", "65-79", "80+")
AGE_BAND_LOWER: tuple[int, ...] = (0, 18, 30, 50, 65, 80)
ETHNIC_GROUPS: tuple[str, ...] = ("white", "mixed", "asian", "black", "other")
#: NHS ethnic category code -> broad group.
ETHNIC_GROUP_OF: dict[str, str] = {
    **dict.fromkeys("ABC", "white"),
    **dict.fromkeys("DEFG", "mixed"),
    **dict.fromkeys("HJKL", "asian"),
    **dict.fromkeys("MNP", "black"),
    **dict.fromkeys("RS", "other"),
}
SOURCE_KINDS: tuple[str, ...] = (
    "gp_register",
    "acute",
    "community_health",
    "mental_health",
    "la_adult_social_care",
    "la_housing",
    "childrens_social_care",
)
ERROR_KINDS: tuple[str, ...] = (
    "nhs_missing",
    "nhs_invalid",
    "nhs_placeholder",
    "nhs_wrong_household",
    "nhs_mother",
    "nhs_wrong_other",
    "given_typo",
    "family_typo",
    "nickname",
    "transliteration",
    "surname_change",
    "name_swap",
    "middle_as_given",
    "surname_part",
    "parent_surname",
    "dob_day_month_swap",
    "dob_typo",
    "dob_default",
    "postcode_stale",
    "postcode_missing",
    "postcode_pseudo",
    "sex_unknown",
    "sex_miscoded",
    "ethnicity_not_stated",
    "duplicates",
)
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Multiplier = Annotated[float, Field(ge=0.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Differential(_Frozen):
    """Multipliers on a base rate by subgroup; a subgroup not named keeps multiplier 1."""

    ethnic_group: dict[Literal["white", "mixed", "asian", "black", "other"], Multiplier] = {}
    age_band: dict[Literal["0-17", "18-29", "30-49", "50-64", "65-79", "80+"], Multiplier] = {}
    imd_decile: dict[Annotated[int, Field(ge=1, le=10)], Multiplier] = {}
    sex: dict[Literal["male", "female"], Multiplier] = {}


class Rate(_Frozen):
    """A per-record probability, optionally different by subgroup (clipped to [0, 1])."""

    rate: Share
    by: Differential = Differential()


def _as_rate(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"rate": value}
    return value


class SourceErrors(_Frozen):
    """Error rates for one source. Rates are per record; those marked *eligible* apply
    only where the error is possible (e.g. a day–month swap needs a day ≤ 12)."""

    nhs_missing: Rate = Rate(rate=0.0)
    nhs_invalid: Rate = Rate(rate=0.0)
    nhs_placeholder: Rate = Rate(rate=0.0)
    nhs_wrong_household: Rate = Rate(rate=0.0)  # eligible: lives with someone
    nhs_mother: Rate = Rate(rate=0.0)  # eligible: a baby under 1 whose mother lives with it
    nhs_wrong_other: Rate = Rate(rate=0.0)  # another person's number keyed in error
    given_typo: Rate = Rate(rate=0.0)
    family_typo: Rate = Rate(rate=0.0)
    nickname: Rate = Rate(rate=0.0)  # eligible: given name has a known nickname
    transliteration: Rate = Rate(rate=0.0)  # eligible: a name has a known variant
    surname_change: Rate = Rate(rate=0.0)  # eligible: the person changed surname
    name_swap: Rate = Rate(rate=0.0)
    middle_as_given: Rate = Rate(rate=0.0)  # eligible: has a middle name
    surname_part: Rate = Rate(rate=0.0)  # eligible: a hyphenated surname
    parent_surname: Rate = Rate(rate=0.0)  # eligible: a child whose surname is not the head's
    dob_day_month_swap: Rate = Rate(rate=0.0)  # eligible: day <= 12 and day != month
    dob_typo: Rate = Rate(rate=0.0)
    dob_default: Rate = Rate(rate=0.0)
    postcode_stale: Rate = Rate(rate=0.0)  # eligible: the person moved in the history window
    postcode_missing: Rate = Rate(rate=0.0)
    postcode_pseudo: Rate = Rate(rate=0.0)
    sex_unknown: Rate = Rate(rate=0.0)
    sex_miscoded: Rate = Rate(rate=0.0)
    ethnicity_not_stated: Rate = Rate(rate=0.0)
    duplicates: Rate = Rate(rate=0.0)

    @model_validator(mode="before")
    @classmethod
    def _floats_are_rates(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _as_rate(v) for k, v in data.items()}
        return data


class Propensity(_Frozen):
    """A person-level error propensity shared by every field and every source: each person's
    error rates are all multiplied by one number, lognormal with spread ``sigma`` times the
    subgroup gradient ``by``, scaled to mean 1 over the population. Errors then cluster in
    the same people: P(two fields wrong) ≈ exp(sigma²) × the product of the single rates."""

    sigma: Annotated[float, Field(ge=0.0, le=3.0)] = 0.0
    by: Differential = Differential()


class Coverage(_Frozen):
    """Who appears in a source: a probability per person."""

    resident: Share
    out_of_area: Share = 0.0
    left_area: Share = 0.0  # people who moved out of the area but are still on the books
    deceased: Multiplier = 1.0  # multiplier for people who died in the year before the extract
    by: Differential = Differential()


class FormatOverride(_Frozen):
    """Override parts of the source system's raw format (used by lessons)."""

    date_format: str | None = None
    nhs_style: Literal["plain", "spaced", "dashed"] | None = None
    postcode_style: Literal["spaced", "compact", "compact_lower"] | None = None
    name_case: Literal["upper", "title", "lower"] | None = None


class SourceConfig(_Frozen):
    kind: str | None = None  # the system this source is; defaults to the source's name
    coverage: Coverage
    #: A stale address (``errors.postcode_stale``) is the one held this long (mean, years,
    #: exponential) before the person's latest move: 0 gives the address just before it.
    address_lag_years: Annotated[float, Field(ge=0.0, le=20.0)] = 0.0
    errors: SourceErrors = SourceErrors()
    format: FormatOverride = FormatOverride()

    def system(self, name: str) -> str:
        return self.kind or name


class World(_Frozen):
    """The population and its life events."""

    #: Errors cluster in people and vary by deprivation, ethnic group and age (every kind).
    error_propensity: Propensity = Propensity()

    boroughs: list[Literal["camden", "islington", "haringey", "barnet", "enfield"]] = ["camden"]
    #: NHS ethnic category mix; default: London, 2021 Census (ONS), rounded.
    ethnic_mix: dict[str, Multiplier] = {
        "A": 36.8, "B": 1.8, "C": 14.7, "D": 1.5, "E": 0.9, "F": 1.5, "G": 1.9, "H": 7.5,
        "J": 3.3, "K": 3.7, "L": 4.6, "M": 3.9, "N": 7.9, "P": 1.6, "R": 1.7, "S": 6.3,
    }
    out_of_area_share: Share = 0.10
    #: Share of households who left the area in the last few years (now out of area); a
    #: source keeps them with probability ``coverage.left_area`` (GP list inflation).
    left_area_share: Share = 0.0
    #: They left up to this many years before the extract (uniform).
    left_area_years: Annotated[float, Field(gt=0.0, le=20.0)] = 5.0
    twin_rate: Share = 0.015  # share of maternities that are twins (ONS births)
    household_size: dict[Annotated[int, Field(ge=1, le=8)], Multiplier] = {
        1: 0.32, 2: 0.30, 3: 0.15, 4: 0.13, 5: 0.06, 6: 0.04,
    }
    moved_last_year: dict[str, Share] = {
        "0-17": 0.10, "18-29": 0.25, "30-49": 0.12, "50-64": 0.06, "65-79": 0.04, "80+": 0.04,
    }
    #: Years of address history: each person's moves in this window follow a Poisson
    #: process at the yearly rate ``moved_last_year`` implies (× ``move_by``).
    address_history_years: Annotated[float, Field(gt=0.0, le=20.0)] = 5.0
    move_by: Differential = Differential()
    surname_change: dict[Literal["male", "female"], Share] = {"female": 0.057, "male": 0.013}
    middle_name_share: Share = 0.0  # people with a middle name
    compound_surname_share: Share = 0.0  # households with a hyphenated surname
    child_other_surname: Share = 0.0  # children whose surname is not the household head's
    died_last_year: dict[str, Share] = {
        "0-17": 0.0002, "18-29": 0.0005, "30-49": 0.001, "50-64": 0.004, "65-79": 0.015,
        "80+": 0.08,
    }

    @field_validator("ethnic_mix")
    @classmethod
    def _codes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(ETHNIC_GROUP_OF))
        if unknown:
            raise ValueError(f"unknown ethnic category code(s) {unknown}; use A-S (not Z)")
        if sum(value.values()) <= 0:
            raise ValueError("give at least one category a positive share")
        return value

    @model_validator(mode="after")
    def _shares(self) -> World:
        if self.out_of_area_share + self.left_area_share > 1:
            raise ValueError("out_of_area_share + left_area_share must be at most 1")
        return self

    @field_validator("moved_last_year", "died_last_year")
    @classmethod
    def _bands(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(AGE_BANDS))
        if unknown:
            raise ValueError(f"unknown age band(s) {unknown}; use {list(AGE_BANDS)}")
        return value


class Scenario(_Frozen):
    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    population: Annotated[int, Field(ge=10, le=MAX_TEST_RANGE_PEOPLE)]
    extract_date: dt.date = dt.date(2026, 3, 31)
    #: Multiplies every source's error rates (0 gives clean extracts; coverage unchanged).
    error_scale: Annotated[float, Field(ge=0.0)] = 1.0
    world: World = World()
    sources: dict[str, SourceConfig]

    @model_validator(mode="after")
    def _known_systems(self) -> Scenario:
        bad = [n for n, s in self.sources.items() if s.system(n) not in SOURCE_KINDS]
        if bad:
            raise ValueError(
                f"unknown source kind for {', '.join(bad)}; name the source after, or set "
                f"`kind:` to, one of {', '.join(SOURCE_KINDS)}"
            )
        if not self.sources:
            raise ValueError("declare at least one source")
        return self

    def config_hash(self) -> str:
        """A short, stable hash of the resolved configuration (seed and size included)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


# --- loading ---------------------------------------------------------------------------


def scenarios_dir() -> Path:
    """Where the built-in scenarios live: in the wheel, or ``configs/scenarios`` in a checkout."""
    packaged = Path(str(resources.files("linkready"))) / "scenarios"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "configs" / "scenarios"


def list_scenarios() -> dict[str, str]:
    """Built-in scenario names and their one-line descriptions."""
    out = {}
    for path in sorted(scenarios_dir().glob("*.yaml")):
        data = read_yaml(path)
        out[path.stem] = str(data.get("description", "")).strip().splitlines()[0:1]
    return {k: (v[0] if v else "") for k, v in out.items()}


def resolve_scenario_path(ref: str | Path) -> Path:
    """A scenario name (``default``) or a path to a YAML file."""
    ref_path = Path(ref)
    if ref_path.suffix in {".yaml", ".yml"}:
        if not ref_path.is_file():
            raise ConfigError(f"{ref_path}: scenario file not found; check the path")
        return ref_path
    candidate = scenarios_dir() / f"{ref}.yaml"
    if not candidate.is_file():
        names = ", ".join(list_scenarios())
        raise ConfigError(f"scenario `{ref}` not found; use one of {names} or a path to a .yaml")
    return candidate


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge ``override`` into ``base`` (mappings merge, anything else replaces)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_raw(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.resolve() in seen:
        raise ConfigError(f"{path}: extends: a cycle of scenarios; remove one `extends`")
    data = read_yaml(path)
    if file_kind(data) == "project":
        raise ConfigError(f"{path}: a project file (your extracts), not a scenario; give it "
                          "to `linkready assess` (generate takes a scenario: see "
                          "`linkready generate --list`)")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: extends: expected a scenario name or path")
    parent_path = Path(parent)
    if parent_path.suffix in {".yaml", ".yml"} and not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    try:
        parent_file = resolve_scenario_path(parent_path if parent_path.suffix else parent)
    except ConfigError as exc:  # say which file's `extends` names it
        raise ConfigError(f"{path}: extends: {exc}") from None
    base = _load_raw(parent_file, (*seen, path.resolve()))
    base.pop("description", None)
    return deep_merge(base, data)


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``a.b.c`` set to ``value`` (creating mappings on the way)."""
    head, _, rest = dotted.partition(".")
    out = dict(data)
    if not rest:
        out[head] = value
        return out
    child = out.get(head)
    out[head] = set_dotted(child if isinstance(child, dict) else {}, rest, value)
    return out


def load_scenario(
    ref: str | Path,
    *,
    population: int | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    option: str | None = None,
    option_keys: Iterable[str] | None = None,
) -> Scenario:
    """Load a scenario by name or path, apply overrides, validate everything at once.

    With ``option`` (``--vary``, ``--set``), a problem caused by an override (of
    ``option_keys``, default every override) is reported against that option and key,
    not against the scenario file: a typo in ``--vary`` is the command line's.
    """
    path = resolve_scenario_path(ref)
    data = _load_raw(path)
    if population is not None:
        data["population"] = population
    if seed is not None:
        data["seed"] = seed
    base = data
    for key, value in (overrides or {}).items():
        data = set_dotted(data, key, value)
    data.setdefault("name", path.stem)
    if option and overrides:
        keys = list(overrides if option_keys is None else option_keys)
        try:
            return Scenario.model_validate(data)
        except ValidationError as exc:
            problems = override_problems(exc, base, {k: overrides[k] for k in keys}, option)
        if problems:
            raise ConfigError(f"{option}: {len(problems)} problem(s)", problems)
    return validate(Scenario, data, path, "the scenario")


def _model_keys(parts: list[str]) -> list[str]:
    """The keys a scenario accepts under the dotted path ``parts`` (empty if unknown)."""
    tp: Any = Scenario
    for part in [*parts, None]:
        while get_origin(tp) in (Union, UnionType, Annotated):
            args = [a for a in get_args(tp) if a is not type(None)]
            tp = args[0]
        if part is None:
            break
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = tp.model_fields.get(part)
            if found is None:
                return []
            tp = found.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        else:
            return []
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _existing_depth(data: Any, parts: list[str]) -> int:
    """How many leading parts of a dotted key already exist in ``data``."""
    depth = 0
    for part in parts:
        if not isinstance(data, dict):
            break
        match = next((k for k in data if str(k) == part), None)
        if match is None:
            break
        data, depth = data[match], depth + 1
    return depth


def override_problems(exc: ValidationError, base: dict[str, Any], overrides: dict[str, Any],
                      option: str) -> list[str]:
    """One line per override that caused a validation error, naming ``option``, the key
    and the fix (the keys accepted where a key is unknown); [] if none did."""
    from linkready._config import _fix_for

    lines: list[str] = []
    for key, value in overrides.items():
        parts = key.split(".")
        depth = _existing_depth(base, parts)
        prefix = parts[:depth + 1]
        errs = [e for e in exc.errors()
                if [str(p) for p in e["loc"]][:len(prefix)] == prefix]
        if not errs:
            continue
        unknown = next((e for e in errs if e["type"] == "extra_forbidden"), None)
        if unknown is not None or any(e["type"] == "missing" for e in errs):
            bad = (".".join(str(p) for p in unknown["loc"]) if unknown is not None
                   else ".".join(prefix))
            parent = bad.split(".")[:-1]
            known = sorted(set(_model_keys(parent)) | set(
                _dig(base, parent).keys() if isinstance(_dig(base, parent), dict) else ()),
                key=str)
            where = ".".join(parent) or "the top level"
            name = bad.split(".")[-1]
            close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
            hint = (f"did you mean `{close[0]}`?" if close else
                    f"keys under {where}: {', '.join(map(str, known[:12]))}"
                    + (" …" if len(known) > 12 else "") if known else "check its spelling")
            lines.append(f"{option} {key}: `{name}` is not a scenario key under {where}; "
                         f"{hint}")
        else:
            e = errs[0]
            lines.append(f"{option} {key}={value}: {e['msg']}; {_fix_for(e['type'])}")
    return lines


def _dig(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(data, dict):
            return None
        data = next((v for k, v in data.items() if str(k) == part), None)
    return data
