"""The bundled YAML form -> the same sheet rows an XLSForm spreadsheet gives.

Translated values are mappings code -> text and become XLSForm columns `label::English (en)`.
Rows are numbered as in the exported .xlsx (header = row 1), so problems point at the same place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from helpseek.problems import InputError, Location, Problem, problem

from .read import MAX_FORM_BYTES, Row, Sheets

SETTINGS_COLUMNS = ("form_id", "version", "form_title", "default_language")
# libyaml's safe loader when PyYAML has it (3-4x faster on the bundled forms); same safe subset.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOP_LEVEL = ("settings", "survey", "choices", "help", "checks")


def read_yaml_form(path: Path, *, file: str | None = None) -> Sheets:
    """Read a bundled YAML form; raises InputError naming every structural problem."""
    name = file or str(path)
    if not path.is_file():
        raise InputError([problem("CLI-001", Location(name), path=name)])
    if path.stat().st_size > MAX_FORM_BYTES:
        reason = f"it is larger than {MAX_FORM_BYTES // (1024 * 1024)} MB"
        raise InputError([problem("INSTRUMENT-001", Location(name), path=name, reason=reason)])
    return yaml_to_sheets(path.read_bytes(), name)


def yaml_to_sheets(data: bytes | str, file: str) -> Sheets:
    """YAML text -> Sheets (see module docstring); raises InputError on any structural problem."""
    try:
        document = yaml.load(data, Loader=_SAFE_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        where = Location(file, row=mark.line + 1 if mark else None)
        reason = str(getattr(error, "problem", None) or error).splitlines()[0]
        raise InputError([problem("INSTRUMENT-001", where, path=file, reason=reason)]) from None
    problems: list[Problem] = []
    if not isinstance(document, Mapping):
        raise InputError(
            [
                _shape(
                    file,
                    None,
                    None,
                    "the top level must be a mapping with settings, survey and choices",
                )
            ]
        )
    for key in document:
        if key not in _TOP_LEVEL:
            problems.append(
                _shape(
                    file,
                    None,
                    None,
                    f'unknown top-level key "{key}" (expected one of {", ".join(_TOP_LEVEL)})',
                )
            )
    settings = document.get("settings") or {}
    if not isinstance(settings, Mapping):
        problems.append(_shape(file, "settings", None, "settings must be a mapping"))
        settings = {}
    languages = _languages(settings, file, problems)
    builder = _Columns(languages, file, problems)
    sheets = Sheets(
        file=file,
        settings=(Row(2, _settings_cells(settings, builder)),),
        survey=_rows(document.get("survey"), "survey", builder),
        choices=_choice_rows(document.get("choices"), builder),
        help=_rows(document.get("help"), "help", builder),
        checks=_rows(document.get("checks"), "checks", builder),
        sheet_names=tuple(k for k in _TOP_LEVEL if k in document),
    )
    if problems:
        raise InputError(problems)
    return _with_headers(sheets, tuple(languages))


def _shape(
    file: str, sheet: str | None, row: int | None, what: str, column: str | None = None
) -> Problem:
    return problem("INSTRUMENT-018", Location(file, sheet, row, column), what=what)


def _languages(settings: Mapping[str, Any], file: str, problems: list[Problem]) -> dict[str, str]:
    """code -> name; the order is the language picker's order."""
    declared = settings.get("languages") or {}
    if not isinstance(declared, Mapping):
        problems.append(
            _shape(file, "settings", 2, "languages must map codes to {name: ...}", "languages")
        )
        return {}
    languages = {}
    for code, spec in declared.items():
        name = spec.get("name") if isinstance(spec, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            problems.append(
                _shape(
                    file,
                    "settings",
                    2,
                    f'language "{code}" needs a name, e.g. {code}: {{name: English}}',
                    "languages",
                )
            )
            continue
        languages[str(code)] = name.strip()
    return languages


class _Columns:
    """Turns one YAML mapping into XLSForm cells, collecting problems with their locations."""

    def __init__(self, languages: dict[str, str], file: str, problems: list[Problem]):
        self.languages, self.file, self.problems = languages, file, problems

    def column(self, base: str, code: str) -> str:
        return f"{base}::{self.languages.get(code, code)} ({code})"

    def cells(self, item: Any, sheet: str, row: int, skip: tuple[str, ...] = ()) -> dict[str, str]:
        if not isinstance(item, Mapping):
            self.problems.append(
                _shape(self.file, sheet, row, "each row must be a mapping of column: value")
            )
            return {}
        cells: dict[str, str] = {}
        for key, value in item.items():
            key = str(key)
            if key in skip or value is None:
                continue
            if isinstance(value, Mapping):
                self._translated(cells, key, value, sheet, row)
            elif isinstance(value, list | tuple):
                self.problems.append(
                    _shape(
                        self.file,
                        sheet,
                        row,
                        f'"{key}" must be text or a mapping language code -> text',
                        key,
                    )
                )
            else:
                cells[key] = _text(value)
        return cells

    def _translated(
        self, cells: dict[str, str], key: str, value: Mapping[Any, Any], sheet: str, row: int
    ) -> None:
        for code, text in value.items():
            code = str(code)
            if code not in self.languages:
                self.problems.append(
                    _shape(
                        self.file,
                        sheet,
                        row,
                        f'language "{code}" in "{key}" is not declared under settings.languages',
                        key,
                    )
                )
                continue
            if text is not None and _text(text):
                cells[self.column(key, code)] = _text(text)


def _text(value: Any) -> str:
    # YAML 1.1 reads unquoted yes/true as booleans; XLSForm wants text such as "true".
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _settings_cells(settings: Mapping[str, Any], builder: _Columns) -> dict[str, str]:
    cells = builder.cells(
        {k: v for k, v in settings.items() if k in SETTINGS_COLUMNS},
        "settings",
        2,
        skip=("default_language", "form_title"),
    )
    default = settings.get("default_language")
    if default is not None:
        code = str(default)
        cells["default_language"] = f"{builder.languages.get(code, code)} ({code})"
    cells.update(_title_cells(settings.get("form_title"), str(default or ""), builder))
    declared = settings.get("languages") or {}
    if isinstance(declared, Mapping):
        for flag, attribute in (("machine_translated", "machine_translated"), ("rtl", "rtl")):
            codes = [
                str(c)
                for c, spec in declared.items()
                if isinstance(spec, Mapping) and spec.get(attribute)
            ]
            if codes:
                cells[flag] = " ".join(codes)
        # `de: {name: Deutsch, reviewed: 2026-11-30}` -> settings column reviewed "de=2026-11-30"
        reviewed = [
            f"{code}={spec['reviewed']}"
            for code, spec in declared.items()
            if isinstance(spec, Mapping) and spec.get("reviewed")
        ]
        if reviewed:
            cells["reviewed"] = " ".join(reviewed)
    for key in settings:
        if key not in (*SETTINGS_COLUMNS, "languages"):
            builder.problems.append(
                _shape(builder.file, "settings", 2, f'unknown setting "{key}"', str(key))
            )
    return cells


def _title_cells(title: Any, default: str, builder: _Columns) -> dict[str, str]:
    """pyxform refuses `form_title::...` columns, so the spreadsheet form has `form_title` (the
    default language) and `form_title_<code>` for the others."""
    if title is None:
        return {}
    if not isinstance(title, Mapping):
        return {"form_title": _text(title)}
    cells = {}
    for code, text in title.items():
        code = str(code)
        if code not in builder.languages:
            builder.problems.append(
                _shape(
                    builder.file,
                    "settings",
                    2,
                    f'language "{code}" in "form_title" is not declared under settings.languages',
                    "form_title",
                )
            )
        elif text is not None and _text(text):
            cells["form_title" if code == default else f"form_title_{code}"] = _text(text)
    return cells


def _rows(items: Any, sheet: str, builder: _Columns) -> tuple[Row, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        builder.problems.append(
            _shape(builder.file, sheet, None, f"{sheet} must be a list of rows")
        )
        return ()
    return tuple(Row(i + 2, builder.cells(item, sheet, i + 2)) for i, item in enumerate(items))


def _choice_rows(lists: Any, builder: _Columns) -> tuple[Row, ...]:
    if lists is None:
        return ()
    if not isinstance(lists, Mapping):
        builder.problems.append(
            _shape(builder.file, "choices", None, "choices must map list names to lists of choices")
        )
        return ()
    rows: list[Row] = []
    for list_name, choices in lists.items():
        if not isinstance(choices, list):
            builder.problems.append(
                _shape(
                    builder.file,
                    "choices",
                    len(rows) + 2,
                    f'choice list "{list_name}" must be a list',
                )
            )
            continue
        for choice in choices:
            number = len(rows) + 2
            cells = builder.cells(choice, "choices", number)
            rows.append(Row(number, {"list_name": str(list_name), **cells}))
    return tuple(rows)


def _with_headers(sheets: Sheets, order: tuple[str, ...]) -> Sheets:
    """Headers in first-use order, with each column's translations in the declared language order."""
    rank = {code: i for i, code in enumerate(order)}
    headers = {}
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        columns: dict[str, None] = {}
        for row in sheets.rows(sheet):
            columns.update(dict.fromkeys(row.cells))
        bases = list(dict.fromkeys(c.split("::")[0] for c in columns))
        headers[sheet] = tuple(
            column
            for base in bases
            for column in sorted(
                (c for c in columns if c.split("::")[0] == base),
                key=lambda c: (c != base, rank.get(c.rsplit("(", 1)[-1].rstrip(")"), len(rank))),
            )
        )
    return Sheets(
        sheets.file,
        sheets.survey,
        sheets.choices,
        sheets.settings,
        sheets.help,
        sheets.checks,
        sheets.sheet_names,
        headers,
    )
