"""Read results.json (helpseek.results/1) and funnel.json (helpseek.funnel/1) and check their shape.

Every problem found is collected and raised once as an InputError naming the file and the field, so a
damaged or foreign file never reaches the templates as a traceback.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpseek.problems import InputError, Location, Problem, problem

RESULTS_SCHEMA = "helpseek.results/1"
FUNNEL_SCHEMA = "helpseek.funnel/1"

_NUMBER = (int, float)
_OPTIONAL_NUMBER = (int, float, type(None))
_OPTIONAL_STR = (str, type(None))

#: The fields issue 4 fixes for results.json; more fields are allowed and shown when known.
_FLOW_FIELDS = {"step": (str,), "n": (int,)}
_PREVALENCE_FIELDS = {
    "outcome": (str,),
    "n": (int,),
    "denominator": (int,),
    "proportion": _OPTIONAL_NUMBER,
    "ci_low": _OPTIONAL_NUMBER,
    "ci_high": _OPTIONAL_NUMBER,
    "method": (str,),
}
_MODEL_FIELDS = {
    "outcome": (str,),
    "kind": (str,),
    "method": (str,),
    "n": (int,),
    "events": (int,),
    "terms": (list,),
    "diagnostics": (dict, type(None)),
}
_TERM_FIELDS = {
    "variable": (str,),
    "level": _OPTIONAL_STR,
    "reference": _OPTIONAL_STR,
    "estimate": _OPTIONAL_NUMBER,
    "se": _OPTIONAL_NUMBER,
    "or": _OPTIONAL_NUMBER,
    "ci_low": _OPTIONAL_NUMBER,
    "ci_high": _OPTIONAL_NUMBER,
    "p": _OPTIONAL_NUMBER,
}
_TYPE_WORDS = {
    str: "text",
    int: "a whole number",
    float: "a number",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


@dataclass(frozen=True)
class LoadedFile:
    """One JSON input of the report, with the SHA-256 of its bytes for the reproducibility footer."""

    path: Path
    sha256: str
    content: Mapping[str, Any]


def load_results(path: Path) -> LoadedFile:
    """Read `path` (a results folder or its results.json) and check it against helpseek.results/1."""
    loaded = _read_json(_resolve(path, "results.json", "helpseek analyze --out DIR"))
    _name_infinities(loaded.content)
    problems = _check_schema(loaded, RESULTS_SCHEMA)
    if not problems:
        problems = _check_results(loaded)
    if problems:
        raise InputError(problems)
    return loaded


def load_funnel(path: Path) -> LoadedFile:
    """Read `path` (an invite stats folder or its funnel.json) and check its schema."""
    loaded = _read_json(_resolve(path, "funnel.json", "helpseek invite stats --out DIR"))
    problems = _check_schema(loaded, FUNNEL_SCHEMA)
    if problems:
        raise InputError(problems)
    return loaded


#: JSON has no infinity: the analysis writes an infinite OR or bound as the text "Infinity".
_INFINITIES = {"Infinity": float("inf"), "-Infinity": float("-inf")}


def _name_infinities(content: Any) -> None:
    """Turn "Infinity"/"-Infinity" in model terms back into floats (in place, before checking)."""
    models = content.get("models") if isinstance(content, dict) else None
    for model in models if isinstance(models, list) else []:
        if not isinstance(model, dict):
            continue
        terms = model.get("terms")
        for term in [*(terms if isinstance(terms, list) else []), model.get("intercept")]:
            if isinstance(term, dict):
                for key, value in term.items():
                    if isinstance(value, str) and value in _INFINITIES:
                        term[key] = _INFINITIES[value]


def _resolve(path: Path, file_name: str, command: str) -> Path:
    if path.is_dir():
        candidate = path / file_name
        if not candidate.is_file():
            raise InputError(
                [
                    problem(
                        "REPORT-001",
                        Location(str(path)),
                        folder=path,
                        file=file_name,
                        command=command,
                    )
                ]
            )
        return candidate
    if not path.exists():
        raise InputError([problem("CLI-001", Location(str(path)), path=path)])
    return path


def _read_json(path: Path) -> LoadedFile:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(
            [problem("CLI-002", Location(str(path)), path=path, reason=error.strerror)]
        ) from None
    try:
        content = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(
            [problem("REPORT-002", Location(str(path)), reason="it is not UTF-8 text")]
        ) from None
    except json.JSONDecodeError as error:
        reason = f"{error.msg} at line {error.lineno}, column {error.colno}"
        raise InputError([problem("REPORT-002", Location(str(path)), reason=reason)]) from None
    if not isinstance(content, dict):
        raise InputError(
            [problem("REPORT-002", Location(str(path)), reason="the top level is not an object")]
        )
    return LoadedFile(path, hashlib.sha256(raw).hexdigest(), content)


def _check_schema(loaded: LoadedFile, expected: str) -> list[Problem]:
    found = loaded.content.get("schema")
    if found == expected:
        return []
    return [problem("REPORT-003", Location(str(loaded.path)), found=found, expected=expected)]


def _check_results(loaded: LoadedFile) -> list[Problem]:
    where = Location(str(loaded.path))
    content = loaded.content
    problems: list[Problem] = []
    sections: dict[str, Mapping[str, tuple[type, ...]]] = {
        "flow": _FLOW_FIELDS,
        "prevalence": _PREVALENCE_FIELDS,
        "models": _MODEL_FIELDS,
    }
    for section, fields in sections.items():
        records = content.get(section)
        if not isinstance(records, list):
            problems.append(_field_problem(where, section, (list,)))
            continue
        for index, record in enumerate(records):
            problems += _check_record(where, f"{section}[{index}]", record, fields)
            if section == "models" and isinstance(record, dict):
                problems += _check_model(where, index, record)
    return problems


def _check_model(where: Location, index: int, model: Mapping[str, Any]) -> list[Problem]:
    problems = []
    kind = model.get("kind")
    if isinstance(kind, str) and kind not in ("univariable", "multivariable"):
        problems.append(
            problem(
                "REPORT-005",
                where,
                field=f"models[{index}].kind",
                found=kind,
                allowed='"univariable" or "multivariable"',
            )
        )
    terms = model.get("terms")
    for t_index, term in enumerate(terms if isinstance(terms, list) else []):
        problems += _check_record(where, f"models[{index}].terms[{t_index}]", term, _TERM_FIELDS)
    return problems


def _check_record(
    where: Location, name: str, record: object, fields: Mapping[str, tuple[type, ...]]
) -> list[Problem]:
    if not isinstance(record, dict):
        return [_field_problem(where, name, (dict,))]
    problems = []
    for key, types in fields.items():
        value = record.get(key, _ABSENT)
        # bool is an int in Python, but true/false is never a count or a statistic here.
        if value is _ABSENT or isinstance(value, bool) or not isinstance(value, types):
            if types == (int,) and isinstance(value, float) and value.is_integer():
                continue
            problems.append(_field_problem(where, f"{name}.{key}", types))
    return problems


_ABSENT = object()


def _field_problem(where: Location, field: str, types: tuple[type, ...]) -> Problem:
    shown = [t for t in types if not (t is int and float in types)]  # "a number" covers both
    expected = " or ".join(_TYPE_WORDS.get(t, t.__name__) for t in shown)
    return problem("REPORT-004", where, field=field, expected=expected)
