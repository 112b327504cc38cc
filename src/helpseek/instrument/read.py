"""Form files -> sheet rows with their spreadsheet row numbers (header row = 1).

XLSForm `.xlsx`/`.xls`/`.csv`/`.md` go through pyxform's readers; our extra sheets (`help`,
`checks`), which pyxform skips, are read alongside. pyxform's .xlsx/.xls readers make every
no-break space a plain one (pyxform#83: Excel leaves them in type cells); text cells get theirs back
from the sheet as typed (French "Nom ?", "1.3 Household"). The bundled YAML form lives in
`yamlform.py`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyxform import xls2json_backends as backends

from helpseek.problems import InputError, Location, problem

from .headers import EXPRESSION_COLUMNS, canonical_headers, clean_cell, is_text_column

XLSFORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")
EXTRA_SHEETS = ("help", "checks")
PYXFORM_SHEETS = ("survey", "choices", "settings")
NBSP = "\u00a0"
_RUNS = re.compile(r"( )+")
NO = frozenset({"no", "false", "false()"})
# Random or hostile files must not exhaust memory before we even look at them.
MAX_FORM_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One sheet row: its number as the author sees it (header = 1) and its non-empty cells."""

    number: int
    cells: Mapping[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class Sheets:
    """The rows of every sheet helpseek reads, with the file name used in problem locations."""

    file: str
    survey: tuple[Row, ...] = ()
    choices: tuple[Row, ...] = ()
    settings: tuple[Row, ...] = ()
    help: tuple[Row, ...] = ()
    checks: tuple[Row, ...] = ()
    sheet_names: tuple[str, ...] = ()
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def rows(self, sheet: str) -> tuple[Row, ...]:
        rows: tuple[Row, ...] = getattr(self, sheet)
        return rows


def to_rows(
    dicts: Any, headers: Mapping[str, str] | None = None, *, collapse_spaces: bool = False
) -> tuple[Row, ...]:
    """pyxform row dicts (index i is sheet row i + 2) -> Rows with text cells only, under the
    canonical headers (headers.py); expression cells cleaned as pyxform cleans them."""
    rows = []
    for index, cells in enumerate(dicts or ()):
        if not isinstance(cells, Mapping):
            continue
        clean = {}
        for key, value in cells.items():
            header = str(key).strip() if key is not None else ""
            column = (headers or {}).get(header, header)
            text = str(value).strip() if value is not None else ""
            if column in EXPRESSION_COLUMNS:
                text = clean_cell(text, collapse_spaces=collapse_spaces)
            if header and text:
                clean[column] = text
        rows.append(Row(index + 2, clean))
    return tuple(rows)


def read_xlsform(source: Path | str, *, file: str | None = None, markdown: bool = False) -> Sheets:
    """Read an XLSForm file (or, with `markdown=True`, Markdown table text) into Sheets.

    Raises InputError (INSTRUMENT-001) when the content is not a readable form.
    """
    name = file or (str(source) if not markdown else "<markdown>")
    data, suffix = _form_bytes(source, markdown, name)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about spreadsheet features it drops (extensions, data validation);
            # they do not change the cell values we read.
            warnings.simplefilter("ignore")
            definition = backends.get_xlsform(io.BytesIO(data), file_type=suffix)
            tables = _tables(data, suffix)
    # pyxform's readers raise many exception types on malformed files (zip, xml, unicode,
    # index errors); for us they all mean "this is not a readable form".
    except Exception as error:  # noqa: BLE001
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            [problem("INSTRUMENT-001", Location(name), path=name, reason=reason)]
        ) from None
    extras = {sheet: _as_dicts(tables.get(sheet, [])) for sheet in EXTRA_SHEETS}
    found = {
        sheet: _header_names(getattr(definition, f"{sheet}_header", None))
        for sheet in PYXFORM_SHEETS
    }
    found.update({sheet: tuple(extras[sheet][0]) for sheet in EXTRA_SHEETS})
    canonical = {sheet: canonical_headers(names) for sheet, names in found.items()}
    dicts = {sheet: getattr(definition, sheet, None) for sheet in PYXFORM_SHEETS}
    dicts.update({sheet: extras[sheet][1] for sheet in EXTRA_SHEETS})
    if suffix in (".xlsx", ".xls"):
        for sheet, typed in tables.items():
            dicts[sheet] = _as_typed(dicts[sheet], typed, canonical[sheet])
    settings = to_rows(dicts["settings"], canonical["settings"])
    collapse = (settings[0].get("clean_text_values") if settings else "").lower() not in NO
    return Sheets(
        file=name,
        survey=to_rows(dicts["survey"], canonical["survey"], collapse_spaces=collapse),
        choices=to_rows(dicts["choices"], canonical["choices"]),
        settings=settings,
        help=to_rows(dicts["help"], canonical["help"]),
        checks=to_rows(dicts["checks"], canonical["checks"]),
        sheet_names=tuple(str(s) for s in definition.sheet_names or ()),
        headers={sheet: tuple(dict.fromkeys(canonical[sheet].values())) for sheet in found},
    )


