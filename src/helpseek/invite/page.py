"""The interstitial page and short notices: page objects built from the config, rendered to HTML.

No JavaScript, no SVG, no fonts, no external resources; the only outbound links go through the
redirect endpoint by target id, carrying the variant and language (`/go/<id>?v=...&l=...`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from helpseek.invite.config import InviteConfig


@dataclass(frozen=True)
class Link:
    """One link on the page: where it goes (a local path) and what it says."""

    href: str
    label: str
    language: str = ""
    is_current: bool = False
    direction: str = "ltr"  # of the label: a language's name reads in its own direction


@dataclass(frozen=True)
class InterstitialPage:
    """The help + survey invitation shown instead of search results, in one language."""

    language: str
    direction: str
    variant: str
    title: str
    message: str
    help_heading: str
    help_links: tuple[Link, ...]
    survey_heading: str
    survey_note: str
    survey_links: tuple[Link, ...]
    privacy_note: str
    language_label: str
    language_links: tuple[Link, ...]


@dataclass(frozen=True)
class NoticePage:
    """A one-line calm notice (search too long, link not available)."""

    language: str
    direction: str
    message: str


def build_interstitial(
    config: InviteConfig, variant: str, language: str, root: str = ""
) -> InterstitialPage:
    """The page for `variant` in `language`; `root` is the mount path of the app ("" at /).

    Every target link is `<root><redirect_prefix><id>?v=<variant>&l=<language>`; every language
    link is `<root><page_path>?v=<variant>&l=<other language>`.
    """
    ui = {key: texts[language] for key, texts in config.ui.items()}
    params = urlencode({"v": variant, "l": language})

    def target_links(kind: str) -> tuple[Link, ...]:
        return tuple(
            Link(f"{root}{config.redirect_prefix}{quote(t.id)}?{params}", t.label[language])
            for t in config.targets.values()
            if t.kind == kind
        )

    language_links = tuple(
        Link(
            f"{root}{config.page_path}?{urlencode({'v': variant, 'l': other})}",
            config.language_names.get(other, other),
            language=other,
            is_current=other == language,
            direction=config.directions.get(other, "ltr"),
        )
        for other in config.languages
    )
    return InterstitialPage(
        language=language,
        direction=config.directions.get(language, "ltr"),
        variant=variant,
        title=ui["title"],
        message=config.messages[variant][language],
        help_heading=ui["help_heading"],
        help_links=target_links("help"),
        survey_heading=ui["survey_heading"],
        survey_note=ui["survey_note"],
        survey_links=target_links("survey"),
        privacy_note=ui["privacy_note"],
        language_label=ui["language_label"],
        language_links=language_links,
    )


def build_notice(config: InviteConfig, key: str, language: str) -> NoticePage:
    """A notice with the UI text `key` (e.g. "too_long", "not_found")."""
    return NoticePage(language, config.directions.get(language, "ltr"), config.ui[key][language])


def stylesheet() -> str:
    """The inline stylesheet; its hash is allowed by the page's Content-Security-Policy."""
    return _read("interstitial.css").strip()


def render(page: InterstitialPage | NoticePage) -> str:
    """HTML for a page object (autoescaped)."""
    name = "interstitial.html" if isinstance(page, InterstitialPage) else "notice.html"
    return _environment().get_template(name).render(page=page, css=Markup(stylesheet()))


@cache
def _read(name: str) -> str:
    return resources.files("helpseek.invite").joinpath("templates", name).read_text("utf-8")


@cache
def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(_read)
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
