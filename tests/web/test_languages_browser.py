"""Every bundled questionnaire walked to the end in every bundled language, in one real headless
Chromium with JavaScript off (one context per language), checking on every page that the text
shown is that language's translation and that the page's lang and dir are right, that the walk
showed every text of the questionnaire (notes, hints, options, help resources), and that message
pages speak the language too (issue 15). Right-to-left pages are checked as laid out, not only
as marked."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from helpseek.instrument import Instrument, Question, bundled_instruments, load_instrument
from helpseek.languages import is_rtl
from helpseek.store import ResearchKeypair
from helpseek.web.i18n import load_catalogue

from .live import LiveServer

pytestmark = pytest.mark.browser

INSTRUMENTS = {name: load_instrument(name) for name in bundled_instruments()}
FIRST = "help_us_help_you"
LANGUAGES = INSTRUMENTS[FIRST].language_codes
UI = load_catalogue()
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, research_key: ResearchKeypair
) -> Iterator[LiveServer]:
    """`helpseek serve` with the three bundled questionnaires (each at /survey/<name>)."""
    folder = tmp_path_factory.mktemp("languages")
    key = folder / "public.key"
    key.write_text(research_key.public_key + "\n")
    live = LiveServer(folder, key, tuple(INSTRUMENTS))
    live.start()
    yield live
    live.stop()


def normal(text: str) -> str:
    return " ".join(text.split())


def click(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    with page.expect_navigation() as navigation:
        page.click(selector)
    return int(navigation.value.status)


# One round trip reads what a page shows and how it is laid out (JavaScript is off for the page;
# Playwright's evaluation still reads the DOM).
READ_PAGE = """() => {
  const h = document.querySelector('main h1, main legend, main .label, main p');
  const r = document.createRange();
  r.selectNodeContents(h);
  const text = r.getBoundingClientRect(), box = h.getBoundingClientRect();
  return {
    lang: document.documentElement.lang, dir: document.documentElement.dir,
    direction: getComputedStyle(document.body).direction,
    startGap: Math.round(document.documentElement.dir === 'rtl'
      ? box.right - text.right : text.left - box.left),
    text: document.querySelector('main').innerText,
    footer: (document.querySelector('footer.help') || {innerText: ''}).innerText,
    names: [...document.querySelectorAll('main [name]')].map(e => e.name),
  };
}"""
# Answers are set in the DOM in one call; the form is then sent by a real click.
FILL = """(answers) => {
  for (const [name, value] of answers) {
    const field = document.querySelector(`main [name="${name}"][value="${value}"]`)
      || document.querySelector(`main [name="${name}"]`);
    if (field.type === 'radio' || field.type === 'checkbox') field.checked = true;
    else field.value = value;
  }
}"""


def read_page(page, language: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the page shows; asserts lang and dir on <html>, and that its first heading or question
    starts on the side its script starts from (the right for Arabic and Persian)."""
    found: dict[str, object] = page.evaluate(READ_PAGE)
    direction = "rtl" if is_rtl(language) else "ltr"
    laid_out = (found["lang"], found["dir"], found["direction"], int(found["startGap"]) <= 1)  # type: ignore[call-overload]
    assert laid_out == (language, direction, direction, True), (language, found["startGap"])
    return found


def check_texts(found: dict[str, object], instrument: Instrument, language: str) -> list[Question]:
    """The questions on screen; asserts each one's text and options are the translations."""
    shown = normal(str(found["text"]))
    names = dict.fromkeys(str(n) for n in found["names"])  # type: ignore[attr-defined]
    questions = [instrument.question(n) for n in names if n not in ("token", "action")]
    for question in questions:
        assert normal(question.label.get(language)) in shown, (question.name, language)
        for choice in question.choices:
            assert normal(choice.label.get(language)) in shown, (question.name, choice.name)
    return questions


