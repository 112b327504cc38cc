"""Reading the analysis spec: YAML -> a frozen AnalysisSpec, with every problem reported at once.

Checks here need only the spec itself; checks against the data live in analysis/prepare.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from helpseek.analysis.filters import FilterError, as_text_scalar, compile_filter
from helpseek.analysis.spec_model import (
    CHOICES,
    ITEM_KEYS,
    OUTCOME_KEYS,
    PREDICTOR_KEYS,
    SCREENING_FLAGS,
    TOP_KEYS,
    AnalysisSpec,
    CompareSpec,
    GroupSpec,
    ItemSpec,
    OutcomeSpec,
    PredictorSpec,
)
from helpseek.problems import InputError, Location, Problem, near_miss, problem

__all__ = [
    "AnalysisSpec", "CompareSpec", "GroupSpec", "ItemSpec", "OutcomeSpec", "PredictorSpec",
    "bundled_specs", "load_spec", "resolve_spec", "spec_from_mapping",
]  # fmt: skip

SPECS_DIR = Path(__file__).resolve().parent / "specs"


class _SpecLoader(yaml.SafeLoader):
    """YAML with YAML 1.2 scalars: `yes`/`no`/`on`/`off` are text, and `13_17` or `1_5y` are text
    (YAML 1.1 would read `positive: [yes]` as true and `reference: 13_17` as the number 1317).
    """


_REPLACED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_SpecLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


def bundled_specs() -> dict[str, Path]:
    """Names and paths of the specs shipped with helpseek (`helpseek spec list`)."""
    return {p.stem: p for p in sorted(SPECS_DIR.glob("*.yaml"))}


def resolve_spec(name_or_path: str) -> Path:
    """A path for a bundled name ("help_seeking") or an existing file; InputError otherwise."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    bundled = bundled_specs()
    stem = name_or_path.removesuffix(".yaml")
    if stem in bundled and path.parent == Path("."):
        return bundled[stem]
    hint = near_miss(stem, bundled)
    raise InputError([problem("ANALYSIS-011", name=name_or_path, hint=hint)])


def load_spec(name_or_path: str | Path) -> AnalysisSpec:
    """Read and check a spec file (or a bundled spec by name); one InputError lists every problem."""
    path = resolve_spec(str(name_or_path))
    where = Location(file=str(path))
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SpecLoader)
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([problem("CLI-002", where, path=path, reason=error)]) from None
    except yaml.YAMLError as error:
        raise InputError(
            [problem("ANALYSIS-001", where, reason=str(error).replace("\n", " "))]
        ) from None
    return spec_from_mapping(raw if raw is not None else {}, source=str(path))


def spec_from_mapping(raw: object, source: str = "") -> AnalysisSpec:
    """Build an AnalysisSpec from parsed YAML (or a dict in tests); raise InputError with all problems."""
    where = Location(file=source or None)
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        raise InputError(
            [problem("ANALYSIS-004", where, field="(top level)", expected="a mapping")]
        )
    _unknown_keys(raw, TOP_KEYS, "the spec", where, problems)
    get = _Reader(raw, where, problems)
    spec = AnalysisSpec(
        title=str(raw.get("title", "Analysis")),
        include=get.filter("include"),
        include_label=get.optional_text("include_label", None) or "",
        screening=get.names("screening", SCREENING_FLAGS),
        screening_options=get.mapping("screening_options"),
        treat_as_missing=get.texts("treat_as_missing"),
        by=get.optional_text("by", "language"),
        outcomes=tuple(get.outcome(i, o) for i, o in enumerate(get.items("outcomes"))),
        predictors=tuple(get.predictor(i, p) for i, p in enumerate(get.items("predictors"))),
        models=get.names("models", CHOICES["models"], default=("univariable", "multivariable")),
        ci=get.choice("ci", "wald"),
        proportion_ci=get.choice("proportion_ci", "wilson"),
        missing=get.choice("missing", "complete"),
        imputations=get.count("imputations", 20),
        adjust_p=get.choice("adjust_p", "none"),
        firth=get.choice("firth", "auto"),
        describe=tuple(get.item("describe", i, d) for i, d in enumerate(get.items("describe"))),
        compare=get.compare(),
        source=source,
    )
    if spec.predictors and not spec.outcomes:
        problems.append(
            problem(
                "ANALYSIS-004",
                where,
                field="outcomes",
                expected="at least one outcome when predictors are given",
            )
        )
    if not (spec.outcomes or spec.describe or spec.compare):
        problems.append(
            problem(
                "ANALYSIS-004", where, field="outcomes", expected="outcomes, describe or compare"
            )
        )
    if problems:
        raise InputError(problems)
    return spec


def _unknown_keys(
    raw: Mapping[str, Any],
    known: Sequence[str],
    where_text: str,
    where: Location,
    out: list[Problem],
) -> None:
    for key in raw:
        if str(key) not in known:
            out.append(
                problem(
                    "ANALYSIS-002",
                    where,
                    key=key,
                    where=where_text,
                    hint=near_miss(str(key), known),
                    known=", ".join(known),
                )
            )


