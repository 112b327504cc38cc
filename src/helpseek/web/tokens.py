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
from dataclasses import dataclass
from pathlib import Path

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
