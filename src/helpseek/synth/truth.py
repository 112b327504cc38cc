"""What synthetic respondents are drawn from (a checked truth file), as immutable data.

Marginals per item, planted log odds ratios for binary outcomes, missingness, breakoffs, a share of
low-quality responses and page durations. Reading and checking the YAML is in synth/truthfile.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class ItemTruth:
    """How one question is answered: choice shares (select_one), per-choice chances
    (select_multiple), a share answered and example texts (text), or a range (integer/decimal)."""

    name: str
    shares: Mapping[str, float] = field(default_factory=dict)
    answered: float = 1.0
    texts: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 100.0


@dataclass(frozen=True)
class OutcomeTruth:
    """A binary outcome drawn from a logistic model whose intercept is calibrated to `prevalence`.

    `within` names another outcome: this one can be positive only where that one is, and
    P(this | x) is still logistic with `log_odds_ratios` (drawn as P(this | x) / P(within | x)).
    """

    name: str
    question: str
    prevalence: float
    positive: str
    otherwise: Mapping[str, float]
    refused: float = 0.0
    log_odds_ratios: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    within: str | None = None


@dataclass(frozen=True)
class QualityTruth:
    """Shares of all respondents that answer carelessly, so that screening has something to find."""

    speeders: float = 0.0
    straightliners: float = 0.0
    duplicates: float = 0.0
    inconsistent: float = 0.0
    inconsistent_answers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DurationTruth:
    """Seconds per page: lognormal around page_base_s + per_question_s x questions shown."""

    page_base_s: float = 6.0
    per_question_s: float = 7.0
    sigma: float = 0.45
    speeder_factor: float = 0.12


@dataclass(frozen=True)
class Truth:
    """A checked truth file for one instrument (see synth/README.md for every key)."""

    form_id: str
    items: Mapping[str, ItemTruth]
    outcomes: tuple[OutcomeTruth, ...] = ()
    population: Mapping[str, str] = field(default_factory=dict)
    languages: Mapping[str, float] = field(default_factory=dict)
    exclusive: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    missing: float = 0.0
    breakoff: float = 0.0
    quality: QualityTruth = field(default_factory=QualityTruth)
    durations: DurationTruth = field(default_factory=DurationTruth)
    fielding_start: date = date(2026, 11, 2)
    fielding_days: int = 28
    source: str = field(default="", compare=False)

    def outcome(self, name: str) -> OutcomeTruth:
        return next(o for o in self.outcomes if o.name == name)
