"""The hidden-field token: MAC'd, expiring, and the server secret persisted with 0600 permissions."""

from __future__ import annotations

import stat

import pytest

from helpseek.web.tokens import (
    Token,
    TokenError,
    TokenExpiredError,
    decode_token,
    encode_token,
    load_or_create_secret,
    new_nonce,
)

SECRET = b"s" * 32


def _new_token(issued_at: int) -> Token:
    return Token(b"i" * 16, b"k" * 32, new_nonce(), issued_at)


def _token_text(issued_at: int = 1_000) -> str:
    return encode_token(_new_token(issued_at), SECRET)


def test_token__round_trip__gives_back_session_key_and_nonce() -> None:
    token = _new_token(1_000)
    decoded = decode_token(encode_token(token, SECRET), SECRET, now=1_010, lifetime_s=60)
    assert decoded == token


def test_token__new_states__carry_different_nonces() -> None:
    assert new_nonce() != new_nonce()


@pytest.mark.parametrize("position", [0, 10, 40, 70, 100])
def test_token__one_character_changed__is_refused(position: int) -> None:
    text = _token_text()
    changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
    with pytest.raises(TokenError):
        decode_token(changed, SECRET, now=1_000, lifetime_s=60)


@pytest.mark.parametrize("text", ["", "abc", "!!!!", "A" * 500, "é" * 20])
def test_token__garbage__is_refused(text: str) -> None:
    with pytest.raises(TokenError):
        decode_token(text, SECRET, now=1_000, lifetime_s=60)


def test_token__made_with_another_secret__is_refused() -> None:
    with pytest.raises(TokenError):
        decode_token(_token_text(), b"o" * 32, now=1_000, lifetime_s=60)


def test_token__older_than_lifetime__is_expired() -> None:
    with pytest.raises(TokenExpiredError):
        decode_token(_token_text(issued_at=1_000), SECRET, now=1_061, lifetime_s=60)


def test_secret__first_use__creates_private_file_and_keeps_it(tmp_path) -> None:
    path = tmp_path / "web.secret"
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first
    assert len(first) == 32


def test_secret__damaged_file__is_refused(tmp_path) -> None:
    path = tmp_path / "web.secret"
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="not a helpseek server secret"):
        load_or_create_secret(path)
