"""Free-text checks: identifying details (emails, phone numbers, links, onion addresses) and gibberish.

Identifying details are replaced by a neutral marker before any table is written (issue 4, req. 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Patterns in the order they are applied: an onion address or email is not left to the link rule.
_PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE), "[email removed]"),
    (
        "onion address",
        re.compile(
            r"\b(?:https?://)?[a-z2-7]{16,56}\.onion(?:[/:?#]\S*[^\s.,;:!?)\]'\"])?", re.IGNORECASE
        ),
        "[onion address removed]",
    ),
    (
        "link",
        re.compile(r"\b(?:https?://|ftp://|www\.)\S*[^\s.,;:!?)\]'\"]", re.IGNORECASE),
        "[link removed]",
    ),
    (
        "phone number",
        re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,2}\d){6,}(?!\w)"),
        "[phone number removed]",
    ),
)

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "йцукенгшщзхъ", "фывапролджэ")
_VOWELS = set("aeiouyäöüåéèêáàâíìîóòôúùûæøœ")
_LATIN_WORD = re.compile(r"^[a-z]+$")


@dataclass(frozen=True)
class Redaction:
    """Text with identifying details replaced, and which kinds were found."""

    text: str
    kinds: tuple[str, ...]


def redact(text: str) -> Redaction:
    """Replace emails, onion addresses, links and phone numbers by markers.

    >>> redact("write to someone@example.org or call +1 555 010 9999").text
    'write to [email removed] or call [phone number removed]'
    """
    kinds: list[str] = []
    for kind, pattern, marker in _PATTERNS:
        text, count = pattern.subn(marker, text)
        if count:
            kinds.append(kind)
    return Redaction(text, tuple(kinds))


def is_gibberish(text: str) -> bool:
    """True for text that carries no words: symbols only, one repeated character, keyboard runs,
    or (for Latin script) long letter strings without vowels. Short answers ("no", "ok") pass.

    >>> [is_gibberish(t) for t in ("asdfghjkl", "xxxxxxx", "?!?!?!", "tokenalpha helps", "no", "Да")]
    [True, True, True, False, False, False]
    """
    compact = "".join(text.lower().split())
    if len(compact) < 4:
        return False
    if not any(ch.isalnum() for ch in compact):
        return True
    if len(set(compact)) <= 2:
        return True
    if any(_has_run(compact, row, 5) for row in _KEYBOARD_ROWS):
        return True
    words = [w for w in re.findall(r"[^\W\d_]+", text.lower()) if _LATIN_WORD.match(w)]
    long_words = [w for w in words if len(w) >= 6]
    return bool(long_words) and all(not (set(w) & _VOWELS) for w in long_words)


def _has_run(text: str, row: str, length: int) -> bool:
    return any(row[i : i + length] in text for i in range(len(row) - length + 1))
