"""The questionnaire: read a form file -> check -> immutable Instrument; its logic on the server."""

from .expressions import ExpressionError, evaluate
from .load import (
    bundled_instruments,
    check_instrument,
    instrument_from_markdown,
    instrument_from_yaml,
    load_instrument,
)
from .logic import AnswerError, FormState, check_page, compute_state, parse_answer, visible_choices
from .model import (
    Answer,
    Answers,
    Choice,
    HelpResource,
    Instrument,
    Language,
    Page,
    Question,
    Translations,
)
from .text import to_text

__all__ = [
    "Answer",
    "AnswerError",
    "Answers",
    "Choice",
    "ExpressionError",
    "FormState",
    "HelpResource",
    "Instrument",
    "Language",
    "Page",
    "Question",
    "Translations",
    "bundled_instruments",
    "check_instrument",
    "check_page",
    "compute_state",
    "evaluate",
    "instrument_from_markdown",
    "instrument_from_yaml",
    "load_instrument",
    "parse_answer",
    "to_text",
    "visible_choices",
]
