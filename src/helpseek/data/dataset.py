"""The exported dataset: one row per response (a DataFrame) plus the variables that describe it.

The column contract is `/work/briefs/dataset.md` (restated in data/README.md); `Variable` carries
what the codebook and the SPSS/Stata writers need (labels, choices, codes, missing codes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from .names import spss_names, stata_names

#: How a column is held: str ("string" dtype), integer (Int64), decimal (float64), or a select_one
#: held as choice names in the table and as integer codes 1..k in .sav/.dta.
Storage = Literal["string", "integer", "decimal", "code"]

NOT_SHOWN = -98
SHOWN_NOT_ANSWERED = -99
MISSING_CODES: dict[int, str] = {
    NOT_SHOWN: "Not shown (skipped by logic)",
    SHOWN_NOT_ANSWERED: "Shown, not answered",
}
#: Stata's extended missing values standing for the two codes above.
STATA_MISSING: dict[int, str] = {NOT_SHOWN: "a", SHOWN_NOT_ANSWERED: "b"}

META_COLUMNS: tuple[str, ...] = (
    "response_id",
    "instrument",
    "instrument_version",
    "language",
    "status",
    "submitted_on",
    "duration_s",
    "pages_submitted",
    "last_page",
    "language_review",
)
UNANSWERED = "unanswered"


@dataclass(frozen=True)
class ChoiceCode:
    """One answer option as the export codes it: code 1..k in choice order, name, label."""

    code: int
    name: str
    label: str


@dataclass(frozen=True)
class Variable:
    """One column: its name, label in the export language, type and storage, and choices.

    `kind` is the question type ("select_one", "integer", ...), "choice_flag" for a
    `<question>__<choice>` 0/1 column, or "meta" for the response columns. `has_missing_codes`
    says whether -98/-99 stand for "not shown"/"shown, not answered" in .sav/.dta.
    """

    name: str
    label: str
    kind: str
    storage: Storage
    question: str | None = None
    choices: tuple[ChoiceCode, ...] = ()
    relevance: str | None = None
    has_missing_codes: bool = False

    stata_name: str = (
        ""  # the name in .dta and .sav (set by `with_export_names`, kept in the codebook)
    )
    spss_name: str = ""

    @property
    def has_value_labels(self) -> bool:
        """Whether .sav/.dta give this column value labels for its answers (codes or 0/1 flags)."""
        return (self.storage == "code" and bool(self.choices)) or self.kind == "choice_flag"


def with_export_names(variables: Sequence[Variable]) -> tuple[Variable, ...]:
    """`variables` with the names they get in .dta and .sav (see names.py): valid, unique, stable."""
    stata = stata_names([v.name for v in variables], [v.has_value_labels for v in variables])
    spss = spss_names([v.name for v in variables])
    return tuple(
        replace(v, stata_name=t, spss_name=s)
        for v, t, s in zip(variables, stata, spss, strict=True)
    )


@dataclass(frozen=True)
class Dataset:
    """One row per response in the CSV shape, with its variables (in column order)."""

    frame: pd.DataFrame
    variables: tuple[Variable, ...]
    language: str
    instruments: tuple[tuple[str, str], ...]  # (form_id, version) of every questionnaire merged
    #: Responses their respondents withdrew (issue 14): left out of `frame`, counted here so the
    #: codebook and the analysis can say how many; None when the maker of the dataset did not
    #: count them (the codebook then says "not known", never 0).
    withdrawn: int | None = None

    def variable(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)


def dtype_of(storage: Storage) -> str:
    """The pandas dtype of a column in the CSV-shaped table."""
    return {"string": "string", "integer": "Int64", "decimal": "float64", "code": "string"}[storage]