def _form_bytes(source: Path | str, markdown: bool, name: str) -> tuple[bytes, str | None]:
    if markdown:
        return str(source).encode("utf-8"), ".md"
    path = Path(source)
    if not path.is_file():
        raise InputError([problem("CLI-001", Location(name), path=name)])
    if path.stat().st_size > MAX_FORM_BYTES:
        reason = f"it is larger than {MAX_FORM_BYTES // (1024 * 1024)} MB"
        raise InputError([problem("INSTRUMENT-001", Location(name), path=name, reason=reason)])
    suffix = path.suffix.lower()
    if suffix not in XLSFORM_SUFFIXES:
        reason = (
            f'"{path.suffix}" is not a form file type (use {", ".join(XLSFORM_SUFFIXES)}, .yaml)'
        )
        raise InputError([problem("INSTRUMENT-001", Location(name), path=name, reason=reason)])
    data = path.read_bytes()
    signature = _SIGNATURES.get(suffix)
    if signature and not data.startswith(signature[0]):
        raise InputError(
            [problem("INSTRUMENT-001", Location(name), path=name, reason=signature[1])]
        )
    if suffix in (".csv", ".md"):
        data = data.removeprefix(b"\xef\xbb\xbf")  # Excel's "CSV UTF-8" starts with a BOM
    return data, (".xlsx" if suffix == ".xlsm" else suffix)


# What a real workbook starts with, and what to tell the author when the file does not.
_NOT_XLSX = (
    "it is not an Excel workbook (an .xlsx file is a zip archive, this one is not), perhaps a "
    "file of another kind renamed"
)
_SIGNATURES = {
    ".xlsx": (b"PK\x03\x04", _NOT_XLSX),
    ".xlsm": (b"PK\x03\x04", _NOT_XLSX),
    ".xls": (
        b"\xd0\xcf\x11\xe0",
        "it is not an Excel 97-2003 workbook, perhaps a file of another kind renamed",
    ),
}


def _header_names(header: Any) -> tuple[str, ...]:
    if not header:
        return ()
    return tuple(str(k).strip() for k in header[0] if k is not None and str(k).strip())


Table = tuple[list[str], list[dict[str, str]]]


def _tables(data: bytes, suffix: str | None) -> dict[str, list[list[Any]]]:
    """The cells as typed of our own sheets (help, checks), which pyxform's readers skip, and,
    from a workbook, of pyxform's sheets too (for their no-break spaces): lowered name -> rows."""
    if suffix in (".md", ".csv"):
        tables = (_md_tables if suffix == ".md" else _csv_tables)(data)
        return {name.lower(): rows for name, rows in tables.items() if name.lower() in EXTRA_SHEETS}
    reader = _xls_tables if suffix == ".xls" else _xlsx_tables
    return reader(data, EXTRA_SHEETS + PYXFORM_SHEETS)


def _header_key(header: Any) -> str:
    """A header cell as pyxform's readers key a row's cells by it."""
    return _RUNS.sub(" ", str(header).strip()) if header not in (None, "") else ""


def _as_typed(dicts: Any, typed: list[list[Any]], canonical: Mapping[str, str]) -> Any:
    """pyxform's row dicts with each text cell's no-break spaces as the sheet has them (pyxform's
    row i is the sheet's row i + 2); other cells and non-text columns as pyxform read them."""
    if not dicts or not typed:
        return dicts
    header = [_header_key(h) for h in typed[0]]
    texts = [(i, key) for i, key in enumerate(header) if is_text_column(canonical.get(key, key))]
    kept = []
    for index, cells in enumerate(dicts):
        row = typed[index + 1] if index + 1 < len(typed) else []
        if isinstance(cells, Mapping) and any(isinstance(v, str) and NBSP in v for v in row):
            cells = dict(cells)
            for i, key in texts:
                value = row[i] if i < len(row) else None
                if isinstance(value, str) and cells.get(key) == value.strip().replace(NBSP, " "):
                    cells[key] = value.strip()
        kept.append(cells)
    return kept


def _as_dicts(rows: list[list[Any]]) -> Table:
    if not rows:
        return [], []
    header = [_header_key(h) for h in rows[0]]
    dicts = [
        {header[i]: _cell_text(v) for i, v in enumerate(row) if i < len(header) and header[i]}
        for row in rows[1:]
    ]
    return [h for h in header if h], [{k: v for k, v in d.items() if v} for d in dicts]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    return str(backends.xlsx_value_to_str(value)).strip()


def _md_tables(data: bytes) -> dict[str, list[list[Any]]]:
    structure = backends._md_table_to_ss_structure(data.decode("utf-8"))
    return {str(k): [list(r) for r in rows] for k, rows in structure.items() if k}


def _csv_tables(data: bytes) -> dict[str, list[list[Any]]]:
    tables: dict[str, list[list[Any]]] = {}
    current: list[list[Any]] | None = None
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        if not row:
            continue
        if row[0].strip():
            current = tables.setdefault(row[0].strip(), [])
        if current is not None and any(c.strip() for c in row[1:]):
            current.append(row[1:])
    return tables


def _xlsx_tables(data: bytes, wanted: tuple[str, ...]) -> dict[str, list[list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {
            name.lower(): [list(r) for r in workbook[name].iter_rows(values_only=True)]
            for name in workbook.sheetnames
            if name.lower() in wanted
        }
    finally:
        workbook.close()


def _xls_tables(data: bytes, wanted: tuple[str, ...]) -> dict[str, list[list[Any]]]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data)
    return {
        sheet.name.lower(): [sheet.row_values(i) for i in range(sheet.nrows)]
        for sheet in book.sheets()
        if sheet.name.lower() in wanted
    }
