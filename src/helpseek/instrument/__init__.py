"""The questionnaire: read a form file -> check -> immutable Instrument; its logic on the server."""

from .expressions import ExpressionError, evaluate
from .load import (
    bundled_instruments,
    check_instrument,
    instrument_from_markdown,
    instrument_from_yaml,
    load_instrument,
)
from .logic import (
    RECENT_SECONDS,
    AnswerError,
    FormState,
    check_page,
    compute_state,
    parse_answer,
    purge_recent_states,
    recent_states,
    visible_choices,
)
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
    "RECENT_SECONDS",
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
    "purge_recent_states",
    "recent_states",
    "to_text",
    "visible_choices",
]
