"""The codebook next to every export: `<stem>.codebook.json` (read back by read_table) and `.md`.

Per variable: name (and the name used in .sav/.dta when it had to change: data/names.py), label,
type, storage, choices (code, name, label), relevance, and the missing codes. `read_table` maps the
recorded file names back to the original ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .dataset import MISSING_CODES, STATA_MISSING, ChoiceCode, Dataset, Variable

SCHEMA = "helpseek.codebook/1"


def codebook_paths(data_path: Path) -> tuple[Path, Path]:
    """(json, markdown) paths of the codebook for a data file: data.sav -> data.codebook.json."""
    stem = data_path.with_suffix("")
    return stem.with_name(stem.name + ".codebook.json"), stem.with_name(stem.name + ".codebook.md")


def to_codebook(dataset: Dataset) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "language": dataset.language,
        "instruments": [{"form_id": f, "version": v} for f, v in dataset.instruments],
        "withdrawn": dataset.withdrawn,
        "missing_codes": {str(code): label for code, label in MISSING_CODES.items()},
        "stata_missing": {str(code): f".{letter}" for code, letter in STATA_MISSING.items()},
        "variables": [_variable(v) for v in dataset.variables],
    }


def _variable(variable: Variable) -> dict[str, Any]:
    return {
        "name": variable.name,
        "spss_name": variable.spss_name,
        "stata_name": variable.stata_name,
        "label": variable.label,
        "type": variable.kind,
        "storage": variable.storage,
        "question": variable.question,
        "choices": [{"code": c.code, "name": c.name, "label": c.label} for c in variable.choices],
        "relevance": variable.relevance,
        "missing_codes": sorted(MISSING_CODES) if variable.has_missing_codes else [],
    }


def withdrawn_of(data_path: Path) -> int | None:
    """How many withdrawn responses the export of `data_path` left out, from its codebook; None
    when there is no codebook, or it predates withdrawals (issue 14)."""
    json_path = codebook_paths(Path(data_path))[0]
    try:
        value = json.loads(json_path.read_text(encoding="utf-8")).get("withdrawn")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _withdrawn_text(book: dict[str, Any]) -> str:
    value = book.get("withdrawn")
    return "not known" if not isinstance(value, int) or isinstance(value, bool) else str(value)


def from_codebook(data: dict[str, Any]) -> list[Variable]:
    """The variables described by a codebook dict (raises KeyError/TypeError when malformed)."""
    if data.get("schema") != SCHEMA:
        raise ValueError(f"codebook schema is {data.get('schema')!r}, expected {SCHEMA!r}")
    return [
        Variable(
            name=v["name"],
            label=v["label"],
            kind=v["type"],
            storage=v["storage"],
            question=v["question"],
            choices=tuple(ChoiceCode(c["code"], c["name"], c["label"]) for c in v["choices"]),
            relevance=v["relevance"],
            has_missing_codes=bool(v["missing_codes"]),
            stata_name=v.get("stata_name") or v["name"],
            spss_name=v.get("spss_name") or v["name"],
        )
        for v in data["variables"]
    ]


def write_codebook(dataset: Dataset, data_path: Path) -> tuple[Path, Path]:
    """Write both codebook files next to `data_path` (atomically); returns their paths."""
    json_path, md_path = codebook_paths(data_path)
    book = to_codebook(dataset)
    _write_atomic(json_path, json.dumps(book, ensure_ascii=False, indent=2) + "\n")
    _write_atomic(md_path, to_markdown(book))
    return json_path, md_path


def to_markdown(book: dict[str, Any]) -> str:
    """A readable codebook: one section per variable."""
    forms = ", ".join(f"{i['form_id']} {i['version']}" for i in book["instruments"])
    lines = [
        "# Codebook",
        "",
        f"Questionnaires: {forms}. Labels in: {book['language']}.",
        "",
        f"Responses withdrawn by their respondents and left out: {_withdrawn_text(book)}.",
        "",
        "Missing codes in .sav (SPSS user-missing) and .dta (Stata extended missing):",
        "",
    ]
    for code, label in book["missing_codes"].items():
        lines.append(f"- `{code}` (Stata `{book['stata_missing'][code]}`): {label}")
    lines += ["", "In .csv and .parquet both are empty; the `unanswered` column lists the"]
    lines += ["questions that were shown but not answered.", ""]
    for v in book["variables"]:
        lines += [f"## `{v['name']}`", "", v["label"], ""]
        lines.append(f"- type: {v['type']} (stored as {v['storage']})")
        if v["spss_name"] != v["name"] or v["stata_name"] != v["name"]:
            lines.append(f"- name in .sav: `{v['spss_name']}`; in .dta: `{v['stata_name']}`")
        if v["relevance"]:
            lines.append(f"- shown when: `{v['relevance']}`")
        if v["missing_codes"]:
            lines.append(f"- missing codes: {', '.join(str(c) for c in v['missing_codes'])}")
        if v["choices"]:
            lines += ["", "| code | name | label |", "| --- | --- | --- |"]
            lines += [
                f"| {c['code']} | `{c['name']}` | {_cell(c['label'])} |" for c in v["choices"]
            ]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
