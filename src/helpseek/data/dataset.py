"""The exported dataset: one row per response (a DataFrame) plus the variables that describe it.

The column contract is `/work/briefs/dataset.md` (restated in data/README.md); `Variable` carries
what the codebook and the SPSS/Stata writers need (labels, choices, codes, missing codes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

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
)
UNANSWERED = "unanswered"
STATA_NAME_CHARS = 32
SPSS_NAME_BYTES = 64


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

    @property
    def stata_name(self) -> str:
        return file_name(self.name, STATA_NAME_CHARS)

    @property
    def spss_name(self) -> str:
        return file_name(self.name, SPSS_NAME_BYTES)


@dataclass(frozen=True)
class Dataset:
    """One row per response in the CSV shape, with its variables (in column order)."""

    frame: pd.DataFrame
    variables: tuple[Variable, ...]
    language: str
    instruments: tuple[tuple[str, str], ...]  # (form_id, version) of every questionnaire merged

    def variable(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)


def file_name(name: str, limit: int) -> str:
    """A variable name that SPSS/Stata accept: letters, digits, _; starts with a letter; <= limit.

    Names that need changing get a short hash so that two long names never collide.

    >>> file_name("children_age_viewed__infant_toddler", 32)
    'children_age_viewed__infa_00e479'
    >>> file_name("age", 32)
    'age'
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if cleaned[:1].isalpha() and cleaned == name and len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    stem = cleaned if cleaned[:1].isalpha() else f"v{cleaned}"
    return f"{stem[: limit - 7]}_{digest}"


def dtype_of(storage: Storage) -> str:
    """The pandas dtype of a column in the CSV-shaped table."""
    return {"string": "string", "integer": "Int64", "decimal": "float64", "code": "string"}[storage]
