"""Pages for every person (issue 12 items 11-12): axe-core finds no violation of any impact on any
page type in English and Arabic; one h1 per page; hints and errors tied to their input; the quick
exit in view on long pages; the language list separated and wrapping on 320-414 px screens.

axe-core (npm, pinned in tools/axe/package.json; `make test` and .ci/run install it) is injected
only into a JavaScript-enabled auditing context; respondents' pages never carry a script.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import lxml.html
import pytest

from helpseek.instrument import load_instrument
from helpseek.store import ResearchKeypair
from helpseek.web.i18n import load_catalogue

from .live import LiveServer

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "tools" / "axe" / "node_modules" / "axe-core"
UI = load_catalogue()
LANGUAGES = load_instrument("help_us_help_you").language_codes
# Every kind of question the templates render, with hints, in English and Arabic.
KINDS_FORM = """
| survey |
| | type | name | label::English (en) | label::العربية (ar) | hint::English (en) | hint::العربية (ar) | required | appearance | constraint |
| | note | hello | A note before the questions. | ملاحظة قبل الأسئلة. | Read it first. | اقرأها أولاً. | | | |
| | acknowledge | understood | I understand that I can stop at any time. | أفهم أنه يمكنني التوقف في أي وقت. | | | yes | | |
| | begin_group | about | About you | عنك | | | | field-list | |
| | select_one yn | agree | Do you agree? | هل توافق؟ | Choose one. | اختر واحدًا. | yes | | |
| | select_multiple many | pick | Which apply? | ما الذي ينطبق؟ | | | | | |
| | integer | years | How many years? | كم عدد السنوات؟ | A whole number. | عدد صحيح. | | | . >= 0 and . <= 99 |
| | decimal | share | What share? | ما النسبة؟ | | | | | |
| | text | words | Anything else? | أي شيء آخر؟ | No names, please. | لا أسماء من فضلك. | | multiline | |
| | text | short | One word | كلمة واحدة | | | | | |
| | end_group | | | | | | | | |

| choices |
| | list_name | name | label::English (en) | label::العربية (ar) |
| | yn | yes | Yes | نعم |
| | yn | no | No | لا |
| | many | a | First | الأول |
| | many | b | Second | الثاني |

| settings |
| | form_id | version | default_language | rtl |
| | kinds | 1 | English (en) | ar |
"""
NARROW_WIDTHS = (320, 360, 375, 414)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, research_key: ResearchKeypair
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("a11y")
    key = folder / "public.key"
    key.write_text(research_key.public_key + "\n")
    (folder / "kinds.md").write_text(KINDS_FORM)
    live = LiveServer(folder, key, ("help_us_help_you", str(folder / "kinds.md")))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def axe_source() -> str:
    script = AXE / "axe.min.js"
    if not script.exists():  # fail, never skip: CI must run the audit
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci --prefix tools/axe`")
    return script.read_text(encoding="utf-8")


def _audit(page, axe_source: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every axe violation on the page, as "rule (impact): targets"."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]


def _structure_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What axe does not check: one h1; every hint and error described by its input or group (a
    note's hint is the text after the note: a note has no input to tie it to);
    every radio and checkbox (the acknowledgement too) in a group named by its question; the
    progress number said once."""
    found = page.evaluate(
        """() => {
        const problems = [];
        const h1 = document.querySelectorAll('h1').length;
        if (h1 !== 1) problems.push(`${h1} h1 elements`);
        for (const block of document.querySelectorAll('.question')) {
          const owner = block.querySelector('fieldset, input[type=text], textarea');
          if (!owner && block.querySelector('.note')) continue;
          const described = (owner && owner.getAttribute('aria-describedby') || '').split(' ');
          for (const note of block.querySelectorAll('.hint, .error')) {
            if (!note.id || !described.includes(note.id))
              problems.push(`"${note.textContent}" not tied to its input`);
          }
          if (block.querySelector('.error') && owner && owner.tagName !== 'FIELDSET'
              && owner.getAttribute('aria-invalid') !== 'true')
            problems.push(`${owner.id} has an error but no aria-invalid`);
        }
        for (const box of document.querySelectorAll('main input[type=radio], main input[type=checkbox]')) {
          const legend = box.closest('fieldset') && box.closest('fieldset').querySelector('legend');
          if (!legend || !legend.textContent.trim())
            problems.push(`${box.id} is not in a group named by its question`);
        }
        const progress = document.querySelector('.progress');
        if (progress && (progress.textContent.match(/\\d+\\s*%/g) || []).length !== 1)
          problems.push(`progress text: ${progress.textContent.trim()}`);
        return problems;
      }"""
    )
    return list(found)


