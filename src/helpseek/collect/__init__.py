"""The respondent's path through an Instrument: a pure state machine shared by the web shell and synth."""

from helpseek.collect.session import (
    Accepted,
    FormError,
    Outcome,
    PageSubmission,
    Rejected,
    Session,
    SessionStateError,
)
from helpseek.collect.views import PageView, Progress, QuestionView, RawValues, to_form_text

__all__ = [
    "Accepted",
    "FormError",
    "Outcome",
    "PageSubmission",
    "PageView",
    "Progress",
    "QuestionView",
    "RawValues",
    "Rejected",
    "Session",
    "SessionStateError",
    "to_form_text",
]
