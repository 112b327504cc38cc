"""Respondent codes: a 66-bit random secret and a 22-bit check the server recomputes, 88 bits.

The check is HMAC-SHA256 (keyed with a key derived from the server secret) over the code's kind
("resume" or "withdrawal"), its issue date and the secret. So the server tells a typing mistake,
a code of the other kind and an expired code apart without storing anything about the code, and a
guessed code passes the check with probability 2^-22 per date tried before any costly work (the
argon2id lookup of resume codes, store/sealing.py). Nothing here is stored: callers store only what
argon2id derives from `Code.kdf_input()` (issue 14, docs/decisions/0005-respondent-codes.md).
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from helpseek.codes.text import (
    CODE_BITS,
    candidate_values,
    to_base32,
    to_indices,
    to_words,
)
from helpseek.codes.wordlists import word_list

CodeKind = Literal["resume", "withdrawal"]
KINDS: tuple[CodeKind, ...] = ("resume", "withdrawal")
SECRET_BITS = 66
CHECK_BITS = CODE_BITS - SECRET_BITS  # 22
SECRET_BYTES = 9
_DOMAIN = b"helpseek-code/1"
#: Redraws before giving up on a word list (each draw passes with probability >= 0.8).
_MAX_DRAWS = 1000


@dataclass(frozen=True)
class Code:
    """An issued code: its kind, its 66-bit secret and the date it was issued (coarsened as the
    survey's dates are). Its text is `code_text(code, key, language)`."""

    kind: CodeKind
    secret: int
    issued_on: date

    def __repr__(self) -> str:  # never print a secret by accident (logs, test output)
        return f"Code({self.kind!r}, issued_on={self.issued_on.isoformat()})"

    def kdf_input(self) -> bytes:
        """What argon2id derives the lookup and key of a resume code from (never stored)."""
        return _DOMAIN + b"|" + self.kind.encode() + b"|" + self._secret_bytes()

    def withdrawal_check(self) -> str:
        """The value a withdrawal code's response carries in its last sealed page, and its
        tombstone carries sealed: the offline side matches the two; the server never can.

        A keyed BLAKE2b of the secret alone (no date, no server key), 64 hex digits."""
        digest = hashlib.blake2b(self._secret_bytes(), digest_size=32, key=b"helpseek-withdrawal/1")
        return digest.hexdigest()

    def _secret_bytes(self) -> bytes:
        return self.secret.to_bytes(SECRET_BYTES, "big")


def check_bits(key: bytes, kind: CodeKind, secret: int, issued_on: date) -> int:
    """The 22-bit check of a code: the first 22 bits of
    HMAC-SHA256(key, "helpseek-code/1|<kind>|<issue date>|<secret, 9 bytes>")."""
    return _check(_prefix(key, kind, issued_on), secret)


def _prefix(key: bytes, kind: CodeKind, issued_on: date) -> hmac.HMAC:
    mac = hmac.new(key, digestmod=hashlib.sha256)
    mac.update(b"|".join((_DOMAIN, kind.encode(), issued_on.isoformat().encode(), b"")))
    return mac


def _check(prefix: hmac.HMAC, secret: int) -> int:
    mac = prefix.copy()
    mac.update(secret.to_bytes(SECRET_BYTES, "big"))
    return int.from_bytes(mac.digest()[:3], "big") >> (24 - CHECK_BITS)


def new_code(
    kind: CodeKind, issued_on: date, key: bytes, language: str, rng: random.Random
) -> Code:
    """A new code, drawn so that its text in `language` shows no avoided word.

    `rng` must be a random.SystemRandom in production (the web shell's default); tests pass a
    seeded random.Random.
    """
    words = word_list(language)
    if words is None:
        return Code(kind, rng.getrandbits(SECRET_BITS), issued_on)
    allowed = words.allowed
    for _ in range(_MAX_DRAWS):
        secret = 0
        for _ in range(SECRET_BITS // 11):
            secret = (secret << 11) | rng.choice(allowed)
        check = check_bits(key, kind, secret, issued_on)
        value = (secret << CHECK_BITS) | check
        if not any(i in words.avoided for i in to_indices(value)):
            return Code(kind, secret, issued_on)
    raise RuntimeError("no code could be drawn without avoided words")  # p < 0.2^1000


def code_parts(code: Code, key: bytes, language: str) -> tuple[str, ...]:
    """The code as shown: eight words in `language` where it has a word list, else six groups of
    three base32 characters. Write them in this order."""
    value = (code.secret << CHECK_BITS) | check_bits(key, code.kind, code.secret, code.issued_on)
    words = word_list(language)
    return to_words(value, words) if words is not None else tuple(to_base32(value).split("-"))


def code_text(code: Code, key: bytes, language: str) -> str:
    """The code as one line: words separated by spaces, or base32 groups by dashes."""
    parts = code_parts(code, key, language)
    return ("-" if word_list(language) is None else " ").join(parts)


def uses_words(language: str) -> bool:
    return word_list(language) is not None


def read_code(text: str, key: bytes, today: date, oldest: date) -> Code | None:
    """The code a person typed, if this server issued it between `oldest` and `today`; else None.

    Tries every reading of the text (each word list, base32), both kinds, and every issue date
    from `today` back to `oldest` (a few hundred HMACs, about a millisecond). A random text
    passes with probability about (dates x 2) / 2^22.
    """
    readings = [(v >> CHECK_BITS, v & (2**CHECK_BITS - 1)) for v in candidate_values(text[:400])]
    if not readings:
        return None
    for back in range((today - oldest).days + 1):
        issued_on = today - timedelta(days=back)
        for kind in KINDS:
            prefix = _prefix(key, kind, issued_on)
            for secret, check in readings:
                if _check(prefix, secret) == check:
                    return Code(kind, secret, issued_on)
    return None
