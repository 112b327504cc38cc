"""The survey as an onion service on a private Tor network: a whole response through tor's SOCKS
port, sealed and stored, with nothing identifying on the server; a flooding circuit is throttled
while another respondent finishes."""

from __future__ import annotations

import ipaddress
import threading

import httpx
import pytest
from web.walker import walk

from helpseek.data import unseal_all
from helpseek.store import PageRecord, ResearchKeypair, open_store
from helpseek.web.i18n import load_catalogue

from .conftest import CIRCUIT_BURST, OnionSurvey
from .probes import remote_addresses

pytestmark = pytest.mark.tor
UI = load_catalogue()
USER_AGENT = "UAtokengamma"


def records_with(survey: OnionSurvey, key: ResearchKeypair, text: str) -> list[PageRecord]:
    """Every stored page, unsealed, of the response whose text answers are `text`."""
    store = open_store(f"sqlite:///{survey.server.database}")
    try:
        records = unseal_all(store, key.identity)  # as export reads them: fillers dropped
    finally:
        store.close()
    ids = {r.response_id for r in records if text in r.answers.values()}
    # in the order they were sent: the store keeps no order in time (random record ids)
    return sorted((r for r in records if r.response_id in ids), key=lambda r: r.seq)


def test_onion__a_whole_response_through_tor__is_stored_sealed_and_leaves_no_trace(
    onion_survey: OnionSurvey, research_key: ResearchKeypair
) -> None:
    # Given a respondent whose browser sends a distinctive User-Agent, through tor's SOCKS port
    proxy = onion_survey.network.socks_proxy("respondent:one")
    headers = {"user-agent": USER_AGENT}
    with httpx.Client(base_url=onion_survey.url, proxy=proxy, headers=headers, timeout=60) as c:
        # When they answer help_us_help_you to the end
        result = walk(c, text="tokendelta")
    # Then they see the thank-you page
    assert result.finished, (result.last_status, result.last_html[:500])
    assert UI.text("en", "end_text") in result.last_html
    # And every acknowledged page is stored once, sealed, in order, as one response
    records = records_with(onion_survey, research_key, "tokendelta")
    assert [r.seq for r in records] == list(range(1, result.acknowledged + 1))
    assert len({r.response_id for r in records}) == 1 and records[-1].status == "complete"
    assert [dict(r.answers) for r in records] == result.sent
    # And nothing about the client or the circuit reached the database or the server's log
    raw = onion_survey.server.database.read_bytes()
    log = onion_survey.server.log.read_text()
    for trace in (USER_AGENT, onion_survey.network.onion_address, "tokendelta", "fc00:dead"):
        assert trace.encode() not in raw
        assert trace not in log
    assert "GET " not in log and "POST " not in log and "PROXY" not in log


def test_onion__flooding_circuit_throttled__another_respondent_completes(
    onion_survey: OnionSurvey, research_key: ResearchKeypair
) -> None:
    # Given one circuit that sends far more requests than its limit, as fast as tor carries them
    statuses: list[int] = []

    def flood() -> None:
        proxy = onion_survey.network.socks_proxy("flood:flood")
        with httpx.Client(base_url=onion_survey.url, proxy=proxy, timeout=60) as client:
            for _ in range(2 * CIRCUIT_BURST):
                statuses.append(client.get("/?lang=es").status_code)

    flooder = threading.Thread(target=flood)
    flooder.start()
    # When another respondent (other SOCKS credentials, so another circuit) answers meanwhile
    proxy = onion_survey.network.socks_proxy("respondent:two")
    try:
        with httpx.Client(base_url=onion_survey.url, proxy=proxy, timeout=60) as client:
            result = walk(client, language="de", text="tokenepsilon")
    finally:
        flooder.join(timeout=300)
    # Then the flooding circuit got its burst and then the calm 429 page
    assert statuses[:CIRCUIT_BURST] == [200] * CIRCUIT_BURST
    assert statuses.count(429) >= CIRCUIT_BURST // 2
    # And the other respondent finished, every page stored
    assert result.finished, (result.last_status, result.last_html[:500])
    records = records_with(onion_survey, research_key, "tokenepsilon")
    assert [r.seq for r in records] == list(range(1, result.acknowledged + 1))


def test_onion__throttled_page__is_in_the_respondents_language(onion_survey: OnionSurvey) -> None:
    proxy = onion_survey.network.socks_proxy("flood:spanish")
    with httpx.Client(base_url=onion_survey.url, proxy=proxy, timeout=60) as client:
        replies = [client.get("/?lang=es") for _ in range(2 * CIRCUIT_BURST)]
    last = replies[-1]
    assert last.status_code == 429 and last.headers["retry-after"] == "2"
    assert UI.text("es", "msg_too_many") in last.text
    assert "<script" not in last.text.lower()


def test_onion__every_tor_connection__stays_on_loopback(onion_survey: OnionSurvey) -> None:
    pids = [p.pid for p in onion_survey.network.processes]
    remote = remote_addresses(pids)
    assert remote, "no TCP connection found: the check would prove nothing"
    addresses = [ipaddress.ip_address(a) for a in remote]
    addresses = [getattr(a, "ipv4_mapped", None) or a for a in addresses]
    outside = [a for a in addresses if not (a.is_loopback or a.is_unspecified)]
    assert outside == [], outside
