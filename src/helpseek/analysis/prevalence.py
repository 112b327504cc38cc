"""Prevalence of a binary outcome with a confidence interval (Wilson by default, Clopper-Pearson on request)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from statsmodels.stats.proportion import proportion_confint

_METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}


@dataclass(frozen=True)
class Interval:
    """A confidence interval on the proportion scale."""

    low: float
    high: float


@dataclass(frozen=True)
class PrevalenceResult:
    """`events` of `denominator` answered the outcome positively, in `group` (None = everyone).

    >>> r = PrevalenceResult("want_stop", 2471, 4493)
    >>> ci = r.interval()
    >>> round(r.proportion, 4), round(ci.low, 4), round(ci.high, 4)
    (0.55, 0.5354, 0.5645)
    """

    outcome: str
    events: int
    denominator: int
    method: str = "wilson"
    level: float = 0.95
    group: str | None = None
    group_column: str | None = None

    @property
    def proportion(self) -> float:
        return self.events / self.denominator if self.denominator else float("nan")

    def interval(self, method: str | None = None, level: float | None = None) -> Interval:
        if not self.denominator:
            return Interval(float("nan"), float("nan"))
        low, high = proportion_confint(
            self.events,
            self.denominator,
            alpha=1 - (level or self.level),
            method=_METHODS[method or self.method],
        )
        return Interval(float(low), float(high))

    def to_dict(self) -> dict[str, Any]:
        ci = self.interval()
        return {
            "outcome": self.outcome, "group_column": self.group_column, "group": self.group,
            "n": self.events, "denominator": self.denominator, "proportion": self.proportion,
            "ci_low": ci.low, "ci_high": ci.high, "method": self.method, "confidence_level": self.level,
        }  # fmt: skip
