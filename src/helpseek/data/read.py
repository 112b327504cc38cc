"""Read an exported dataset (.csv/.parquet/.sav/.dta) back into the CSV-shaped table.

Choice names, not codes; user-missing codes become NA. Uses the `<stem>.codebook.json` next to
the file when present (exact types and names), else the file's own value labels.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from helpseek.problems import InputError, problem

from .codebook import codebook_paths, from_codebook
from .dataset import MISSING_CODES, UNANSWERED, Variable, dtype_of


def read_table(path: str | Path) -> pd.DataFrame:
    """The dataset at `path` as one row per response (see data/README.md for the columns)."""
    path = Path(path)
    if not path.is_file():
        raise InputError([problem("CLI-001", path=str(path))])
    suffix = path.suffix.lower()
    try:
        variables = _codebook_variables(path)
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix in (".sav", ".dta"):
            frame = _read_stat(path, suffix, variables)
        else:
            raise ValueError("the file name must end in .csv, .parquet, .sav or .dta")
        return _conform(frame, variables)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError, pyreadstat.ReadstatError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise InputError([problem("DATA-007", path=str(path), reason=reason)]) from None


def _codebook_variables(path: Path) -> list[Variable] | None:
    json_path = codebook_paths(path)[0]
    if not json_path.is_file():
        return None
    try:
        return from_codebook(json.loads(json_path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(
            [problem("DATA-007", path=str(json_path), reason=f"codebook is damaged ({error})")]
        ) from None


def _read_stat(path: Path, suffix: str, variables: list[Variable] | None) -> pd.DataFrame:
    reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
    frame, meta = reader(str(path))  # user-missing values (-98/-99, .a/.b) come back as NaN
    if variables is None:
        return _apply_value_labels(frame, meta.variable_value_labels)
    renamed = {(v.spss_name if suffix == ".sav" else v.stata_name): v.name for v in variables}
    frame = frame.rename(columns=renamed)
    for variable in variables:
        if variable.storage == "code" and variable.name in frame:
            names = {float(c.code): c.name for c in variable.choices}
            frame[variable.name] = frame[variable.name].map(names)
    return frame


def _apply_value_labels(frame: pd.DataFrame, labels: dict[str, dict[Any, str]]) -> pd.DataFrame:
    """Without a codebook: codes become their value labels; flag columns stay 0/1."""
    for name, mapping in labels.items():
        answer_labels = {float(k): v for k, v in mapping.items() if int(k) not in MISSING_CODES}
        if set(answer_labels) <= {0.0, 1.0}:
            continue
        frame[name] = frame[name].map(answer_labels)
    return frame


def _conform(frame: pd.DataFrame, variables: list[Variable] | None) -> pd.DataFrame:
    """Types and column order of the CSV shape; "" strings become NA except in `unanswered`."""
    if variables is None:
        return _conform_without_codebook(frame)
    missing = [v.name for v in variables if v.name not in frame.columns]
    if missing:
        raise ValueError(f"columns listed in the codebook are missing: {', '.join(missing[:5])}")
    columns = {}
    for variable in variables:
        column = frame[variable.name]
        if variable.storage in ("string", "code"):
            column = column.astype(object).where(column.notna() & (column != ""), None)
            column = pd.array(column, dtype="string")
        elif variable.storage == "integer":
            column = pd.array(pd.to_numeric(column).round(), dtype="Int64")
        else:
            column = pd.to_numeric(column).astype(dtype_of(variable.storage))
        columns[variable.name] = column
    result = pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
    result[UNANSWERED] = result[UNANSWERED].fillna("")
    return result


def _conform_without_codebook(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            column = column.where(column.notna() & (column != ""), None)
            numeric = _all_numeric(column)
            if numeric is not None:
                frame[name] = numeric
            else:
                frame[name] = pd.array(column, dtype="string")
    if UNANSWERED in frame:
        frame[UNANSWERED] = frame[UNANSWERED].fillna("")
    return frame


def _all_numeric(column: pd.Series) -> np.ndarray | None:
    """The column as numbers when every answer is one (and there is one), else None; each
    distinct text is converted once (a million rows with a few distinct answers, issue 16)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if len(uniques) == 0:
        return None
    numeric = pd.to_numeric(pd.Series(np.asarray(uniques, dtype=object)), errors="coerce")
    if numeric.isna().any():
        return None
    values = numeric.to_numpy()
    if (codes < 0).any():  # missing answers: NaN, as to_numeric gives them
        values = np.append(values.astype(float), np.nan)
    return values[codes]
