"""The driver's kept parses (PageParser): every page a real server sends parses the same through
it as fresh, and pages whose token it cannot find exactly as the template writes it are parsed
fresh every time (issue 16)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from helpseek.cli.demo_server import running_server
from helpseek.instrument import Instrument, load_instrument
from helpseek.settings import Settings
from helpseek.store import generate_research_keypair
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import Page, PageParser, drive, parse_page
from helpseek.synth.respondents import Draw, Respondent

from .relay import relay

#: (questionnaire, respondents, a required question some leave blank so the page is refused)
SAMPLES = (("help_us_help_you", 120, "uses"), ("program_feedback", 30, None))


@pytest.fixture(scope="module")
def served_pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every reply a real server sent to respondents of both questionnaires, in every language
    of each, with refused pages and breakoffs among them."""
    folder = tmp_path_factory.mktemp("served")
    public = folder / "public.key"
    public.write_text(generate_research_keypair().public_key + "\n")
    names = tuple(name for name, _, _ in SAMPLES)
    settings = Settings(
        f"sqlite:///{folder / 'responses.db'}",
        (public,),
        names,
        secret_key_file=folder / "server.secret",
    )
    pages: list[str] = []
    with running_server(settings, 1.0, folder / "server.log") as server:
        for name, n, refused in SAMPLES:
            form = load_instrument(name)
            draw = draw_respondents(form, load_truth(None, form), n, seed=11)
            # the drawn languages (their shares as in the truth), and one respondent each first
            languages = form.language_codes
            respondents = [
                replace(
                    r,
                    language=languages[k] if k < len(languages) else r.language,
                    blank=r.blank | {refused} if refused and k % 7 == 0 else r.blank,
                )
                for k, r in enumerate(draw.respondents)
            ]
            asyncio.run(_drive(server.base_url, form, draw, respondents, pages))
    return pages


async def _drive(
    target: str, form: Instrument, draw: Draw, respondents: list[Respondent], pages: list[str]
) -> None:
    def keep(_request: object, _body: bytes, _status: int, payload: bytes) -> None:
        pages.append(payload.decode("utf-8"))  # the text of every reply passed on

    async with relay(target, keep) as url:
        await drive(url, form, draw, concurrency=4, respondents=respondents)


def test_page_parser__every_served_page__parses_as_fresh_and_most_are_reused(
    served_pages: list[str],
) -> None:
    # Given every page a real server sent (every language, refused pages, end pages)
    assert any('lang="ar"' in text for text in served_pages)
    assert any("has-error" in text for text in served_pages)
    # When each is parsed through one PageParser, in the order they came
    parser = PageParser()
    parsed = [parser.parse(text) for text in served_pages]
    # Then each parse equals the fresh parse of the same text, and most came from what was kept
    assert parsed == [parse_page(text) for text in served_pages]
    assert parser.reused > len(served_pages) / 2, (parser.reused, len(served_pages))
    assert any(page is None for page in parsed)  # the end pages


def test_page_parser__few_kept__parses_as_fresh(served_pages: list[str]) -> None:
    # Given a parser that keeps only 4 pages and 16 hashes (most pages are pushed out)
    parser = PageParser(max_pages=4)
    # When every served page is parsed through it
    parsed = [parser.parse(text) for text in served_pages]
    # Then each parse still equals the fresh one, and it kept no more than it may
    assert parsed == [parse_page(text) for text in served_pages]
    assert len(parser._pages) <= 4 and len(parser._seen) <= 16
    assert parser.reused > 0


_FORM = (
    '<html><body>{before}<form method="post" action="/page?lang=en">{token}'
    '<input type="radio" name="q" value="a"><input type="radio" name="q" value="b">'
    '<input type="radio" name="q" value="" checked></form></body></html>'
)


@pytest.mark.parametrize(
    "before, token",
    [
        # no token input: the page form sends an empty token
        ("", ""),
        # the token written otherwise than our template does
        ("", '<input value="{t}" type="hidden" name="token">'),
        # the template's text twice: which one is the token is not known without parsing
        ("", '<input type="hidden" name="token" value="{t}"><input name="token" value="{t}">'),
        # the template's text outside the page form, the page form's token written otherwise
        ('<input name="token" value="{t}">', '<input value="{t}" name="token">'),
        # a token that is not URL-safe base64: the parse decodes it
        ("", '<input type="hidden" name="token" value="{t}&amp;x">'),
    ],
)
def test_page_parser__token_not_where_the_template_puts_it__parsed_fresh(
    before: str, token: str
) -> None:
    # Given the same page three times with three tokens, the token not as the template writes it
    texts = [
        _FORM.format(before=before.format(t=t), token=token.format(t=t))
        for t in ("tok1", "tok2", "tok3")
    ]
    parser = PageParser()
    # When each is parsed through the parser
    parsed = [parser.parse(text) for text in texts]
    # Then each is parsed fresh, equal to parse_page of its own text
    assert parsed == [parse_page(text) for text in texts]
    assert parser.reused == 0 and parser.parsed >= 3
    assert all(isinstance(page, Page) for page in parsed)


def test_page_parser__template_token__kept_from_the_second_copy() -> None:
    # Given the same page three times, its token as the template writes it
    texts = [
        _FORM.format(before="", token=f'<input type="hidden" name="token" value="{t}">')
        for t in ("tok1", "tok2", "tok-3_X")
    ]
    parser = PageParser()
    # When each is parsed through the parser
    parsed = [parser.parse(text) for text in texts]
    # Then the first two are parsed (the second also with a probe token), the third is reused
    assert parsed == [parse_page(text) for text in texts]
    assert [page.token for page in parsed if page] == ["tok1", "tok2", "tok-3_X"]
    assert (parser.parsed, parser.reused) == (3, 1)


def test_page_parser__unique_pages__do_not_push_out_pages_that_recur() -> None:
    # Given a page that recurs, kept, then many pages each seen once
    def page(extra: str, t: str) -> str:
        token = f'<input type="hidden" name="token" value="{t}">'
        return _FORM.format(before=f"<p>{extra}</p>", token=token)

    parser = PageParser(max_pages=2)
    parser.parse(page("common", "a"))
    parser.parse(page("common", "b"))
    for k in range(50):
        parser.parse(page(f"unique {k}", "c"))
    reused = parser.reused
    # When the recurring page comes again
    again = parser.parse(page("common", "d"))
    # Then it is reused
    assert parser.reused == reused + 1
    assert again == parse_page(page("common", "d"))


def test_page_parser__template_text_not_the_tokens_input__never_kept() -> None:
    # Given a page whose template-like token text stands outside the page form and whose page
    # form's own token is written otherwise, the same in every copy; the two texts equal in the
    # first copies, then not
    def page(marked: str, own: str) -> str:
        return _FORM.format(
            before=f'<input name="token" value="{marked}">',
            token=f'<input value="{own}" name="token">',
        )

    texts = [page("tokX", "tokX"), page("tokX", "tokX"), page("tokC", "tokX")]
    parser = PageParser()
    # When each is parsed through the parser
    parsed = [parser.parse(text) for text in texts]
    # Then the last has the page form's token: the page was never kept
    assert parsed == [parse_page(text) for text in texts]
    assert parsed[-1] is not None and parsed[-1].token == "tokX"
    assert parser.reused == 0
