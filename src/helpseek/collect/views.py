"""What one page shows to a respondent, as plain immutable data: questions, ordered choices, errors.

Built by collect/session.py; the web shell turns a PageView into HTML, synth reads it to answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpseek.instrument.model import Answer, Choice, Page, Question

#: Form text as submitted: every field name maps to its values (several for select_multiple).
RawValues = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Progress:
    """Pages done out of pages done plus pages that can still be shown.

    >>> Progress(1, 4).percent
    25
    """

    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True)
class QuestionView:
    """One shown question: its visible choices in display order, the values to pre-fill, an error,
    and its label and hint in the respondent's language with `${name}` filled in (piping.py)."""

    question: Question
    choices: tuple[Choice, ...]
    values: tuple[str, ...]
    error_kind: str | None = None
    error_message: str = ""
    label: str = ""
    hint: str = ""

    @property
    def name(self) -> str:
        return self.question.name

    @property
    def has_choice(self) -> bool:
        """Whether one of the choices shown is selected (else a page shows "No answer" checked).

        >>> from helpseek.instrument.model import Question
        >>> QuestionView(Question("q", "select_one"), (), ("",)).has_choice
        False
        """
        return any(c.name in self.values for c in self.choices)


@dataclass(frozen=True)
class PageView:
    """One screen: the instrument page, the questions shown on it (in order), and where we are;
    `label` is the page's (its group's) label as shown, `${name}` filled in."""

    page: Page
    questions: tuple[QuestionView, ...]
    progress: Progress
    is_first: bool
    label: str = ""

    @property
    def shown(self) -> tuple[str, ...]:
        """Names of the answered questions shown (notes excluded), as the form lists them."""
        return tuple(q.name for q in self.questions if q.question.is_answered)

    @property
    def has_errors(self) -> bool:
        return any(q.error_kind for q in self.questions)


def to_form_text(answer: Answer | None) -> tuple[str, ...]:
    """An answer as the form text that shows it again.

    >>> to_form_text(["a", "b"]), to_form_text(3), to_form_text(None)
    (('a', 'b'), ('3',), ())
    """
    if answer is None:
        return ()
    if isinstance(answer, list):
        return tuple(answer)
    if isinstance(answer, float) and answer.is_integer():
        return (repr(answer),)
    return (str(answer),)
