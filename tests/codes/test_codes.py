"""Respondent codes: the word lists as BIP-39 has them, the bits a code carries, and reading back
what a person types (accents, case, first letters, base32 look-alikes) without accepting others."""

from __future__ import annotations

import hashlib
import math
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from helpseek.codes import (
    CHECK_BITS,
    SECRET_BITS,
    Code,
    code_parts,
    code_text,
    new_code,
    normalise,
    read_code,
    uses_words,
    word_list,
)
from helpseek.codes.text import BASE32_ALPHABET, candidate_values, to_indices
from helpseek.codes.wordlists import LANGUAGES, WORDS_DIR

KEY = bytes(range(32))
TODAY = date(2026, 11, 30)
README = WORDS_DIR / "README.md"
FETCH = Path(__file__).parents[2] / "tools" / "wordlists" / "fetch_bip39.py"


@pytest.mark.parametrize("language", LANGUAGES)
def test_word_list__is_the_bip39_file_recorded_in_the_readme(language: str) -> None:
    data = (WORDS_DIR / f"{language}.txt").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert f"| `{language}.txt` |" in README.read_text()
    assert digest in README.read_text() and digest in FETCH.read_text()
    words = word_list(language)
    assert words is not None and len(words.words) == 2048
    assert len({normalise(w)[:4] for w in words.words}) == 2048  # four letters name one word


@pytest.mark.parametrize("language", LANGUAGES)
def test_new_codes__show_no_avoided_word(language: str) -> None:
    words = word_list(language)
    assert words is not None and words.avoided
    avoided = {words.words[i] for i in words.avoided}
    rng = random.Random(7)
    for _ in range(500):
        code = new_code("resume", TODAY, KEY, language, rng)
        assert not avoided & set(code_parts(code, KEY, language))


def test_randomness__at_least_64_bits_in_every_language() -> None:
    """Six random words from the allowed ones; a draw is repeated when either check word is
    avoided, which costs -log2(P(both allowed)) bits (the check is HMAC output: uniform)."""
    for language in LANGUAGES:
        words = word_list(language)
        assert words is not None
        allowed = len(words.allowed)
        bits = 6 * math.log2(allowed) + 2 * math.log2(allowed / 2048)
        assert bits >= 64.0, (language, bits)
    assert SECRET_BITS == 66 and CHECK_BITS == 22  # base32 codes: 66 random bits


def test_minimum_randomness__is_the_figure_the_docs_state() -> None:
    figures = {}
    for language in LANGUAGES:
        allowed = len(word_list(language).allowed)  # type: ignore[union-attr]
        figures[language] = 6 * math.log2(allowed) + 2 * math.log2(allowed / 2048)
    assert round(min(figures.values()), 1) == 64.7  # Spanish, 221 avoided words
    decision = (Path(__file__).parents[2] / "docs/decisions/0005-respondent-codes.md").read_text()
    assert "64.7 bits" in decision


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("language", [*LANGUAGES, "ar", "ru", "de", "ja", "zh-Hans"])
def test_code__reads_back_as_typed_in_many_ways(language: str) -> None:
    rng = random.Random(language)
    code = new_code("resume", TODAY, KEY, language, rng)
    text = code_text(code, KEY, language)
    typed = [
        text,
        text.upper(),
        "  " + text.replace(" ", "\n") + " ",
        normalise(text),  # no accents
        _full_width(text),  # a CJK input method in full-width mode: "７ＺＺ－ＺＺＺ…"
    ]
    if uses_words(language):
        typed.append(" ".join(normalise(w)[:4] for w in text.split()))  # first four letters
        typed.append(", ".join(text.split()))
    else:
        typed.append(text.replace("-", "").lower())
        typed.append(text.replace("0", "o").replace("1", "l"))
        typed.append(text.replace("-", "ー"))  # the long-vowel mark a Japanese IME gives for "-"
    later = TODAY + timedelta(days=5)
    for form in typed:
        assert read_code(form, KEY, later, TODAY - timedelta(days=30)) == code, form


def test_code__of_each_kind_keeps_its_kind_and_date() -> None:
    rng = random.Random(1)
    for kind in ("resume", "withdrawal"):
        for issued in (TODAY, TODAY - timedelta(days=40)):
            code = new_code(kind, issued, KEY, "en", rng)
            found = read_code(code_text(code, KEY, "en"), KEY, TODAY, TODAY - timedelta(days=60))
            assert found == Code(kind, code.secret, issued)


def test_code__older_than_the_window_or_from_another_key_is_not_read() -> None:
    code = new_code("resume", TODAY - timedelta(days=10), KEY, "en", random.Random(2))
    text = code_text(code, KEY, "en")
    assert read_code(text, KEY, TODAY, TODAY - timedelta(days=9)) is None
    assert read_code(text, bytes(32), TODAY, TODAY - timedelta(days=30)) is None


def test_code__with_any_one_word_changed_is_not_read() -> None:
    rng = random.Random(3)
    words = word_list("en")
    assert words is not None
    misses = 0
    for _ in range(200):
        code = new_code("resume", TODAY, KEY, "en", rng)
        parts = list(code_parts(code, KEY, "en"))
        position = rng.randrange(8)
        parts[position] = words.words[(words.words.index(parts[position]) + 1) % 2048]
        misses += read_code(" ".join(parts), KEY, TODAY, TODAY - timedelta(days=30)) is None
    # Each false reading has probability about 31 dates x 2 kinds / 2^22 = 1.5e-5.
    assert misses == 200


def test_random_texts__are_not_codes() -> None:
    rng = random.Random(4)
    english = word_list("en")
    assert english is not None
    found = 0
    for _ in range(1000):
        guess = " ".join(rng.choice(english.words) for _ in range(8))
        found += read_code(guess, KEY, TODAY, TODAY - timedelta(days=30)) is not None
    # Expected 1000 x 31 dates x 2 kinds / 2^22 = 0.015 (a check of 8 bits would let ~240 in).
    assert found == 0


def test_text__words_and_base32_carry_the_same_88_bits() -> None:
    code = new_code("withdrawal", TODAY, KEY, "de", random.Random(5))
    base32 = code_text(code, KEY, "de")
    assert re.fullmatch(r"[0-7][0-9A-Z]{2}(-[0-9A-Z]{3}){5}", base32)
    assert set(base32.replace("-", "")) <= set(BASE32_ALPHABET)
    (value,) = candidate_values(base32)
    english = " ".join(word_list("en").words[i] for i in to_indices(value))  # type: ignore[union-attr]
    assert read_code(english, KEY, TODAY, TODAY) == code


def test_code__repr_hides_the_secret_and_checks_differ_per_code() -> None:
    rng = random.Random(6)
    first = new_code("withdrawal", TODAY, KEY, "es", rng)
    second = new_code("withdrawal", TODAY, KEY, "es", rng)
    assert str(first.secret) not in repr(first)
    assert first.withdrawal_check() != second.withdrawal_check()
    assert re.fullmatch(r"[0-9a-f]{64}", first.withdrawal_check())
    assert first.kdf_input() != Code("resume", first.secret, TODAY).kdf_input()
