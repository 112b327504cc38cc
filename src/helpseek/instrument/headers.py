"""Column headers and cell text as pyxform reads them, so a form means the same in both.

pyxform splits a header on "::", or on ":" when no header of the sheet has "::" (old forms:
`label:English`, `bind:relevant`); it de-aliases the first part (`bind::calculate`,
`relevance`, `Constraint Message`) and leaves unknown headers alone (choice filters use them).
pyxform also replaces "smart" quotes in every cell and, unless the setting clean_text_values is
no, collapses runs of spaces in survey cells; helpseek does both in expression cells only, where
they change what the logic means (`‘yes’` is not XPath), and leaves texts as typed, so German
„Keine Angabe“ keeps its quotes (instrument README: differences from pyxform).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# First parts of a grouped header (`bind::X`, `control::X`) -> helpseek's column for X.
_BIND = {
    "relevant": "relevant", "constraint": "constraint", "calculate": "calculation",
    "required": "required", "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message", "readonly": "read_only",
    "jr:noapperrorstring": "no_app_error_string",
}  # fmt: skip
_CONTROL = {"appearance": "appearance", "jr:count": "repeat_count", "autoplay": "autoplay",
            "rows": "rows"}  # fmt: skip
_MEDIA = frozenset({"image", "big-image", "audio", "video"})
# Headers pyxform knows (after snake_case), per sheet; others keep their spelling.
KNOWN = frozenset(
    {
        "type", "name", "label", "hint", "guidance_hint", "relevant", "relevance", "constraint",
        "calculation", "calculate", "required", "constraint_message", "constraining_message",
        "required_message", "requiredmsg", "choice_filter", "default", "parameters",
        "appearance", "read_only", "readonly", "repeat_count", "count", "trigger", "caption",
        "autoplay", "media", "list_name", "value", "no_app_error_string", "noapperrorstring",
        "form_title", "form_id", "set_form_title", "set_form_id", "default_language", "version",
        "instance_name", "public_key", "submission_url", "style", "allow_choice_duplicates",
        "clean_text_values", "namespaces", *_MEDIA,
    }
)  # fmt: skip
#: Cells holding XPath (canonical names), cleaned as pyxform cleans them.
EXPRESSION_COLUMNS = frozenset(
    {"relevant", "relevance", "constraint", "calculation", "calculate", "required",
     "choice_filter", "default", "expression", "repeat_count", "trigger"}
)  # fmt: skip
#: Cells holding what respondents read (canonical names, before any `::language`).
TEXT_COLUMNS = frozenset(
    {"label", "hint", "guidance_hint", "constraint_message", "required_message", "form_title",
     "description", "message"}
)  # fmt: skip
_SMART_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}
_SMART = re.compile("|".join(_SMART_QUOTES))
_SPACES = re.compile(r"( )+")


def canonical_headers(headers: Iterable[str]) -> dict[str, str]:
    """Each header of one sheet -> its canonical spelling ("label::English (en)", "relevant").

    >>> canonical_headers(["type", "label:English", "bind:relevant", "List Name", "pastel"])
    {'type': 'type', 'label:English': 'label::English', 'bind:relevant': 'relevant', 'List Name': 'list_name', 'pastel': 'pastel'}
    """
    headers = [str(h) for h in headers]
    double = any("::" in h for h in headers)
    return {header: canonical_header(header, double) for header in headers}


def canonical_header(header: str, double_colon: bool) -> str:
    text = header.strip()
    lowered = _snake(text)
    if lowered in KNOWN:
        return lowered
    if double_colon or "::" in text:
        tokens = [t.strip() for t in text.split("::")]
    else:
        tokens = _single_colon_tokens(text)
    first, rest = _snake(tokens[0]), tokens[1:]
    if first == "bind" and rest and rest[0].lower() in _BIND:
        return _join(_BIND[rest[0].lower()], rest[1:])
    if first in ("control", "body") and rest and rest[0].lower() in _CONTROL:
        return _join(_CONTROL[rest[0].lower()], rest[1:])
    if first == "media" and rest and rest[0].lower() in _MEDIA:
        return _join(rest[0].lower(), rest[1:])
    if first in KNOWN and rest:
        return _join(first, rest)
    return text


def _single_colon_tokens(text: str) -> list[str]:
    tokens = [t.strip() for t in text.split(":")]
    if "jr" in tokens[:-1]:  # bind:jr:constraintMsg is two parts, not three
        i = tokens.index("jr")
        tokens = [*tokens[:i], f"jr:{tokens[i + 1]}", *tokens[i + 2 :]]
    return tokens


def _snake(text: str) -> str:
    return "_".join(text.split()).lower()


def _join(base: str, rest: list[str]) -> str:
    return "::".join([base, *rest]) if rest else base


def is_text_column(column: str) -> bool:
    """Whether a canonical column holds text people read (settings' form_title_<code> too).

    >>> [is_text_column(c) for c in ("label::Français (fr)", "form_title_zh-Hans", "name")]
    [True, True, False]
    """
    base = column.split("::")[0].strip().lower()
    return base in TEXT_COLUMNS or base.startswith("form_title_")


def clean_cell(value: str, *, collapse_spaces: bool) -> str:
    """Smart quotes become plain ones; with `collapse_spaces`, runs of spaces become one.

    >>> clean_cell("${a} = \u2018yes\u2019  or  1", collapse_spaces=True)
    "${a} = 'yes' or 1"
    """
    value = value.strip()
    if collapse_spaces:
        value = _SPACES.sub(" ", value)
    return _SMART.sub(lambda m: _SMART_QUOTES[m.group(0)], value)
