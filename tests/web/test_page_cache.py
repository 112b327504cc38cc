"""Question pages rendered once per shape (web/page_cache.py, issue 16): every page served from the
cache is byte for byte the page Jinja renders fresh with the same token, a reused page carries the
requesting respondent's own token, and nothing a respondent typed or chose is ever kept."""

from __future__ import annotations

import random
from pathlib import Path

from helpseek.collect import Accepted, Rejected, Session
from helpseek.instrument import RECENT_SECONDS, load_instrument
from helpseek.settings import Settings
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.answering import answer_page, shown_questions
from helpseek.synth.walk import submit_until_accepted
from helpseek.web.i18n import load_catalogue
from helpseek.web.pages import QuestionPage
from helpseek.web.render import Renderer

from .conftest import Respondent, make_settings

PIPED_FORM = """
| survey |
| | type | name | label | required |
| | text | pet | Your pet's name? | yes |
| | note | hello | Hello ${pet}! | |
| | integer | age | How old is ${pet}? | yes |

| settings |
| | form_id | version |
| | piped | 1 |
"""


def _pages(renderer: Renderer, session: Session, view, tokens: tuple[str, ...]):  # type: ignore[no-untyped-def]
    instrument = session.instrument
    chrome = renderer.chrome(session.language, instrument)
    for token in tokens:
        yield QuestionPage(chrome, chrome.title(instrument.title), view, token)


def _check(renderer: Renderer, page: QuestionPage) -> bytes:
    """The page as served, after checking it against a fresh render with the same token."""
    served = renderer.respond(page).body
    assert served == renderer.html(page).encode("utf-8")
    return served


def test_cached_pages_are_the_fresh_pages(tmp_path: Path, public_key_file: Path) -> None:
    """60 synthetic respondents through help_us_help_you in each of its languages: every page
    shown (first views, pages re-shown with errors, pages gone back to) is served exactly as
    Jinja renders it with that request's token; most are served from the cache."""
    instrument = load_instrument("help_us_help_you")
    settings = make_settings(tmp_path, public_key_file, "help_us_help_you")
    renderer = Renderer(settings, load_catalogue(), instrument)
    draw = draw_respondents(instrument, load_truth(None, instrument), 60, 11)
    languages = [lang.code for lang in instrument.languages]
    assert len(languages) > 1
    served = 0
    for n, respondent in enumerate(draw.respondents):
        language = languages[n % len(languages)]
        session = Session.start(instrument, language, random.Random(n))
        while not session.is_finished:
            view = session.current_page()
            for page in _pages(renderer, session, view, (f"tok{n}a", f"tok{n}b")):
                assert page.token.encode() in _check(renderer, page)
                served += 1
            shown = shown_questions(view)
            if n % 3 == 0:  # an empty page: required questions come back with errors
                rejected = session.submit({})
                if isinstance(rejected, Rejected):
                    for page in _pages(renderer, session, rejected.view, (f"err{n}",)):
                        _check(renderer, page)
            values = answer_page(respondent, instrument, shown)
            outcome, _ = submit_until_accepted(session, values, shown, respondent)
            session = outcome.session
            if n % 4 == 1 and not session.is_finished:  # back: the page shows its answers again
                back = session.back()
                for page in _pages(renderer, back, back.current_page(), (f"back{n}",)):
                    _check(renderer, page)
    cache = renderer.pages
    assert served > 1000
    assert cache.reuses > served / 2, (cache.renders, cache.reuses)


