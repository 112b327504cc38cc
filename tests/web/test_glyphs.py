"""Every character a respondent can read renders as a real glyph in Chromium, with the fonts
`.ci/run` installs and no web font (issue 15): one screenshot per script family.

Two independent methods must agree for each character of every text in every language present
(translations of the questionnaires, the survey pages and the invitation, and every language's
own name in the language list):
1. Chromium: each character is drawn in its own cell with the survey's own font stack and the
   language's `lang`; a cell identical, pixel for pixel, to the cell of a character no font has
   (U+10FFFD) is the missing-glyph box (.notdef).
2. fontconfig + fontTools: some installed font's cmap has the character.
A control proves the first method can fail: an unassigned-in-every-font character is flagged.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageChops

from helpseek.instrument.load import BUNDLED_DIR
from helpseek.invite.config import LOCALE_DIR as INVITE_LOCALE
from helpseek.languages import LANGUAGES, language_info, read_translation_file
from helpseek.web.i18n import LOCALE_DIR as UI_LOCALE

pytestmark = pytest.mark.browser

STYLESHEET = Path(__file__).parents[2] / "src" / "helpseek" / "web" / "static" / "style.css"
NO_FONT = "\U0010fffd"  # private use, plane 16: no font maps it, so it shows .notdef
CELL, PER_ROW = 40, 30
#: Script families (ISO 15924 of the registry) the issue names, each screenshotted on its own.
FAMILIES = ("Latn", "Grek", "Cyrl", "Arab", "Deva", "Taml", "Jpan", "Hans", "Hant")


def translation_files() -> Iterator[Path]:
    yield from (BUNDLED_DIR / "translations").glob("*/*.po")
    yield from UI_LOCALE.glob("*.po")
    yield from INVITE_LOCALE.glob("*.po")


@cache
def texts_by_family() -> dict[str, dict[str, str]]:
    """script -> {character: "language: a text that has it"}, from every file present plus every
    registry language's own name (the language list shows them all)."""
    found: dict[str, dict[str, str]] = {family: {} for family in FAMILIES}
    samples = [(info.code, info.endonym) for info in LANGUAGES]
    for path in translation_files():
        translation = read_translation_file(path)
        samples += [(translation.language, text) for text in translation.translations().values()]
    sources = read_translation_file(UI_LOCALE / "ui.pot").entries
    samples += [("en", entry.source) for entry in sources]
    for code, text in samples:
        info = language_info(code)
        family = found[info.script if info else "Latn"]
        for char in text:
            if _is_drawn(char):
                family.setdefault(char, f"{code}: {text[:60]}")
    return found


def _is_drawn(char: str) -> bool:
    """Spaces, format characters (joiners, direction marks) and controls draw nothing."""
    return unicodedata.category(char)[0] not in ("Z", "C")


def font_family() -> str:
    """The survey's own font stack, read from its stylesheet (no web font may be added)."""
    match = re.search(r"font-family:\s*([^;]+);", STYLESHEET.read_text())
    assert match, "style.css sets no font-family"
    return match.group(1).strip()


def lang_of(family: str) -> str:
    return next(i.code for i in LANGUAGES if i.script == family)


def glyph_page(chars: list[str], lang: str) -> str:
    cells = "".join(
        f'<span style="left:{(i % PER_ROW) * CELL}px;top:{(i // PER_ROW) * CELL}px">&#{ord(c)};</span>'
        for i, c in enumerate(chars)
    )
    style = (
        f"body{{margin:0;font-family:{font_family()}}}"
        f"span{{position:absolute;width:{CELL}px;height:{CELL}px;line-height:{CELL}px;"
        "font-size:26px;text-align:center;overflow:hidden;white-space:pre}"
    )
    return f'<!doctype html><html lang="{lang}"><head><style>{style}</style></head><body>{cells}</body></html>'


def missing_glyph_cells(browser, chars: list[str], lang: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The characters Chromium draws exactly like the .notdef box of NO_FONT."""
    context = browser.new_context(java_script_enabled=False, device_scale_factor=1)
    try:
        page = context.new_page()
        rows = (len(chars) + 1) // PER_ROW + 1
        page.set_viewport_size({"width": PER_ROW * CELL, "height": rows * CELL})
        page.set_content(glyph_page([NO_FONT, *chars], lang))
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    finally:
        context.close()

    def cell(index: int) -> Image.Image:
        x, y = (index % PER_ROW) * CELL, (index // PER_ROW) * CELL
        return shot.crop((x, y, x + CELL, y + CELL))

    notdef = cell(0)
    assert ImageChops.difference(notdef, Image.new("L", notdef.size, 255)).getbbox(), "no box drawn"
    return [
        c
        for i, c in enumerate(chars, start=1)
        if not ImageChops.difference(cell(i), notdef).getbbox()
    ]


@pytest.fixture(scope="module")
def covered() -> set[int]:
    """Every code point some installed font maps (fontconfig's list of fonts, fontTools' cmaps)."""
    listing = subprocess.run(
        ["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, check=True
    )
    points: set[int] = set()
    for file in sorted(set(listing.stdout.splitlines())):
        if file.endswith((".ttc", ".otc")):
            collection = TTCollection(file, lazy=True)
            for font in collection.fonts:
                points.update(font.getBestCmap() or {})
            collection.close()
        else:
            with TTFont(file, lazy=True) as font:
                points.update(font.getBestCmap() or {})
    return points


@pytest.mark.parametrize("family", FAMILIES)
def test_script_family__every_character_has_a_glyph(
    browser, covered: set[int], family: str
) -> None:
    chars = sorted(texts_by_family()[family])
    assert chars, f"no text in {family}"
    where = texts_by_family()[family]
    # Chromium draws no character of this script as the missing-glyph box
    boxes = missing_glyph_cells(browser, chars, lang_of(family))
    assert [f"U+{ord(c):04X} ({where[c]})" for c in boxes] == []
    # And an installed font has every one of them
    uncovered = [c for c in chars if ord(c) not in covered]
    assert [f"U+{ord(c):04X} ({where[c]})" for c in uncovered] == []


def test_control__a_character_no_font_has__is_found_as_a_box(browser, covered: set[int]) -> None:
    # A character from the same private-use plane, assigned by no font, must be flagged; and
    # common letters must not: the pixel method can tell them apart. (Without fonts-noto-core and
    # fonts-noto-cjk, the Devanagari, Tamil, Chinese and Japanese families fail: checked by
    # running this file with a fontconfig that lists only DejaVu.)
    absent = "\U0010fffa"
    assert ord(absent) not in covered
    assert missing_glyph_cells(browser, [absent, "a", "Ω"], "en") == [absent]
