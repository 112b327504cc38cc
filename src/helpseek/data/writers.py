"""Write a Dataset as CSV, Parquet, SPSS .sav or Stata .dta (format from the suffix), with its codebook.

Every file is written under a temporary name in the same folder and renamed when complete, so an
interrupted export never leaves a half-written file under the real name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from helpseek.problems import InputError, Problem, problem

from .codebook import write_codebook
from .dataset import (
    MISSING_CODES,
    NOT_SHOWN,
    SHOWN_NOT_ANSWERED,
    STATA_MISSING,
    UNANSWERED,
    Dataset,
    Variable,
)
from .names import (
    SPSS_VALUE_LABEL_BYTES,
    SPSS_VARIABLE_LABEL_BYTES,
    STATA_VARIABLE_LABEL_CHARS,
    cut_bytes,
)

SUFFIXES = (".csv", ".parquet", ".sav", ".dta")
_FLAG_LABELS = {0: "Not chosen", 1: "Chosen"}


def write_dataset(dataset: Dataset, path: Path) -> list[Path]:
    """Write `dataset` to `path` and its codebook next to it; returns every file written."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError([problem("DATA-004", path=str(path))])
    writer: Callable[[Dataset, Path], None] = {
        ".csv": _write_csv,
        ".parquet": _write_parquet,
        ".sav": _write_sav,
        ".dta": _write_dta,
    }[suffix]
    if not path.parent.is_dir():
        reason = f'the folder "{path.parent}" does not exist'
        raise InputError([problem("DATA-005", path=str(path), reason=reason)])
    temporary = path.with_name(f".{path.name}.partial")
    try:
        writer(dataset, temporary)
        os.replace(temporary, path)
        json_path, md_path = write_codebook(dataset, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise InputError([problem("DATA-005", path=str(path), reason=reason)]) from None
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        temporary.unlink(missing_ok=True)
        raise InputError([_format_problem(dataset, path, writer, str(error))]) from None
    return [path, json_path, md_path]


def write_all(dataset: Dataset, paths: Sequence[Path]) -> list[Path]:
    """Write `dataset` to every path; one format failing does not keep the others from being
    written. Raises one InputError with every failure (and, as a warning, what was written)."""
    written: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            written.extend(write_dataset(dataset, path))
        except InputError as error:
            problems.extend(error.problems)
    written = list(dict.fromkeys(written))
    if problems:
        if written:
            files = ", ".join(str(p) for p in written)
            problems.append(problem("DATA-010", severity="warning", files=files))
        raise InputError(problems)
    return written


def _format_problem(
    dataset: Dataset, path: Path, writer: Callable[[Dataset, Path], None], reason: str
) -> Problem:
    """DATA-009 naming the column the format refused: each column is tried alone to find it."""
    file_format = "SPSS" if path.suffix.lower() == ".sav" else "Stata"
    probe = path.with_name(f".{path.name}.probe")
    try:
        for variable in dataset.variables:
            alone = replace(dataset, variables=(variable,))
            try:
                writer(alone, probe)
            except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
                name = variable.spss_name if file_format == "SPSS" else variable.stata_name
                return problem(
                    "DATA-009", path=str(path), format=file_format, reason=str(error),
                    column=f'the column "{variable.name}" (named "{name}" in the file)',
                )  # fmt: skip
    finally:
        probe.unlink(missing_ok=True)
    return problem("DATA-009", path=str(path), format=file_format, reason=reason, column="the data")


def _write_csv(dataset: Dataset, path: Path) -> None:
    dataset.frame.to_csv(path, index=False, encoding="utf-8")


def _write_parquet(dataset: Dataset, path: Path) -> None:
    dataset.frame.to_parquet(path, index=False)


def _write_sav(dataset: Dataset, path: Path) -> None:
    frame = _coded(dataset, missing=lambda code: code)
    pyreadstat.write_sav(
        frame.rename(columns={v.name: v.spss_name for v in dataset.variables}),
        str(path),
        column_labels={
            v.spss_name: cut_bytes(v.label, SPSS_VARIABLE_LABEL_BYTES) for v in dataset.variables
        },
        variable_value_labels={
            v.spss_name: {
                code: cut_bytes(label, SPSS_VALUE_LABEL_BYTES)
                for code, label in {**_value_labels(v), **_missing_labels(v)}.items()
            }
            for v in dataset.variables
            if _value_labels(v) or v.has_missing_codes
        },
        missing_ranges={
            v.spss_name: [NOT_SHOWN, SHOWN_NOT_ANSWERED]
            for v in dataset.variables
            if v.has_missing_codes
        },
    )


def _write_dta(dataset: Dataset, path: Path) -> None:
    frame = _coded(dataset, missing=lambda code: STATA_MISSING[code])
    user_missing = {
        v.stata_name: sorted(STATA_MISSING.values())
        for v in dataset.variables
        if v.has_missing_codes and frame[v.name].dtype == object
    }
    pyreadstat.write_dta(
        frame.rename(columns={v.name: v.stata_name for v in dataset.variables}),
        str(path),
        column_labels={
            v.stata_name: v.label[:STATA_VARIABLE_LABEL_CHARS] for v in dataset.variables
        },
        # Stata value labels hold integers only, so decimals keep just the extended missing .a/.b.
        variable_value_labels={
            v.stata_name: _value_labels(v) for v in dataset.variables if _value_labels(v)
        },
        missing_user_values=user_missing,
    )


def _value_labels(variable: Variable) -> dict[int | float, str]:
    if not variable.has_value_labels:
        return {}
    if variable.kind == "choice_flag":
        return dict(_FLAG_LABELS)
    return {c.code: c.label for c in variable.choices}


def _missing_labels(variable: Variable) -> dict[int | float, str]:
    labels: dict[int | float, str] = {}
    if variable.has_missing_codes:
        labels.update(MISSING_CODES.items())
    return labels


def _coded(dataset: Dataset, missing: Callable[[int], Any]) -> pd.DataFrame:
    """The table as SPSS/Stata hold it: choice codes, missing codes, "" for missing strings."""
    unanswered = [set(text.split()) for text in dataset.frame[UNANSWERED].fillna("")]
    columns: dict[str, Any] = {}
    for variable in dataset.variables:
        column = dataset.frame[variable.name]
        if variable.storage == "code":
            column = column.map(_code_of(variable))
        if variable.has_missing_codes:
            columns[variable.name] = _with_missing_codes(variable, column, unanswered, missing)
        elif variable.storage in ("string", "code"):
            columns[variable.name] = column.astype(object).where(column.notna(), "")
        else:
            columns[variable.name] = column.astype("float64")
    return pd.DataFrame(columns)


def _code_of(variable: Variable) -> Callable[[Any], Any]:
    codes = {c.name: c.code for c in variable.choices}
    return lambda name: codes[name] if isinstance(name, str) else pd.NA


def _with_missing_codes(
    variable: Variable, column: pd.Series, unanswered: list[set[str]], missing: Callable[[int], Any]
) -> pd.Series:
    present = column.dropna()
    collisions = present[present.isin(list(MISSING_CODES))]
    if len(collisions):
        value = int(collisions.iloc[0])
        raise InputError([problem("DATA-006", value=value, name=variable.name)])
    question = variable.question or variable.name
    values: list[Any] = []
    for value, shown_unanswered in zip(column, (question in u for u in unanswered), strict=True):
        if pd.isna(value):
            values.append(missing(SHOWN_NOT_ANSWERED if shown_unanswered else NOT_SHOWN))
        else:
            values.append(float(value) if variable.storage == "decimal" else int(value))
    if all(isinstance(v, int | float) for v in values):
        return pd.Series(values, dtype="float64" if variable.storage == "decimal" else "int64")
    return pd.Series(values, dtype=object)