def test_answers_are_never_kept(tmp_path: Path, public_key_file: Path) -> None:
    """A page pre-filled with an answer, or with text filled in from one, is rendered fresh each
    time and leaves nothing in the cache; a page without either is kept."""
    form = tmp_path / "piped.md"
    form.write_text(PIPED_FORM)
    instrument = load_instrument(str(form))
    renderer = Renderer(
        make_settings(tmp_path, public_key_file, str(form)), load_catalogue(), instrument
    )
    session = Session.start(instrument, "default", random.Random(1))
    first = session.current_page()
    (page,) = _pages(renderer, session, first, ("t1",))
    _check(renderer, page)
    assert renderer.pages.renders == 1 and len(renderer.pages._pages) == 1
    outcome = session.submit({"pet": ["tokenbravo"]})
    assert isinstance(outcome, Accepted)
    piped = outcome.session.current_page()  # "Hello tokenbravo!" / "How old is tokenbravo?"
    back = outcome.session.back().current_page()  # the pet's name, pre-filled
    for view, session_now in ((piped, outcome.session), (back, outcome.session.back())):
        for page in _pages(renderer, session_now, view, ("t2", "t3")):
            assert b"tokenbravo" in _check(renderer, page)
    assert len(renderer.pages._pages) == 1  # still only the empty first page
    assert not any(b"tokenbravo" in html for html, _ in renderer.pages._pages.values())


def test_reused_page_carries_each_respondents_token(
    settings: Settings,
    client,
    respondent: Respondent,  # type: ignore[no-untyped-def]
) -> None:
    """Two respondents on the same page of the live app: the second page comes from the cache
    with the second respondent's own token, and each goes on with the token it was given."""
    renderer = client.app.state.renderer
    first = respondent.start("en")
    renders = renderer.pages.renders
    other = Respondent(client)
    second = other.start("en")
    assert renderer.pages.renders == renders and renderer.pages.reuses >= 1
    assert first.hidden["token"] != second.hidden["token"]
    assert first.html.replace(first.hidden["token"], "") == second.html.replace(
        second.hidden["token"], ""
    )
    for person in (other, respondent):
        answers = person.page.quick_answers()  # type: ignore[union-attr]
        after = person.send(answers)
        assert after.status == 200 and after.is_question


def test_landing_pages_are_rendered_once(client) -> None:  # type: ignore[no-untyped-def]
    """Each landing page (address and language) is rendered at its first request; later ones
    get the same bytes, with each language's own strings and links."""
    paths = [
        f"{base}?lang={code}"
        for base in ("/", "/survey/help_us_help_you", "/survey/tokens")
        for code in ("en", "es", "ar")
    ]
    first = {path: client.get(path) for path in paths}
    assert len({r.text for r in first.values()}) == len(paths)
    for path in paths:
        again = client.get(path)
        assert again.status_code == first[path].status_code == 200
        assert again.content == first[path].content
        assert again.headers["content-length"] == first[path].headers["content-length"]
    assert len(client.app.state.renderer._landings) == len(paths)


def test_a_page_past_its_bound_is_rendered_again_and_purged(
    tmp_path: Path, public_key_file: Path
) -> None:
    """A page variant follows from someone's answers: one not used for RECENT_SECONDS is not
    served from the cache but rendered again (the same bytes), and purge drops it (clock
    injected). Guards the bound: before it, a variant stayed until 2,048 others came."""
    instrument = load_instrument("help_us_help_you")
    renderer = Renderer(
        make_settings(tmp_path, public_key_file, "help_us_help_you"), load_catalogue(), instrument
    )
    now = [100.0]
    renderer.pages.clock = lambda: now[0]
    session = Session.start(instrument, "en", random.Random(1))
    (page,) = _pages(renderer, session, session.current_page(), ("t1",))
    first = _check(renderer, page)
    now[0] += RECENT_SECONDS  # used again at the bound: served, and its age starts again
    assert _check(renderer, page) == first and renderer.pages.reuses == 1
    now[0] += RECENT_SECONDS + 1
    renders = renderer.pages.renders
    assert _check(renderer, page) == first and renderer.pages.renders == renders + 1
    assert renderer.pages.reuses == 1  # _check's own fresh render is no cache use
    assert renderer.pages.purge() == 0 and len(renderer.pages) == 1
    now[0] += RECENT_SECONDS + 1
    assert renderer.pages.purge() == 1 and len(renderer.pages) == 0
