"""`${name}` in labels, hints and notes as respondents see it (collect/piping.py): real Chromium
with JavaScript disabled and real lynx, on a live `helpseek serve` with pyxform's own example
forms that show calculations (tests/instrument/corpus) and a two-language form that shows the
respondent's answers, markup typed into an answer included."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpseek.instrument import load_instrument
from helpseek.store import ResearchKeypair
from helpseek.web.i18n import load_catalogue

from .live import LiveServer
from .text_browsers import flat, have, plan_walk, walk_lynx

UI = load_catalogue()
HERE = Path(__file__).parent
PIPING_FORM = HERE.parent / "collect" / "piping_form.md"
PYXFORM = HERE.parent / "instrument" / "corpus" / "pyxform" / "example_xls"
TYPED = "<script>document.title='owned'</script><b>bold</b> ${age}"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, research_key: ResearchKeypair
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("piping")
    key = folder / "public.key"
    key.write_text(research_key.public_key + "\n")
    forms = (PIPING_FORM, PYXFORM / "calculate.xls", PYXFORM / "xml_escaping.xls")
    copies = []
    for form in forms:
        shutil.copy(form, folder / form.name)
        copies.append(str(folder / form.name))
    live = LiveServer(folder, key, tuple(copies), extra=("--allow-incomplete", "*"))
    live.start()
    yield live
    live.stop()


def _click(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    with page.expect_navigation() as navigation:
        page.click(selector)
    return int(navigation.value.status)


def _start(browser, server: LiveServer, form: str, language: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    assert page.goto(f"{server.url}/survey/{form}?lang={language}").status == 200
    assert _click(page, "form button[type=submit]") == 200
    return context, page


@pytest.mark.browser
def test_chromium_without_javascript__shows_answers_as_text_in_the_page_language(
    browser, server: LiveServer
) -> None:
    # Given a respondent in French who types markup as their nickname
    context, page = _start(browser, server, "piping", "fr")
    try:
        page.fill("input[name=nick]", TYPED)
        assert _click(page, "button[value=next]") == 200
        page.check("input[name=pet][value=cat]")
        assert _click(page, "button[value=next]") == 200
        page.check("input[name=foods][value=fish]")
        page.check("input[name=foods][value=rice]")
        assert _click(page, "button[value=next]") == 200
        assert page.locator("main p.hint").first.inner_text() == "Animal : Chat"
        page.fill("input[name=age]", "30")
        assert _click(page, "button[value=next]") == 200
        # Then the summary shows their answers, the choices by their French labels, and the
        # question they were not shown as nothing
        note = page.locator("main p.note")
        assert note.inner_text() == f"Bonjour {TYPED}, ton Chat mange Poisson, Riz a 30 []"
        # and what they typed is text: no element was made of it
        assert page.locator("main script, main b").count() == 0
        assert "&lt;script&gt;" in page.content() and page.title() != "owned"
    finally:
        context.close()


@pytest.mark.browser
def test_chromium_without_javascript__pyxform_example_forms_show_their_calculations(
    browser, server: LiveServer
) -> None:
    # Given pyxform's calculate.xls ("2+2 = ${calculate_test}", then "${calculate_test_2}")
    context, page = _start(browser, server, "calculate_test", "default")
    try:
        assert page.locator("main p.note").inner_text() == "2+2 = 4"
        assert _click(page, "button[value=next]") == 200
        assert page.locator("main p.note").inner_text() == "success"
    finally:
        context.close()
    # And xml_escaping.xls, whose label "${a} < ${b}" must show a "<" as text
    context, page = _start(browser, server, "xml_escaping", "default")
    try:
        assert page.locator("main legend").inner_text().startswith("2 < 1")
    finally:
        context.close()


@pytest.mark.slow
def test_lynx__shows_choice_labels_and_empty_unanswered_references(
    server: LiveServer, tmp_path: Path
) -> None:
    if not have("lynx"):
        pytest.fail("lynx is not installed (apt-get install lynx; .ci/run does)")
    # Given a respondent in lynx who presses only Next, and chooses the cat where they must
    plan = plan_walk(load_instrument(PIPING_FORM), "fr", UI, {"pet": "cat"})
    pages = [flat(p) for p in walk_lynx(f"{server.url}/survey/piping?lang=fr", plan, tmp_path)]
    # Then the age page's hint and the summary show the chosen pet by its French label, and
    # the summary shows the questions left unanswered as nothing
    assert any("Animal : Chat" in p for p in pages)
    summary = next(p for p in pages if "Bonjour" in p)
    assert "Bonjour , ton Chat mange a []" in summary
