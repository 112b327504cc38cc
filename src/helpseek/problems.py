"""Problems a person can fix: where (Location), what (Problem), and the message catalogue.

Every capability reports bad input as Problems with a stable code from `catalogue`; the CLI is the
only place that turns them into printed text and an exit code. Imports nothing from helpseek.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Location:
    """Where a problem is, as the person sees it: rows count the header row as 1.

    >>> str(Location("survey.xlsx", "survey", 14, "relevant"))
    'survey.xlsx, sheet "survey", row 14, column "relevant"'
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f'sheet "{self.sheet}"')
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f'column "{self.column}"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding: a stable code, a location and a plain-words message that says how to fix it."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: Severity = "error"

    def __str__(self) -> str:
        where = str(self.location)
        prefix = f"{where}: " if where else ""
        label = "" if self.severity == "error" else "warning: "
        return f"{prefix}{label}{self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class HelpseekError(Exception):
    """Base class for errors a person can fix; the CLI prints them without a traceback."""


class InputError(HelpseekError):
    """Input (a file, a form, a spec, an argument) had one or more problems; all are listed."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")


def problem(
    code: str,
    location: Location | None = None,
    severity: Severity = "error",
    **fields: object,
) -> Problem:
    """Build a Problem from the catalogue entry `code`, filling its placeholders.

    >>> problem("CLI-001", path="x.csv").message
    'The file "x.csv" does not exist. Check the path, or run the command from the folder that holds it.'
    """
    template = catalogue[code]
    return Problem(code, template.format(**fields), location or Location(), severity)


def near_miss(name: str, candidates: Iterable[str]) -> str:
    """A ' Did you mean "x"?' suffix for a name within edit distance ~2 of a candidate, else ''."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f' Did you mean "{matches[0]}"?' if matches else ""


# The catalogue: one entry per code, grouped by topic. docs/errors.md documents every code, and a
# test fails if one is missing there. Placeholders are filled by `problem(code, **fields)`.
catalogue: dict[str, str] = {
    # --- CLI and files -------------------------------------------------------------------------
    "CLI-001": 'The file "{path}" does not exist. Check the path, or run the command from the folder '
    "that holds it.",
    "CLI-002": 'The file "{path}" could not be read: {reason}. Check that it is the kind of file the '
    "command expects and that you may read it.",
    "CLI-003": 'The passphrase is missing. Type it at the prompt, pass --passphrase-file FILE, or set '
    "HELPSEEK_PASSPHRASE.",
    # --- INSTRUMENT: questionnaire definitions ---------------------------------------------------
    # --- EXPRESSION: XPath conditions and calculations --------------------------------------------
    # --- KEYS / STORE: research keys and sealed records -------------------------------------------
    # --- DATA: export ------------------------------------------------------------------------------
    # --- QUALITY / ANALYSIS: screening and statistics -------------------------------------------
    # --- INVITE: search filter and interstitial -------------------------------------------------
}
