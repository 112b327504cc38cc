"""Question pages served through the page cache against Jinja's fresh render of the same pages, in
one run (issue 16, `web/page_cache.py`).

Synthetic respondents walk help_us_help_you through the collect state machine; every page they
see is a QuestionPage with its own token. The figure is the CPU (`time.thread_time`, one thread)
a page costs through `Renderer.respond` (the cache, the HTMLResponse included); the baseline is
`Renderer.html` of the same pages (Jinja, fresh), alternating, `--rounds` times.

    .venv/bin/python benchmarks/render_bench.py [--respondents 40] [--language en] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from helpseek.collect import Session
from helpseek.instrument import Instrument, load_instrument
from helpseek.settings import Settings
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.answering import answer_page, shown_questions
from helpseek.synth.walk import submit_until_accepted
from helpseek.web.i18n import load_catalogue
from helpseek.web.pages import QuestionPage
from helpseek.web.render import Renderer

FORM = "help_us_help_you"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=40)
    parser.add_argument("--language", default="en")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    instrument = load_instrument(FORM)
    settings = Settings("sqlite:///unused.db", (Path("unused.key"),), (FORM,))
    renderer = Renderer(settings, load_catalogue(), instrument)
    pages = _pages(renderer, instrument, args.respondents, args.language)
    for _ in range(args.rounds):
        started = time.thread_time()
        for page in pages:
            renderer.html(page)
        fresh = (time.thread_time() - started) / len(pages) * 1e6
        started = time.thread_time()
        for page in pages:
            renderer.respond(page)
        cached = (time.thread_time() - started) / len(pages) * 1e6
        print(
            f"{len(pages)} pages ({renderer.pages.renders} rendered for the cache): through the "
            f"cache {cached:.0f} us a page, Jinja fresh {fresh:.0f} us: {cached / fresh:.3f}x",
            flush=True,
        )


def _pages(
    renderer: Renderer, instrument: Instrument, respondents: int, language: str
) -> list[QuestionPage]:
    """Every question page the respondents see, each with a token of its own."""
    draw = draw_respondents(instrument, load_truth(None, instrument), respondents, 3)
    chrome = renderer.chrome(language, instrument)
    pages: list[QuestionPage] = []
    for n, respondent in enumerate(draw.respondents):
        session = Session.start(instrument, language, random.Random(n))
        while not session.is_finished:
            view = session.current_page()
            title = chrome.title(instrument.title)
            pages.append(QuestionPage(chrome, title, view, f"token-{n}-{len(pages)}"))
            shown = shown_questions(view)
            values = answer_page(respondent, instrument, shown)
            outcome, _ = submit_until_accepted(session, values, shown, respondent)
            session = outcome.session
    return pages


if __name__ == "__main__":
    main()
