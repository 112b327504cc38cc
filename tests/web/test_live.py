"""The real server over loopback: headers as a client receives them, no access log, text browsers."""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest

from helpseek.web.headers import SECURITY_HEADERS
from helpseek.web.i18n import load_catalogue

from .live import LiveServer

UI = load_catalogue()


def test_live__headers__security_set_and_no_server_or_date(live_server: LiveServer) -> None:
    for path in ("/", "/static/style.css", "/nope"):
        response = httpx.get(live_server.url + path)
        for name, value in SECURITY_HEADERS:
            assert response.headers.get(name.decode()) == value.decode(), (path, name)
        assert "server" not in response.headers and "date" not in response.headers


def test_live__a_full_response__leaves_no_request_trace_in_the_server_log(
    live_server: LiveServer,
) -> None:
    with httpx.Client(base_url=live_server.url, headers={"user-agent": "UAtokenbeta"}) as client:
        page = client.post("/start?lang=en", data={"instrument": "tokens"})
        token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        page = client.post(
            "/page?lang=en", data={"token": token, "action": "next", "age": "30", "agree": "yes"}
        )
        assert page.status_code == 200
    log = live_server.log.read_text()
    assert "POST" not in log and "GET" not in log and "UAtokenbeta" not in log
    assert not re.search(r"127\.0\.0\.1:\d+ -", log)  # no access-log line with a client port


@pytest.mark.parametrize("browser", ["w3m", "lynx"])
def test_text_browser__dumps_the_landing_page(live_server: LiveServer, browser: str) -> None:
    if shutil.which(browser) is None:
        pytest.skip(f"{browser} is not installed (.ci/run installs it)")
    result = subprocess.run(
        [browser, "-dump", live_server.url + "/?lang=de"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert UI.text("de", "consent_button") in text
    assert UI.text("de", "quick_exit") in text
    assert UI.text("de", "advice") in text


def test_text_browser__w3m_posts_the_consent_form(live_server: LiveServer, tmp_path) -> None:
    if shutil.which("w3m") is None:
        pytest.skip("w3m is not installed")
    body = tmp_path / "body"
    body.write_text("instrument=help_us_help_you")
    result = subprocess.run(
        ["w3m", "-dump", "-post", str(body), live_server.url + "/start?lang=fi"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert UI.text("fi", "next") in result.stdout
