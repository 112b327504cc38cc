"""The hidden-field token: MAC'd, expiring, and the server secret persisted with 0600 permissions.
The withdrawal confirmation: encrypted, so its text reveals nothing (issue 14)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import stat
import struct

import pytest

from helpseek.web.tokens import (
    Confirmation,
    Token,
    TokenError,
    TokenExpiredError,
    decode_confirmation,
    decode_token,
    encode_confirmation,
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


def test_token__text__is_the_layout_and_its_hmac_sha256__as_issued_before() -> None:
    """Tokens on pages already sent must keep verifying after an upgrade: the text is the
    packed layout followed by HMAC-SHA256 of it with the server secret (the standard MAC, as
    `hmac.new(...).digest()` computes it)."""
    token = Token(b"i" * 16, b"k" * 32, b"n" * 16, 1_000)
    payload = struct.pack(">B16s32s16sQ", 1, b"i" * 16, b"k" * 32, b"n" * 16, 1_000)
    mac = hmac.new(SECRET, payload, hashlib.sha256).digest()
    text = base64.urlsafe_b64encode(payload + mac).decode("ascii").rstrip("=")
    assert encode_token(token, SECRET) == text
    assert decode_token(text, SECRET, now=1_010, lifetime_s=60) == token


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


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_confirmation__reveals_no_lookup_check_or_time__and_differs_each_time() -> None:
    confirmation = Confirmation(secrets.token_bytes(16), secrets.token_bytes(32), 1_000)
    texts = [encode_confirmation(confirmation, SECRET) for _ in range(3)]
    for text in texts:
        raw = _raw(text)
        # Nothing of what it carries is readable: not the lookup or check value, not any 4-byte
        # piece of them (in bytes or hex), not the time it was made
        pieces = [v[i : i + 4] for v in (confirmation.lookup, confirmation.check)
                  for i in range(len(v) - 3)]  # fmt: skip
        assert not any(p in raw or p.hex().encode() in text.encode() for p in pieces)
        assert struct.pack(">Q", 1_000) not in raw and b"\x00" * 6 not in raw
        assert decode_confirmation(text, SECRET, now=1_010, lifetime_s=60) == confirmation
    assert len(set(texts)) == 3  # two pages for one code cannot be told to be the same code


@pytest.mark.parametrize("position", [0, 20, 60, 100, 125])
def test_confirmation__one_character_changed_or_other_secret__is_refused(position: int) -> None:
    text = encode_confirmation(Confirmation(b"l" * 16, b"c" * 32, 1_000), SECRET)
    changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
    with pytest.raises(TokenError):
        decode_confirmation(changed, SECRET, now=1_010, lifetime_s=60)
    with pytest.raises(TokenError):
        decode_confirmation(text, b"o" * 32, now=1_010, lifetime_s=60)
    with pytest.raises(TokenExpiredError):
        decode_confirmation(text, SECRET, now=1_100, lifetime_s=60)