def _walk(page, base: str, path: str, language: str, check) -> list[str]:  # type: ignore[no-untyped-def]
    """Landing, every question page (once empty, to see its errors), the end page: `check` each."""
    visited = []
    page.goto(f"{base}{path}?lang={language}")
    check("landing")
    _click(page, "form button[type=submit]")
    pages = 0
    while page.locator("button[value=next]").count():
        title = page.inner_text("h1")
        check(f"page {title}")
        if pages == 0 or page.locator("input[type=text]").count():
            _fill(page, wrong=True)
            _click(page, "button[value=next]")
            if page.locator(".error").count():
                check(f"errors on {title}")
        _fill(page, wrong=False)
        _click(page, "button[value=next]")
        visited.append(title)
        pages += 1
        assert pages < 40
    check("end")
    return visited


def _fill(page, wrong: bool) -> None:  # type: ignore[no-untyped-def]
    """Nothing ticked and a number field with letters (wrong), or the first option and a number."""
    seen: set[str] = set()
    for field in page.locator("main input[type=radio], main input[type=checkbox]").all():
        name = field.get_attribute("name")
        if name not in seen:
            field.set_checked(not wrong)
            seen.add(name)
    for field in page.locator("main input[type=text], main textarea").all():
        numeric = field.get_attribute("inputmode") in ("numeric", "decimal")
        field.fill(("abc" if wrong else "7") if numeric else "tokenalpha")


def _click(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value.status


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("path", ["/", "/survey/kinds"])
def test_axe__every_page_type__no_violation_of_any_impact(
    browser, server: LiveServer, axe_source: str, path: str, language: str
) -> None:
    # Given an auditing browser that may run axe (respondents' contexts run no JavaScript)
    context = browser.new_context(java_script_enabled=True, bypass_csp=True)  # type: ignore[attr-defined]
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        problems = _audit(page, axe_source) + _structure_problems(page)
        if problems:
            found[name] = problems

    try:
        # When the whole questionnaire is walked, with errors shown once per page
        visited = _walk(page, server.url, path, language, check)
        # And the message pages are opened (not found, expired or altered page)
        page.goto(f"{server.url}/nope?lang={language}")
        check("message 404")
        page.goto(f"{server.url}/?lang={language}")
        page.evaluate("document.querySelector('input[name=instrument]').value = 'nope'")
        _click(page, "form button[type=submit]")
        check("message 400")
    finally:
        context.close()
    # Then axe and the structure checks found nothing on any page
    assert len(visited) >= 2
    assert found == {}


@pytest.mark.parametrize(
    ("language", "text", "hint"),
    [
        ("ar", "ملاحظة قبل الأسئلة.", "اقرأها أولاً."),
        ("en", "A note before the questions.", "Read it first."),
    ],
    ids=["ar", "en"],
)
def test_note_with_a_hint__hint_shown_after_the_note_in_the_page_language(
    browser, server: LiveServer, language: str, text: str, hint: str
) -> None:
    # Given a respondent with JavaScript off, and a note with a hint (pyxform makes it an
    # <input readonly> with <label> and <hint>; Enketo shows the hint after the label as for any
    # question: enketo/enketo-transformer@359b606:src/xsl/openrosa2html5form.xsl:428-497)
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        # When they reach the note in their language
        page.goto(f"{server.url}/survey/kinds?lang={language}")
        _click(page, "form button[type=submit]")
        block = page.locator("main #q-hello-block")
        # Then the note's text is followed by its hint, both in that language
        assert block.locator("p").all_inner_texts() == [text, hint]
        assert block.locator("p.note + p.hint").inner_text() == hint
        assert page.get_attribute("html", "lang") == language
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_quick_exit__bottom_of_a_long_page__still_in_view(
    browser, server: LiveServer, language: str
) -> None:
    # Given a respondent with JavaScript off on a phone-sized screen, on the longest page
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(f"{server.url}/survey/kinds?lang={language}")
        _click(page, "form button[type=submit]")
        while not page.locator("input[name=years]").count():  # the page of six questions
            _fill(page, wrong=False)
            _click(page, "button[value=next]")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height > 1.5 * 640  # a page that needs scrolling
        # When they scroll to the bottom
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert page.evaluate("window.scrollY") > 320  # scrolled well past the top bar
        # Then the quick exit is on screen
        box = page.locator("a.exit").bounding_box()
        assert box is not None
        assert 0 <= box["y"] and box["y"] + box["height"] <= 640
        assert 0 <= box["x"] and box["x"] + box["width"] <= 360
    finally:
        context.close()


@pytest.mark.parametrize("width", NARROW_WIDTHS)
def test_language_list__narrow_screens__wraps_without_sideways_scroll(
    browser, server: LiveServer, width: int
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 700}
    )  # type: ignore[attr-defined]
    page = context.new_page()
    cut: dict[str, object] = {}
    try:
        for language in LANGUAGES:
            page.goto(f"{server.url}/?lang={language}")
            sizes = page.evaluate(
                """() => {
                const root = document.documentElement, h1 = document.querySelector('h1');
                const box = h1.getBoundingClientRect();
                return {scroll: root.scrollWidth, client: root.clientWidth,
                        h1_left: box.left, h1_right: box.right, h1_scroll: h1.scrollWidth,
                        h1_client: h1.clientWidth};
              }"""
            )
            fits = sizes["scroll"] <= sizes["client"] and sizes["h1_scroll"] <= sizes["h1_client"]
            if not fits or sizes["h1_left"] < 0 or sizes["h1_right"] > width:
                cut[language] = sizes
    finally:
        context.close()
    assert cut == {}


