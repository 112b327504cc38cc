"""A second opinion: pyxform's own XLSForm -> XForm conversion (validate=False), as ODK tools see it.

Its errors and warnings become INSTRUMENT-015/016 problems with the row pyxform names.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from warnings import catch_warnings, simplefilter

from pyxform import xls2xform
from pyxform.errors import PyXFormError

from helpseek.problems import Location, Problem, problem

from .export import to_xlsx_bytes
from .read import Sheets

_ROW_PREFIX = re.compile(r"^\[row\s*:\s*(\d+)\]\s*")
_NAMED = re.compile(r"named '([^']+)'")


def pyxform_problems(sheets: Sheets, path: Path | None) -> list[Problem]:
    """Convert with pyxform; the file itself when given, else the sheets written as .xlsx."""
    warnings: list[str] = []
    try:
        with catch_warnings():
            simplefilter("ignore")  # openpyxl's notes on dropped spreadsheet features
            _convert(sheets, path, warnings)
    except PyXFormError as error:
        return [_problem("INSTRUMENT-015", str(error), sheets, error.context)]
    # pyxform fails in many ways on forms it does not expect (KeyError, TypeError...); those are
    # still refusals of this form, not bugs of ours.
    except Exception as error:  # noqa: BLE001
        reason = f"{type(error).__name__}: {error}".strip()
        return [_problem("INSTRUMENT-015", reason, sheets, {})]
    return [_problem("INSTRUMENT-016", w, sheets, {}, "warning") for w in warnings]


def _convert(sheets: Sheets, path: Path | None, warnings: list[str]) -> None:
    if path is not None:
        xls2xform.convert(xlsform=str(path), warnings=warnings, validate=False)
    else:
        data = io.BytesIO(to_xlsx_bytes(sheets))
        xls2xform.convert(
            xlsform=data, warnings=warnings, validate=False, file_type=".xlsx", form_name="data"
        )


def _named_row(text: str, sheets: Sheets) -> int | None:
    """pyxform sometimes names the element instead of the row ("element named 'a'")."""
    named = _NAMED.search(text)
    if not named:
        return None
    return next((r.number for r in sheets.survey if r.get("name") == named.group(1)), None)


def _problem(
    code: str,
    text: str,
    sheets: Sheets,
    context: dict[str, object],
    severity: str = "error",
) -> Problem:
    file = sheets.file
    first = " ".join(text.split())
    match = _ROW_PREFIX.match(first)
    row = int(match.group(1)) if match else context.get("row") or _named_row(first, sheets)
    reason = _ROW_PREFIX.sub("", first).rstrip(".")
    where = Location(
        file,
        str(context.get("sheet") or "survey") if row else None,
        row if isinstance(row, int) else None,
        str(context["column"]) if context.get("column") else None,
    )
    return problem(code, where, "warning" if severity == "warning" else "error", reason=reason)