class _Reader:
    """Reads typed fields from the raw mapping, appending a Problem for each bad one."""

    def __init__(self, raw: Mapping[str, Any], where: Location, problems: list[Problem]):
        self.raw, self.where, self.problems = raw, where, problems

    def _bad(self, field_name: str, expected: str) -> None:
        self.problems.append(
            problem("ANALYSIS-004", self.where, field=field_name, expected=expected)
        )

    def choice(self, key: str, default: str) -> str:
        value = str(self.raw.get(key, default)).lower()
        if value not in CHOICES[key]:
            self.problems.append(
                problem(
                    "ANALYSIS-003",
                    self.where,
                    field=key,
                    value=self.raw[key],
                    allowed=", ".join(CHOICES[key]),
                )
            )
            return default
        return value

    def names(
        self, key: str, allowed: Sequence[str], default: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        values = self.texts(key, default)
        for value in values:
            if value not in allowed:
                self.problems.append(
                    problem(
                        "ANALYSIS-003",
                        self.where,
                        field=key,
                        value=value,
                        allowed=", ".join(allowed),
                    )
                )
        return tuple(v for v in values if v in allowed)

    def texts(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, list):
            self._bad(key, "a list of values")
            return default
        return tuple(as_text_scalar(v) for v in value)

    def optional_text(self, key: str, default: str | None) -> str | None:
        if key not in self.raw:
            return default
        value = self.raw[key]
        return None if value is None else str(value)

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.raw.get(key) or {}
        if not isinstance(value, Mapping):
            self._bad(key, "a mapping of option: value")
            return {}
        return dict(value)

    def count(self, key: str, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            self._bad(key, "a whole number of at least 2")
            return default
        return value

    def filter(self, key: str, value: object = None, field_name: str | None = None) -> str | None:
        value = self.raw.get(key) if value is None else value
        if value is None:
            return None
        try:
            compile_filter(str(value))
        except FilterError as error:
            self.problems.append(
                problem(
                    "ANALYSIS-008",
                    self.where,
                    field=field_name or key,
                    expression=value,
                    reason=error,
                )
            )
        return str(value)

    def items(self, key: str) -> list[Mapping[str, Any]]:
        value = self.raw.get(key) or []
        if not isinstance(value, list):
            self._bad(key, "a list")
            return []
        good = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, Mapping) or "name" not in item:
                self._bad(f"{key}[{i + 1}]", "a mapping with at least a name")
                continue
            good.append(item)
        return good

    def outcome(self, i: int, raw: Mapping[str, Any]) -> OutcomeSpec:
        where = f"outcomes[{i + 1}]"
        _unknown_keys(raw, OUTCOME_KEYS, where, self.where, self.problems)
        positive = _Reader(raw, self.where, self.problems).texts("positive")
        if not positive:
            self._bad(f"{where}.positive", 'the answer values that count as 1, e.g. ["yes"]')
        return OutcomeSpec(
            str(raw["name"]),
            positive,
            raw.get("absent_means_no") is True,
            str(raw.get("label", "")),
        )

    def predictor(self, i: int, raw: Mapping[str, Any]) -> PredictorSpec:
        where = f"predictors[{i + 1}]"
        _unknown_keys(raw, PREDICTOR_KEYS, where, self.where, self.problems)
        kind = str(raw.get("type", "categorical"))
        if kind not in CHOICES["predictor type"]:
            self.problems.append(
                problem(
                    "ANALYSIS-003",
                    self.where,
                    field=f"{where}.type",
                    value=kind,
                    allowed=", ".join(CHOICES["predictor type"]),
                )
            )
        reference = raw.get("reference")
        levels = _Reader(raw, self.where, self.problems).texts("levels")
        return PredictorSpec(
            str(raw["name"]),
            kind,
            None if reference is None else as_text_scalar(reference),
            levels,
            str(raw.get("label", "")),
        )

    def item(self, key: str, i: int, raw: Mapping[str, Any]) -> ItemSpec:
        _unknown_keys(raw, ITEM_KEYS, f"{key}[{i + 1}]", self.where, self.problems)
        kind = str(raw.get("type", "categorical"))
        if kind not in CHOICES["describe type"]:
            self.problems.append(
                problem(
                    "ANALYSIS-003",
                    self.where,
                    field=f"{key}[{i + 1}].type",
                    value=kind,
                    allowed=", ".join(CHOICES["describe type"]),
                )
            )
        return ItemSpec(str(raw["name"]), kind, str(raw.get("label", "")))

    def compare(self) -> CompareSpec | None:
        raw = self.raw.get("compare")
        if raw is None:
            return None
        if (
            not isinstance(raw, Mapping)
            or not isinstance(raw.get("groups"), list)
            or len(raw["groups"]) != 2
        ):
            self._bad(
                "compare.groups", "exactly two groups, each with a label and an include filter"
            )
            return None
        groups = []
        for i, group in enumerate(raw["groups"]):
            if not isinstance(group, Mapping) or "include" not in group:
                self._bad(f"compare.groups[{i + 1}]", "a mapping with label and include")
                return None
            self.filter("", str(group["include"]), f"compare.groups[{i + 1}].include")
            groups.append(
                GroupSpec(str(group.get("label", f"Group {i + 1}")), str(group["include"]))
            )
        reader = _Reader(raw, self.where, self.problems)
        items = tuple(self.item("compare.items", i, d) for i, d in enumerate(reader.items("items")))
        return CompareSpec((groups[0], groups[1]), items)
