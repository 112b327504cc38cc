"""Security headers on every response the invitation itself produces (interstitial, redirects).

The same policy as the survey server (web/headers.py); invite cannot import web (imports point
down, STYLE.md §2), so the set is repeated here and a test keeps the two in step. The one
difference: the interstitial carries its small stylesheet inline, allowed by its hash, so that a
search engine embedding the middleware does not have to serve a CSS file.
"""

from __future__ import annotations

import base64
import hashlib


def content_security_policy(inline_style: str) -> str:
    """The survey server's policy, plus the hash of the one inline <style> block.

    >>> content_security_policy("p{}").split("; ")[1]
    "style-src 'self' 'sha256-gG2yISYereRMiG2lMXrbiUgi0Ubw9p7QCeWcroOvy9Y='"
    """
    digest = base64.b64encode(hashlib.sha256(inline_style.encode("utf-8")).digest()).decode()
    return (
        f"default-src 'none'; style-src 'self' 'sha256-{digest}'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def security_headers(inline_style: str) -> list[tuple[str, str]]:
    """Header name/value pairs (lower-case names) for a response of the invitation."""
    return [
        ("content-security-policy", content_security_policy(inline_style)),
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("permissions-policy", "interest-cohort=()"),
    ]
