"""Adjusted p-values for a family of tests: Holm (family-wise error) or Benjamini-Hochberg (FDR)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from statsmodels.stats.multitest import multipletests

_METHODS = {"holm": "holm", "bh": "fdr_bh"}


def adjust_p(p_values: Sequence[float], method: str) -> list[float]:
    """Adjusted p-values in the input order; NaN stays NaN and is not counted in the family.

    >>> [round(p, 3) for p in adjust_p([0.01, 0.04, 0.03], "holm")]
    [0.03, 0.06, 0.06]
    """
    values = np.asarray(p_values, dtype=float)
    out = np.full(len(values), np.nan)
    known = ~np.isnan(values)
    if known.any():
        out[known] = multipletests(values[known], method=_METHODS[method])[1]
    return out.tolist()