@pytest.mark.parametrize("text_browser", ["lynx", "w3m"])
def test_language_list__text_browsers__one_name_per_line(
    server: LiveServer, text_browser: str
) -> None:
    if shutil.which(text_browser) is None:
        pytest.fail(f"{text_browser} is not installed (.ci/run installs it)")
    dump = _dump(text_browser, f"{server.url}/?lang=ar")
    names = [UI.language_name(code) for code in LANGUAGES]
    lines = [re.sub(r"^[\s*•+\-]*(\[\d+\])?", "", line).strip() for line in dump.splitlines()]
    assert [line for line in lines if line in names] == names


def test_progress__text_browser__number_said_once(server: LiveServer, tmp_path: Path) -> None:
    body = tmp_path / "body"
    body.write_text("instrument=help_us_help_you")
    result = subprocess.run(
        ["w3m", "-dump", "-post", str(body), f"{server.url}/start?lang=en"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    progress = [line for line in result.stdout.splitlines() if UI.text("en", "progress") in line]
    assert len(progress) == 1
    assert re.fullmatch(rf"\s*{UI.text('en', 'progress')}: \d+%\s*", progress[0])


def test_long_free_text__bundled_questionnaire__is_a_textarea(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        page = client.post("/start?lang=en", data={"instrument": "help_us_help_you"}).text
        for _ in range(40):
            doc = lxml.html.fromstring(page)
            if doc.xpath("//*[@name='what_could_help']"):
                break
            form = doc.forms[0]
            fields = {"token": form.inputs["token"].value, "action": "next"}
            for name in dict.fromkeys(i.name for i in form.inputs if i.name):
                values = [i.get("value") for i in doc.xpath(f"//input[@name='{name}']")]
                if name != "token" and "yes" in values:
                    fields[name] = "yes"
                elif (
                    name != "token"
                    and values
                    and doc.xpath(f"//input[@name='{name}']/@type")[0] in ("radio", "checkbox")
                ):
                    fields[name] = values[0]
            page = client.post("/page?lang=en", data=fields).text
    field = lxml.html.fromstring(page).xpath("//*[@name='what_could_help']")[0]
    assert field.tag == "textarea"


def _dump(text_browser: str, url: str) -> str:
    result = subprocess.run(
        [text_browser, "-dump", url], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
