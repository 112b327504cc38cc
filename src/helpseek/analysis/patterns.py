"""Model data built once per outcome and collapsed to covariate patterns (issue 16).

A logistic likelihood depends on the rows only through the distinct (covariate pattern, outcome)
pairs and how many rows share each: the sum of n identical Bernoulli terms is n times one term. So
every model is fitted on its patterns with frequency weights, which gives the same estimates, standard
errors, likelihoods, tests and intervals as the row-by-row fit (R's glm gives the same numbers on the
collapsed data with `weights =`), at a cost that grows with the number of patterns, not of rows. A
univariable model of a 4-level factor has at most 8 patterns whatever N is.

`OutcomeData` codes each predictor once per outcome as small integers (missing = -1); each model of
that outcome (univariable or multivariable) selects its complete cases and collapses them with one
integer key per row, no pandas work per model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpseek.analysis.coding import INTERCEPT, Column, Design, Predictor

#: Largest mixed-radix key space counted with np.bincount rather than sorted with np.unique.
_BINCOUNT_LIMIT = 1 << 22


@dataclass(frozen=True)
class Patterns:
    """A model's complete cases as distinct rows of `design` with outcome `y`, each standing for
    `weights` rows."""

    design: Design
    y: np.ndarray
    weights: np.ndarray

    @property
    def n(self) -> int:
        return int(self.weights.sum())


@dataclass(frozen=True)
class _Coded:
    """One predictor as integer codes (-1 = missing) and the value of each code."""

    predictor: Predictor
    codes: np.ndarray
    values: np.ndarray  # level names (categorical) or the distinct numbers (numeric)


def code_predictors(frame: pd.DataFrame, predictors: Sequence[Predictor]) -> dict[str, _Coded]:
    """Every predictor as integer codes, once for all outcomes and models."""
    return {p.name: _code(frame[p.name], p) for p in predictors}


class OutcomeData:
    """One outcome (0/1/NaN) with the coded predictors; `patterns` gives any model of it."""

    def __init__(self, outcome: pd.Series, coded: dict[str, _Coded]) -> None:
        values = outcome.to_numpy(dtype=float)
        self.known = ~np.isnan(values)
        self.y = np.where(self.known, values, 0).astype(np.int64)
        self.coded = coded

    def complete(self, chosen: Sequence[Predictor]) -> np.ndarray:
        """The mask of rows with the outcome and every chosen predictor answered."""
        mask = self.known.copy()
        for p in chosen:
            mask &= self.coded[p.name].codes >= 0
        return mask

    def present_levels(self, predictor: Predictor, mask: np.ndarray) -> tuple[str, ...]:
        """The levels of a categorical predictor seen in the rows of `mask`, in level order."""
        coded = self.coded[predictor.name]
        counts = np.bincount(coded.codes[mask], minlength=len(coded.values))
        return tuple(str(v) for v, c in zip(coded.values, counts) if c > 0)

    def has_both_outcomes(self, mask: np.ndarray) -> bool:
        events = int(self.y[mask].sum())
        return 0 < events < int(mask.sum())

    def patterns(self, chosen: Sequence[Predictor], mask: np.ndarray) -> Patterns:
        """The complete cases `mask` of the model with `chosen` (levels as given: absent levels are
        left out of the design) collapsed to distinct (covariates, outcome) rows."""
        coded = [self.coded[p.name] for p in chosen]
        columns = [c.codes[mask] for c in coded] + [self.y[mask]]
        radix = [len(c.values) for c in coded] + [2]
        distinct, weights = _distinct_rows(columns, radix)
        return Patterns(_design(chosen, coded, distinct[:-1]), distinct[-1].astype(float), weights)


def _code(series: pd.Series, predictor: Predictor) -> _Coded:
    if predictor.kind == "numeric":
        codes, uniques = pd.factorize(series.to_numpy(dtype=float), use_na_sentinel=True)
        return _Coded(predictor, codes.astype(np.int64), np.asarray(uniques, dtype=float))
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    index = {level: i for i, level in enumerate(predictor.levels)}
    # build_design's rule: an answered value that is no level is coded as the reference
    lookup = np.array([index.get(u, 0) for u in np.asarray(uniques, dtype=object)] + [-1])
    return _Coded(
        predictor, lookup[codes].astype(np.int64), np.asarray(predictor.levels, dtype=object)
    )


def _distinct_rows(
    columns: list[np.ndarray], radix: list[int]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the integer columns (each in 0..radix-1) and how often each occurs."""
    space = 1
    for r in radix:
        space *= max(r, 1)
    if space < 2**62:
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for column, r in zip(columns, radix):
            key = key * max(r, 1) + column
        if space <= _BINCOUNT_LIMIT:
            counts = np.bincount(key, minlength=space)
            keys = np.flatnonzero(counts)
            weights = counts[keys]
        else:
            keys, weights = np.unique(key, return_counts=True)
        decoded = []
        for r in reversed(radix):
            decoded.append(keys % max(r, 1))
            keys = keys // max(r, 1)
        return decoded[::-1], weights.astype(float)
    stacked, weights = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return [stacked[:, j] for j in range(stacked.shape[1])], weights.astype(float)


def _design(chosen: Sequence[Predictor], coded: list[_Coded], codes: list[np.ndarray]) -> Design:
    """The design matrix of the patterns: intercept, numbers, one 0/1 column per present non-reference
    level (the same columns as coding.build_design)."""
    n = len(codes[0]) if codes else 0
    columns: list[Column] = [INTERCEPT]
    blocks: list[np.ndarray] = [np.ones(n)]
    for predictor, c, code in zip(chosen, coded, codes):
        if predictor.kind == "numeric":
            columns.append(Column(predictor.name))
            blocks.append(c.values[code])
            continue
        index = {str(v): i for i, v in enumerate(c.values)}
        for level in predictor.levels[1:]:
            columns.append(Column(predictor.name, level, predictor.reference))
            blocks.append((code == index[level]).astype(float))
    return Design(tuple(columns), np.column_stack(blocks))