def check_message(page, language: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """A message page: its heading and message in `language`, with its lang and dir."""
    shown = normal(str(read_page(page, language)["text"]))
    assert normal(UI.text(language, "msg_heading")) in shown, (language, key)
    assert normal(UI.text(language, key)) in shown, (language, key)


def respondent_texts(instrument: Instrument, language: str) -> list[tuple[str, str]]:
    """(where, text) of every text of the questionnaire a respondent reads in `language`: page
    and question labels (notes too), hints, options, help resources."""
    texts = [(f"page {p.id}", p.label.get(language)) for p in instrument.pages if p.label]
    for q in instrument.questions:
        if q.type != "calculate":
            texts += [(q.name, q.label.get(language))]
            texts += [(f"{q.name} hint", q.hint.get(language))] if q.hint else []
            texts += [(f"{q.name}/{c.name}", c.label.get(language)) for c in q.choices]
    for resource in instrument.help_resources:
        texts += [(f"help {resource.id}", resource.label.get(language))]
        texts += [(f"help {resource.id} description", resource.description.get(language))]
    return [(where, normal(text)) for where, text in texts]


def answers(questions: list[Question]) -> list[tuple[str, str]]:
    """A real option of each question ("other" where offered, so or_other's page is walked too),
    a neutral token in text fields."""
    chosen = []
    for q in questions:
        if q.type in ("select_one", "select_multiple"):
            chosen.append((q.name, "other" if q.has_other else q.choices[0].name))
        elif q.type == "acknowledge":
            chosen.append((q.name, "OK"))
        elif q.type in ("text", "integer", "decimal"):
            chosen.append((q.name, "tokenalpha" if q.type == "text" else "3"))
    return chosen


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_questionnaire__walked_in_every_language_with_javascript_off(
    browser, server: LiveServer, language: str
) -> None:
    # Given a respondent in Chromium with JavaScript disabled, in one context for this language
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    outside: list[str] = []
    context.on(
        "request",
        lambda r: outside.append(r.url) if urlparse(r.url).hostname not in LOOPBACK else None,
    )
    page = context.new_page()
    try:
        for name, instrument in INSTRUMENTS.items():
            # When they open each questionnaire in their language
            assert page.goto(f"{server.url}/survey/{name}?lang={language}").status == 200
            found = read_page(page, language)
            assert normal(instrument.title.get(language)) in normal(str(found["text"]))
            # Then every language is offered by its own name, in its own direction
            links = page.eval_on_selector_all(
                "nav [lang]", "els => els.map(e => [e.lang, getComputedStyle(e).direction])"
            )
            assert links == [[code, "rtl" if is_rtl(code) else "ltr"] for code in LANGUAGES]
            # And every page shows their language's text, set from its side, until the end
            assert click(page, "main form button[type=submit]") == 200
            pages = 0
            shown = [str(found["text"])]
            while page.locator("button[value=next]").count():
                found = read_page(page, language)
                shown.append(str(found["text"]))
                questions = check_texts(found, instrument, language)
                page.evaluate(FILL, answers(questions))
                assert click(page, "button[value=next]") == 200, (name, language, pages)
                pages += 1
                assert pages < 40
            assert pages >= 3
            end = read_page(page, language)
            assert normal(UI.text(language, "end_text")) in normal(str(end["text"]))
            # And the walk showed the whole questionnaire: every text a respondent reads in it
            shown += [str(end["text"]), str(end["footer"])]
            text = normal(" ".join(shown))
            assert [w for w, t in respondent_texts(instrument, language) if t not in text] == []
        # And a message page speaks their language too: a page that is not there, and a page
        # whose hidden token was changed on the way
        assert page.goto(f"{server.url}/survey/no_such_survey?lang={language}").status == 404
        check_message(page, language, "msg_not_found")
        assert page.goto(f"{server.url}/survey/{FIRST}?lang={language}").status == 200
        assert click(page, "main form button[type=submit]") == 200
        page.evaluate("() => { document.querySelector('main [name=token]').value = 'changed' }")
        assert click(page, "button[value=next]") == 403
        check_message(page, language, "msg_invalid_token")
        # And nothing was fetched from anywhere but the survey
        assert outside == []
    finally:
        context.close()


def test_ltr_page__right_to_left_names_in_the_list_read_right_to_left(
    browser, server: LiveServer
) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{server.url}/?lang=en")
        arabic = page.locator('nav [lang="ar"]')
        assert arabic.get_attribute("dir") == "rtl"
        assert arabic.inner_text() == "العربية"
    finally:
        context.close()
