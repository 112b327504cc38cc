"""One frozen dataclass per page the respondent can see; each template gets one of these and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from helpseek.collect import PageView
from helpseek.instrument.model import Translations
from helpseek.web.i18n import Catalogue


@dataclass(frozen=True)
class HelpLink:
    """One public prevention service, already in the respondent's language."""

    label: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class LanguageLink:
    """One entry of the language picker: a plain link, never Accept-Language."""

    code: str
    name: str  # the language's own name (endonym), in its own script
    href: str
    is_current: bool
    direction: str = (
        "ltr"  # of the name itself: an Arabic name in an English page reads right to left
    )


@dataclass(frozen=True)
class Chrome:
    """What every page carries: language and direction, help links, quick exit, the UI strings."""

    language: str
    is_rtl: bool
    catalogue: Catalogue
    instrument_default_language: str
    help_links: tuple[HelpLink, ...]
    help_text: str
    quick_exit_url: str
    start_href: str = "/"

    def t(self, key: str) -> str:
        """A UI string in the respondent's language."""
        return self.catalogue.text(self.language, key)

    def tf(self, key: str, **values: str) -> Markup:
        """A UI string with its `{name}` placeholders filled, each value kept left to right
        (a date inside Arabic or Persian text), everything escaped.

        >>> from helpseek.web.i18n import load_catalogue
        >>> chrome = Chrome("en", False, load_catalogue(), "en", (), "", "/")
        >>> str(chrome.tf("code_expired"))[:14]
        'This code has '
        """
        text = Markup.escape(self.t(key))
        for name, value in values.items():
            text = text.replace("{" + name + "}", Markup('<bdi dir="ltr">%s</bdi>') % value)
        return Markup(text)

    def local(self, text: Translations) -> str:
        """Questionnaire text in the respondent's language (else the instrument's default)."""
        return text.get(self.language, fallback=self.instrument_default_language)

    def title(self, text: Translations) -> str:
        """A questionnaire's title, else the site title: no page has an empty title or h1."""
        return self.local(text) or self.t("site_title")

    @property
    def direction(self) -> str:
        return "rtl" if self.is_rtl else "ltr"


@dataclass(frozen=True)
class LandingPage:
    """Purpose, anonymity statement, advice, consent button and the language picker."""

    chrome: Chrome
    title: str
    instrument_name: str
    languages: tuple[LanguageLink, ...]
    is_machine_translated: bool


@dataclass(frozen=True)
class QuestionPage:
    """One page of the questionnaire, pre-filled, with errors next to their fields."""

    chrome: Chrome
    title: str
    view: PageView
    token: str
    notice_key: str | None = None

    @property
    def is_last(self) -> bool:
        return self.view.progress.done + 1 >= self.view.progress.total


@dataclass(frozen=True)
class EndPage:
    """Thanks and the help resources, after the last page was stored; with a `token`, the button
    that shows the response's withdrawal code (issue 14)."""

    chrome: Chrome
    title: str
    token: str | None = None


@dataclass(frozen=True)
class CodePage:
    """A code shown once: to continue later (`kind` "resume") or to withdraw ("withdrawal"); its
    eight words (`is_words`) or six base32 groups, in order, and the last day it works."""

    chrome: Chrome
    title: str
    kind: str
    parts: tuple[str, ...] = field(repr=False)
    is_words: bool
    valid_until: date


@dataclass(frozen=True)
class CodeEntryPage:
    """Where a code is typed (`kind` "resume" or "withdrawal"), and why the last one was refused."""

    chrome: Chrome
    kind: str
    error_key: str | None = None


@dataclass(frozen=True)
class WithdrawConfirmPage:
    """ "Withdraw all your answers?": the button sends `confirm` (encrypted, not the code)."""

    chrome: Chrome
    confirm: str = field(repr=False)


@dataclass(frozen=True)
class WithdrawnPage:
    """The answers are withdrawn, or `already` were."""

    chrome: Chrome
    already: bool = False


@dataclass(frozen=True)
class MessagePage:
    """A calm explanation in the respondent's language (bad input, expired page, server trouble)."""

    chrome: Chrome
    status: int
    message_key: str
