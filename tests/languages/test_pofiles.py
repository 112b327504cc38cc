"""Translation files: what we write, another library (translate-toolkit) reads the same way; what we
read from a broken file is refused with the file, line and entry named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from translate.storage import pypo

from helpseek.languages import (
    Entry,
    Review,
    TranslationFile,
    parse_translation,
    read_translation_file,
    to_po_text,
    write_translation_file,
)
from helpseek.problems import InputError, catalogue

HEADER = """msgid ""
msgstr ""
"Language: el\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"X-Helpseek-Texts: ui\\n"
"X-Helpseek-Review: reviewed 2026-11-30\\n"
"""

SAMPLE = TranslationFile(
    language="zh-Hant",
    texts="instrument tiny",
    review=Review("reviewed", date(2026, 11, 30)),
    entries=(
        Entry("survey/q/label", "Have you sought help?", "你曾經尋求幫助嗎？", "Question q"),
        Entry("choices/yn/yes/label", "Yes", "是", is_fuzzy=True, previous_source="Yes!"),
        Entry("choices/yn/no/label", 'No "really"\nsecond line', ""),
    ),
    project="tiny 1",
)


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_write__translate_toolkit_reads_every_entry_as_written(tmp_path: Path) -> None:
    path = write_translation_file(SAMPLE, tmp_path / "zh-Hant.po")
    with path.open("rb") as handle:
        store = pypo.pofile(handle)
    units = [u for u in store.units if not u.isheader()]
    assert [(u.getcontext(), u.source, u.target) for u in units] == [
        (e.key, e.source, e.translation) for e in SAMPLE.entries
    ]
    assert [u.isfuzzy() for u in units] == [False, True, False]
    header = store.parseheader()
    assert (header["Language"], header["X-Helpseek-Review"]) == ("zh-Hant", "reviewed 2026-11-30")
    assert "Last-Translator" not in header  # no names (issue 15)


def test_write_then_read__gives_the_same_file(tmp_path: Path) -> None:
    path = write_translation_file(SAMPLE, tmp_path / "zh-Hant.po")
    assert read_translation_file(path) == SAMPLE


def test_read__a_file_another_tool_saved_with_underscored_code_and_bom() -> None:
    text = HEADER.replace("Language: el", "Language: zh_hans") + (
        '\nmsgctxt "next"\nmsgid "Next"\nmsgstr "下一步"\n'
    )
    found = parse_translation(b"\xef\xbb\xbf" + text.encode(), "x.po")
    assert found.language == "zh-Hans"
    assert found.translations() == {"next": "下一步"}


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        (HEADER + '\nmsgctxt "a"\nmsgid "A"\nmsgstr "B"\ngarbage\n', "TRANSLATE-001", "x.po, line 11"),
        (HEADER.replace('"Language: el\\n"\n', ""), "TRANSLATE-002", "x.po"),
        (HEADER.replace("Language: el", "Language: ../../etc"), "TRANSLATE-003", "x.po"),
        (HEADER.replace('"X-Helpseek-Texts: ui\\n"\n', ""), "TRANSLATE-004", "x.po"),
        (HEADER.replace("reviewed 2026-11-30", "reviewed by Maria"), "TRANSLATE-005", "x.po"),
        (HEADER + '\nmsgid "A"\nmsgstr "B"\n', "TRANSLATE-006", "x.po, line 8"),
        (HEADER + '\nmsgctxt "n"\nmsgid "a"\nmsgid_plural "as"\nmsgstr[0] "x"\n',
         "TRANSLATE-006", 'x.po, line 8, entry "n"'),
    ],
)  # fmt: skip
def test_read__broken_file__refused_with_the_place_named(text: str, code: str, where: str) -> None:
    with pytest.raises(InputError) as error:
        parse_translation(text.encode(), "x.po")
    assert [p.code for p in error.value.problems] == [code]
    assert str(error.value.problems[0]).startswith(where)


def test_read__not_utf8__refused_with_the_byte_named() -> None:
    data = (HEADER + 'msgctxt "a"\nmsgid "é"\nmsgstr ""\n').encode("latin-1")
    with pytest.raises(InputError) as error:
        parse_translation(data, "x.po")
    reason = f"it is not UTF-8 text (byte {data.index('é'.encode('latin-1'))})"
    assert messages(error) == [
        "x.po: "
        + catalogue["TRANSLATE-001"].format(path="x.po", reason=reason)
        + " [TRANSLATE-001]"
    ]


def test_read__a_path_is_never_read_as_po_content(tmp_path: Path) -> None:
    # polib reads its argument as a file name when such a file exists; a one-line "file" that
    # names another file must not make us read that file.
    other = tmp_path / "other.po"
    other.write_text(HEADER)
    with pytest.raises(InputError):
        parse_translation(str(other).encode(), "x.po")


def test_review__parses_the_two_statuses_and_nothing_else() -> None:
    assert Review.parse("machine-draft") == Review("machine-draft")
    assert Review.parse(" Reviewed 2026-02-28 ") == Review("reviewed", date(2026, 2, 28))
    assert Review.parse("reviewed 2026-02-30") is None
    assert Review.parse("reviewed") is None


def test_to_po_text__wraps_long_lines_and_keeps_quotes_and_newlines() -> None:
    text = to_po_text(SAMPLE)
    assert 'msgid ""\n"No \\"really\\"\\n"\n"second line"' in text
    assert all(len(line) <= 100 for line in text.splitlines() if line.startswith('"'))
    assert text.count('\nmsgctxt "') == 3
