"""The invitation's decisions per request: what is shown, where links go, and what is counted."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from helpseek.invite import InviteConfig, choose_variant, open_counts, open_invitation
from helpseek.invite.config import Assignment
from helpseek.invite.counts import CountRow
from helpseek.problems import InputError

from .conftest import DAY


def _invitation(config: InviteConfig, db_url: str, day: date = DAY):  # type: ignore[no-untyped-def]
    return open_invitation(config, db_url, today=lambda: day, rng=random.Random(1))


def _cells(db_url: str) -> list[tuple[str, str, str, str, int]]:
    return [(r.variant, r.language, r.event, r.target, r.count) for r in open_counts(db_url).rows()]


def test_search__matching_query__shows_interstitial_and_counts_one_impression(
    config: InviteConfig, db_url: str
) -> None:
    invitation = _invitation(config, db_url)
    reply = invitation.respond("GET", "/search", b"q=find+T0KEN.alpha&l=es")
    assert reply is not None and reply.status == 200
    html = reply.body.decode()
    assert config.messages["neutral"]["es"] in html
    assert 'href="/go/helpline?v=neutral&amp;l=es"' in html
    assert 'href="/go/survey_a?v=neutral&amp;l=es"' in html
    assert 'href="/help?v=neutral&amp;l=ar"' in html
    assert "tokenalpha" not in html.casefold() and "t0ken" not in html.casefold()
    assert _cells(db_url) == [("neutral", "es", "impression", "", 1)]


def test_search__other_query_or_no_query__passes_through_and_counts_nothing(
    config: InviteConfig, db_url: str
) -> None:
    invitation = _invitation(config, db_url)
    assert invitation.respond("GET", "/search", b"q=weather+tomorrow") is None
    assert invitation.respond("GET", "/", b"") is None
    assert invitation.respond("POST", "/search", b"q=tokenalpha") is None
    assert _cells(db_url) == []


def test_search__query_in_any_of_repeated_parameters__is_caught(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("GET", "/s", b"q=weather&q=tokenalpha")
    assert reply is not None and reply.status == 200


def test_search__percent_encoded_parameter_name__is_still_the_query(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("GET", "/s", b"%71=tokenalpha")
    assert reply is not None and reply.status == 200


def test_search__over_long_query__gets_a_notice_and_no_impression(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("GET", "/search", b"q=tokenalpha+" + b"x" * 600)
    assert reply is not None and reply.status == 400
    assert config.ui["too_long"]["en"] in reply.body.decode()
    assert _cells(db_url) == []


def test_search__binary_query__never_crashes(config: InviteConfig, db_url: str) -> None:
    invitation = _invitation(config, db_url)
    assert invitation.respond("GET", "/search", b"q=%ff%fe%00%c3%28") is None
    reply = invitation.respond("GET", "/search", b"q=%ff%00tokenalpha%80")
    assert reply is not None and reply.status == 200


def test_follow__allow_listed_target__redirects_303_and_counts_the_click(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("GET", "/go/survey_a", b"v=legal_risk&l=ar")
    assert reply is not None and reply.status == 303
    assert dict(reply.headers)["location"] == "https://survey.example.org/a"
    assert _cells(db_url) == [("legal_risk", "ar", "click", "survey_a", 1)]
    assert next(open_counts(db_url).rows()).target_kind == "survey"


@pytest.mark.parametrize(
    "path_and_query",
    [
        (b"/go/https://evil.example.com/", b"v=neutral&l=en"),
        (b"/go/", b"url=https://evil.example.com/"),
        (b"/go//evil.example.com", b""),
        (b"/go/helpline/../../evil", b""),
        (b"/go/HELPLINE", b""),
        (b"/go/helpline%2F..", b""),
        (b"/go/helpline", b"next=https://evil.example.com/"),
    ],
)
def test_follow__open_redirect_attempts__are_refused_or_go_only_to_the_configured_url(
    config: InviteConfig, db_url: str, path_and_query: tuple[bytes, bytes]
) -> None:
    path, query = path_and_query
    reply = _invitation(config, db_url).respond("GET", path.decode(), query)
    assert reply is not None
    if reply.status == 303:
        assert dict(reply.headers)["location"] == "https://help.example.org/start"
    else:
        assert reply.status == 404 and not any(k == "location" for k, _ in reply.headers)


def test_follow__unknown_target__counts_nothing(config: InviteConfig, db_url: str) -> None:
    reply = _invitation(config, db_url).respond("GET", "/go/nothere", b"v=neutral&l=en")
    assert reply is not None and reply.status == 404
    assert config.ui["not_found"]["en"] in reply.body.decode()
    assert _cells(db_url) == []


def test_follow__hand_edited_variant_or_language__redirects_but_is_not_counted(
    config: InviteConfig, db_url: str
) -> None:
    invitation = _invitation(config, db_url)
    for query in (b"v=madeup&l=en", b"v=neutral&l=xx", b""):
        reply = invitation.respond("GET", "/go/helpline", query)
        assert reply is not None and reply.status == 303
    assert _cells(db_url) == []


def test_follow__head_request__redirects_without_counting(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("HEAD", "/go/helpline", b"v=neutral&l=en")
    assert reply is not None and reply.status == 303 and _cells(db_url) == []


def test_language_link__shows_the_same_variant_in_another_language_without_a_new_impression(
    config: InviteConfig, db_url: str
) -> None:
    reply = _invitation(config, db_url).respond("GET", "/help", b"v=combined&l=ar")
    assert reply is not None and reply.status == 200
    html = reply.body.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert config.messages["combined"]["ar"] in html
    assert 'href="/go/helpline?v=combined&amp;l=ar"' in html
    assert _cells(db_url) == []


def test_links__carry_the_mount_path_of_the_app(config: InviteConfig, db_url: str) -> None:
    reply = _invitation(config, db_url).respond("GET", "/search", b"q=tokenalpha", root="/engine")
    assert (
        reply is not None and 'href="/engine/go/helpline?v=neutral&amp;l=en"' in reply.body.decode()
    )


def test_choose_variant__rotation__changes_daily_and_cycles_from_the_anchor() -> None:
    assignment = Assignment(
        "rotation", DAY, ("neutral", "harm_to_children", "legal_risk", "combined")
    )
    days = [DAY + timedelta(days=n) for n in range(-1, 6)]
    shown = [choose_variant(assignment, d, random.Random(0)) for d in days]
    assert shown == ["combined", "neutral", "harm_to_children", "legal_risk", "combined",
                     "neutral", "harm_to_children"]  # fmt: skip


def test_choose_variant__random__draws_every_variant_from_the_given_rng() -> None:
    assignment = Assignment("random", DAY, ("neutral", "legal_risk"))
    rng = random.Random(7)
    draws = [choose_variant(assignment, DAY, rng) for _ in range(200)]
    assert set(draws) == {"neutral", "legal_risk"}
    assert 60 < draws.count("neutral") < 140


def test_open_invitation__without_any_database__is_invite_008(config: InviteConfig) -> None:
    with pytest.raises(InputError) as caught:
        open_invitation(config)
    assert [p.code for p in caught.value.problems] == ["INVITE-008"]


def test_counts__hold_no_query_text_and_no_request_detail(
    config: InviteConfig, db_url: str
) -> None:
    invitation = _invitation(config, db_url)
    invitation.respond("GET", "/search", b"q=tokenalpha+uniqueneedle")
    invitation.respond("GET", "/go/helpline", b"v=neutral&l=en")
    assert set(CountRow.__dataclass_fields__) == {
        "day",
        "variant",
        "language",
        "event",
        "target",
        "target_kind",
        "count",
    }
    database = Path(db_url.removeprefix("sqlite:///"))
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    assert files and all(b"uniqueneedle" not in p.read_bytes() for p in files)


def test_counting_failure__still_shows_the_page_and_redirects(
    config: InviteConfig, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an invitation whose counts table has gone (a broken database)
    invitation = _invitation(config, db_url)
    with invitation.counts.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE invite_counts")
    # When a matching search and a click come in
    page = invitation.respond("GET", "/search", b"q=tokenalpha")
    click = invitation.respond("GET", "/go/helpline", b"v=neutral&l=en")
    # Then the person still gets help, and the lost counts are logged without request detail
    assert page is not None and page.status == 200
    assert click is not None and click.status == 303
    assert [r.getMessage() for r in caplog.records] == [
        "invite: one impression count was lost: OperationalError",
        "invite: one click count was lost: OperationalError",
    ]


def test_every_bundled_language_and_variant__renders_a_page_with_no_script_or_external_url(
    tmp_path: Path, terms_file: Path
) -> None:
    import re
    from html import unescape

    from helpseek.invite.config import BUNDLED_VARIANTS, build_config, bundled_texts
    from helpseek.invite.page import build_interstitial, render

    languages = list(bundled_texts())
    config = build_config(
        {"terms_file": "terms.txt", "languages": languages,
         "targets": {"h": {"url": "https://h.example.org/", "kind": "help", "label": "Help"},
                     "s": {"url": "https://s.example.org/", "kind": "survey", "label": "Survey"}}},
        base=tmp_path,
    )  # fmt: skip
    for language in languages:
        for variant in BUNDLED_VARIANTS:
            html = render(build_interstitial(config, variant, language))
            # the page escapes quotes and apostrophes ("n'avez" is "n&#x27;avez" in the HTML)
            assert bundled_texts()[language]["variants"][variant] in unescape(html)
            assert not re.search(
                r"<script|<svg|<img|<link|<iframe|@import|url\(", html, re.IGNORECASE
            )
            assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
            assert "example.org" not in html  # targets only by id, through /go/
            assert len(re.findall(r'href="/go/[hs]\?v=' + variant, html)) == 2
