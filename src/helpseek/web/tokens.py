"""The hidden-field token that replaces cookies: session id + per-session key + nonce, MAC'd.

The per-session key opens the sealed in-progress answers, so a copy of the database alone cannot
read them; the nonce names the session state the page was rendered from, so a POST that carries
an old one (a double click, a retry, a second tab) moves nothing (web/survey.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
from dataclasses import dataclass, field
from pathlib import Path

from helpseek.store import SessionStateError, open_short, seal_short

_VERSION = 1
_LAYOUT = struct.Struct(">B16s32s16sQ")  # version, session id, session key, nonce, issued at (s)
NONCE_BYTES = 16
_MAC_BYTES = 32
SECRET_BYTES = 32


class TokenError(ValueError):
    """A token that is malformed, was altered, or was not made by this server's secret."""


class TokenExpiredError(TokenError):
    """A genuine token older than the configured lifetime."""


@dataclass(frozen=True)
class Token:
    """What one rendered page carries in its hidden `token` field."""

    session_id: bytes
    session_key: bytes
    nonce: bytes
    issued_at: int

    @property
    def session_name(self) -> str:
        """The session id as the store keys it (hex)."""
        return self.session_id.hex()


def new_nonce() -> bytes:
    """A random nonce for a new session state (the one its next POST must carry)."""
    return secrets.token_bytes(NONCE_BYTES)


def encode_token(token: Token, secret: bytes) -> str:
    """The token as URL-safe text for a hidden field, MAC'd with the server secret."""
    payload = _LAYOUT.pack(
        _VERSION, token.session_id, token.session_key, token.nonce, token.issued_at
    )
    mac = hmac.new(secret, payload, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(payload + mac).decode("ascii").rstrip("=")


def decode_token(text: str, secret: bytes, now: int, lifetime_s: int) -> Token:
    """The token from its text; raises TokenError (bad or altered) or TokenExpiredError (too old)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise TokenError("not a token") from error
    if len(raw) != _LAYOUT.size + _MAC_BYTES:
        raise TokenError("wrong length")
    payload, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not hmac.compare_digest(mac, hmac.new(secret, payload, hashlib.sha256).digest()):
        raise TokenError("MAC does not match")
    version, session_id, session_key, nonce, issued_at = _LAYOUT.unpack(payload)
    if version != _VERSION:
        raise TokenError("unknown token version")
    if now - issued_at > lifetime_s or issued_at - now > 300:
        raise TokenExpiredError("token expired")
    return Token(session_id, session_key, nonce, issued_at)


_CONFIRM_VERSION = 4
_CONFIRM_LAYOUT = struct.Struct(">B16s32sQ")  # version, lookup, check value, issued
_CONFIRM_DOMAIN = b"helpseek/withdraw-confirm/2"


@dataclass(frozen=True)
class Confirmation:
    """What the "yes, withdraw" button carries: the code's argon2id lookup, its check value (the
    one the response's last page holds) and when this page was made. The code itself is not in
    it (issue 14)."""

    lookup: bytes = field(repr=False)
    check: bytes = field(repr=False)
    issued_at: int


def encode_confirmation(confirmation: Confirmation, secret: bytes) -> str:
    """The confirmation as URL-safe text for a hidden field, encrypted (SecretBox, random nonce)
    with a key derived from the server secret: the page, a saved copy of it or a log of the form
    post shows neither the check value (which the offline side matches to the response) nor the
    lookup, and two confirmation pages for one code carry unrelated values."""
    payload = _CONFIRM_LAYOUT.pack(
        _CONFIRM_VERSION,
        confirmation.lookup,
        confirmation.check,
        confirmation.issued_at,
    )
    sealed = seal_short(_confirm_key(secret), payload)
    return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")


def decode_confirmation(text: str, secret: bytes, now: int, lifetime_s: int) -> Confirmation:
    """The confirmation from its text; TokenError (bad or altered), TokenExpiredError (too old)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = open_short(_confirm_key(secret), raw)
    except (ValueError, TypeError, SessionStateError) as error:
        raise TokenError("not a confirmation of this server") from error
    if len(payload) != _CONFIRM_LAYOUT.size:
        raise TokenError("wrong length")
    version, lookup, check, issued_at = _CONFIRM_LAYOUT.unpack(payload)
    if version != _CONFIRM_VERSION:
        raise TokenError("unknown confirmation version")
    if now - issued_at > lifetime_s or issued_at - now > 300:
        raise TokenExpiredError("confirmation expired")
    return Confirmation(lookup, check, issued_at)


def _confirm_key(secret: bytes) -> bytes:
    return hmac.new(secret, _CONFIRM_DOMAIN, hashlib.sha256).digest()


def load_or_create_secret(path: Path) -> bytes:
    """The server secret from `path`, created (0600) on first use so restarts keep sessions valid.

    Written to a temporary name and hard-linked into place, so several workers starting at once
    all end up with the same complete secret.
    """
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    secret = path.read_bytes()
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"{path} is not a helpseek server secret ({len(secret)} bytes)")
    return secret
