"""The invitation sends the survey server's header policy (plus the hash of its inline style)."""

from __future__ import annotations

import base64
import hashlib

from helpseek.invite.headers import security_headers
from helpseek.invite.page import stylesheet
from helpseek.web.headers import SECURITY_HEADERS


def test_invite_headers__equal_the_survey_servers_except_the_inline_style_hash() -> None:
    ours = dict(security_headers(stylesheet()))
    theirs = {k.decode(): v.decode() for k, v in SECURITY_HEADERS}
    digest = base64.b64encode(hashlib.sha256(stylesheet().encode()).digest()).decode()
    expected_csp = theirs["content-security-policy"].replace(
        "style-src 'self'", f"style-src 'self' 'sha256-{digest}'"
    )
    assert ours == {**theirs, "content-security-policy": expected_csp}
