"""The analysis spec as frozen dataclasses: what to include, screen, model, describe and compare.

Built from YAML by analysis/spec.py; read by every other analysis module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CHOICES: dict[str, tuple[str, ...]] = {
    "ci": ("wald", "profile"),
    "proportion_ci": ("wilson", "clopper-pearson"),
    "missing": ("complete", "mice"),
    "adjust_p": ("none", "holm", "bh"),
    "firth": ("auto", "always", "never"),
    "models": ("univariable", "multivariable"),
    "predictor type": ("numeric", "categorical"),
    "describe type": ("categorical", "numeric", "multiple"),
}
TOP_KEYS = (
    "title", "include", "include_label", "screening", "screening_options", "treat_as_missing", "by",
    "outcomes", "predictors", "models", "ci", "proportion_ci", "missing", "imputations", "adjust_p",
    "firth", "describe", "compare",
)  # fmt: skip
OUTCOME_KEYS = ("name", "positive", "absent_means_no", "label")
PREDICTOR_KEYS = ("name", "type", "reference", "levels", "label")
ITEM_KEYS = ("name", "type", "label")
SCREENING_FLAGS = (
    "speeding", "straightlining", "duplicates", "inconsistent", "gibberish", "identifying",
)  # fmt: skip


@dataclass(frozen=True)
class OutcomeSpec:
    """A binary outcome: 1 = one of `positive`, 0 = any other answer, NA excluded (or 0, see flag)."""

    name: str
    positive: tuple[str, ...]
    absent_means_no: bool = False
    label: str = ""


@dataclass(frozen=True)
class PredictorSpec:
    """A predictor; `reference`/`levels` only for categorical ones (reference defaults to the first)."""

    name: str
    type: str = "categorical"
    reference: str | None = None
    levels: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class ItemSpec:
    """An item to describe or compare: categorical, numeric, or multiple (a select_multiple)."""

    name: str
    type: str = "categorical"
    label: str = ""


@dataclass(frozen=True)
class GroupSpec:
    """One sample of a comparison: a label and the filter that picks its rows."""

    label: str
    include: str


@dataclass(frozen=True)
class CompareSpec:
    """Two samples side by side on shared items, with tests of difference."""

    groups: tuple[GroupSpec, GroupSpec]
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class AnalysisSpec:
    """Everything an analysis run needs to know besides the data; see analysis/README.md."""

    title: str = "Analysis"
    include: str | None = None
    #: How the report words the inclusion rule ("respondents who report using such material").
    include_label: str = ""
    screening: tuple[str, ...] = ()
    screening_options: Mapping[str, Any] = field(default_factory=dict)
    treat_as_missing: tuple[str, ...] = ()
    by: str | None = "language"
    outcomes: tuple[OutcomeSpec, ...] = ()
    predictors: tuple[PredictorSpec, ...] = ()
    models: tuple[str, ...] = ("univariable", "multivariable")
    ci: str = "wald"
    proportion_ci: str = "wilson"
    missing: str = "complete"
    imputations: int = 20
    adjust_p: str = "none"
    firth: str = "auto"
    describe: tuple[ItemSpec, ...] = ()
    compare: CompareSpec | None = None
    source: str = ""

    def label(self, name: str) -> str:
        """The label the spec gives a variable, else its name."""
        items: list[OutcomeSpec | PredictorSpec | ItemSpec] = [
            *self.outcomes,
            *self.predictors,
            *self.describe,
        ]
        items += list(self.compare.items) if self.compare else []
        return next((i.label for i in items if i.name == name and i.label), name)
