"""From answers to numbers: text forms of answers, 0/1 outcomes and dummy-coded design matrices.

Treatment coding as R's glm: one column per non-reference level, named by (variable, level).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def as_text(column: pd.Series) -> pd.Series:
    """Answers as text, NA kept: 1.0 -> '1', 'yes' -> 'yes' (so YAML values match CSV/Parquet/SPSS).

    Converts each distinct value once (pd.factorize), so a million rows cost a few milliseconds.

    >>> as_text(pd.Series([1.0, None, "yes"], dtype=object)).tolist()
    ['1', None, 'yes']
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = np.array([_text(v) for v in np.asarray(uniques, dtype=object)] + [None], dtype=object)
    return pd.Series(texts[codes], index=column.index, dtype=object)


def _text(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def code_outcome(
    column: pd.Series, positive: Sequence[str], *, absent_means_no: bool = False
) -> pd.Series:
    """1.0 when the answer is one of `positive`, 0.0 for any other answer, NA when unanswered.

    With `absent_means_no`, an unanswered outcome counts as 0 (for items shown only to some).

    >>> code_outcome(pd.Series(["yes", "no", None, "unsure"]), ["yes"]).tolist()
    [1.0, 0.0, nan, 0.0]
    """
    text = as_text(column)
    coded = text.isin(set(positive)).astype(float)
    if not absent_means_no:
        coded[text.isna()] = np.nan
    return coded


@dataclass(frozen=True)
class Column:
    """One model column: the intercept, a numeric predictor, or one level of a categorical one."""

    variable: str
    level: str | None = None
    reference: str | None = None

    @property
    def is_intercept(self) -> bool:
        return self.variable == "(Intercept)"


INTERCEPT = Column("(Intercept)")


@dataclass(frozen=True)
class Design:
    """A design matrix with its intercept first, and which columns belong to which variable."""

    columns: tuple[Column, ...]
    matrix: np.ndarray

    def indices(self, variable: str) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.variable == variable]

    @property
    def variables(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for column in self.columns[1:]:
            seen.setdefault(column.variable, None)
        return tuple(seen)


@dataclass(frozen=True)
class Predictor:
    """A predictor as the model sees it: numeric, or categorical with ordered levels (reference first)."""

    name: str
    kind: str  # "numeric" | "categorical"
    levels: tuple[str, ...] = ()

    @property
    def reference(self) -> str | None:
        return self.levels[0] if self.levels else None


def build_design(frame: pd.DataFrame, predictors: Sequence[Predictor]) -> Design:
    """Intercept + one column per numeric predictor + one per non-reference level.

    `frame` holds prepared columns (numbers for numeric, text for categorical) and no NA.
    """
    n = len(frame)
    columns: list[Column] = [INTERCEPT]
    blocks: list[np.ndarray] = [np.ones((n, 1))]
    for predictor in predictors:
        values = frame[predictor.name]
        if predictor.kind == "numeric":
            columns.append(Column(predictor.name))
            blocks.append(values.to_numpy(dtype=float).reshape(n, 1))
            continue
        text = values.to_numpy(dtype=object)
        for level in predictor.levels[1:]:
            columns.append(Column(predictor.name, level, predictor.reference))
            blocks.append((text == level).astype(float).reshape(n, 1))
    return Design(tuple(columns), np.hstack(blocks))
