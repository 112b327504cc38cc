"""Quality screening: flags with reasons per response, and redaction of identifying free text."""

from helpseek.quality.screen import FLAGS, ScreeningOptions, ScreeningResult, options_for, screen
from helpseek.quality.text import Redaction, is_gibberish, redact

__all__ = [
    "FLAGS", "Redaction", "ScreeningOptions", "ScreeningResult", "is_gibberish", "options_for", "redact",
    "screen",
]  # fmt: skip
