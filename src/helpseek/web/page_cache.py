"""Question pages rendered once per shape: a page that carries nothing of a respondent (no
pre-filled value, no `${name}` text filled from an answer) is the same HTML for everyone who sees
it but for its token, so Jinja renders it once and later requests only put their token in.

Rendering a question page cost about 0.3-0.5 ms of the server's CPU, a fifth of a POST (issue 16);
a cached one costs its key and one `bytes.replace`. Pages with a respondent's values, piped text
or anything else this module cannot vouch for are rendered fresh every time and never kept.

What the cache holds: the HTML of page variants shown lately (which questions and choices, in
which language, which error or notice), keyed by that shape, never by session; at most
`MAX_PAGES`, then it starts again empty. A shape follows from some respondent's answers (which
questions their answers made relevant, which choices a filter left, what they got wrong), so a
variant not shown for `instrument.RECENT_SECONDS` is not served and `purge` drops it (the web app
runs it every few seconds): a server gone quiet holds none. See docs/threat-model.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from markupsafe import escape

from helpseek.instrument import RECENT_SECONDS
from helpseek.instrument.model import Translations
from helpseek.web.pages import QuestionPage

#: Page variants kept per process (a few KiB each).
MAX_PAGES = 2048
#: Rendered in place of the token, then replaced by each request's own (escaped as Jinja would).
_SLOT = "tokenslot-0f8c2d"


class PageCache:
    """HTML of respondent-free question pages by shape; `render` is the template's renderer.
    `clock` (monotonic seconds) dates each page's last use; replaceable in tests."""

    def __init__(
        self,
        render: Callable[[QuestionPage], str],
        max_pages: int = MAX_PAGES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._render = render
        self._max_pages = max_pages
        self.clock = clock
        self._pages: dict[Hashable, tuple[bytes, float]] = {}  # shape -> (HTML, last use)
        #: Renders and reuses so far (for tests and benchmarks).
        self.renders = 0
        self.reuses = 0

    def html(self, page: QuestionPage) -> bytes:
        """The page as UTF-8 HTML, from the cache when its shape allows."""
        key = shape(page)
        if key is None:
            self.renders += 1
            return self._render(page).encode("utf-8")
        token = str(escape(page.token)).encode("ascii")
        now = self.clock()
        held = self._pages.get(key)
        if held is None or now - held[1] > RECENT_SECONDS:
            self.renders += 1
            slotted = QuestionPage(page.chrome, page.title, page.view, _SLOT, page.notice_key)
            text = self._render(slotted)
            if text.count(_SLOT) != 1:  # the slot text is somewhere else too: do not cache
                return self._render(page).encode("utf-8")
            if len(self._pages) >= self._max_pages:
                self._pages.clear()
            cached = text.encode("utf-8")
        else:
            self.reuses += 1
            cached = held[0]
        self._pages[key] = (cached, now)
        return cached.replace(_SLOT.encode("ascii"), token)

    def purge(self, seconds: float = RECENT_SECONDS) -> int:
        """Drop every page last used more than `seconds` (at most RECENT_SECONDS) ago; how many.
        No lock: a page used again while this runs may go too, and is rendered again."""
        cutoff = self.clock() - min(seconds, RECENT_SECONDS)
        old = [key for key, (_, used) in list(self._pages.items()) if used < cutoff]
        for key in old:
            self._pages.pop(key, None)
        return len(old)

    def __len__(self) -> int:
        return len(self._pages)


def shape(page: QuestionPage) -> Hashable | None:
    """What a question page's HTML depends on apart from its token, or None when the page holds
    something of the respondent (a pre-filled value, text filled in from an answer)."""
    view, chrome = page.view, page.chrome
    language, fallback = chrome.language, chrome.instrument_default_language
    if _is_piped(view.page.label, language, fallback):
        return None
    questions = []
    for q in view.questions:
        if q.values or _is_piped(q.question.label, language, fallback):
            return None
        if _is_piped(q.question.hint, language, fallback):
            return None
        choices = tuple(c.name for c in q.choices)
        questions.append((q.name, choices, q.error_kind, q.error_message, q.label, q.hint))
    # The page object stands for its questionnaire (one Renderer serves one app, whose
    # questionnaires live as long as it does); the chrome follows from it and the language.
    progress = (view.progress.done, view.progress.total, view.is_first)
    return (id(view.page), language, page.title, view.label, page.notice_key, progress, *questions)


def _is_piped(text: Translations, language: str, fallback: str) -> bool:
    return "${" in text.get(language, fallback=fallback)
