"""XLSForm `type` cells -> our question types, or the feature helpseek leaves out and why.

Every type pyxform 4.5 knows (its question_type_dictionary, legacy spellings such as
`add text prompt` or `phone number` included) is either one of ours or refused with a reason;
tests/instrument/test_instrument_load.py checks that against pyxform itself.

>>> parse_type("select_one yes_no or_other")
TypeInfo(base='select_one', list_name='yes_no', or_other=True, constraint=None, hint='', problem=None, feature='', reason='', suggestion='')
>>> parse_type("selct_one yes_no").suggestion
'select_one yes_no'
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

SIMPLE = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer",
    "decimal": "decimal", "note": "note", "acknowledge": "acknowledge", "trigger": "acknowledge",
    "calculate": "calculate",
    "begin group": "begin group", "begin_group": "begin group",
    "end group": "end group", "end_group": "end group",
    # pyxform's legacy spellings
    "add text prompt": "text", "q string": "text", "add integer prompt": "integer",
    "q int": "integer", "add decimal prompt": "decimal", "q decimal": "decimal",
    "add note prompt": "note", "q note": "note", "add acknowledge prompt": "acknowledge",
    "q acknowledge": "acknowledge", "add calculate prompt": "calculate",
    "q calculate": "calculate",
}  # fmt: skip
# Legacy types that are an integer or text with a built-in constraint and hint (pyxform's).
CONSTRAINED = {
    "phone number": ("text", r"regex(., '^\d*$')", "Enter numbers only."),
    "percentage": ("integer", "0 <= . and . <= 100", ""),
    "number of days in last month": ("integer", "0 <= . and . <= 31", "Enter a number 0-31."),
    "number of days in last six months": (
        "integer",
        "0 <= . and . <= 183",
        "Enter a number 0-183.",
    ),
    "number of days in last year": ("integer", "0 <= . and . <= 365", "Enter a number 0-365."),
}
SELECTS = {
    "select_one": "select_one", "select one": "select_one", "select1": "select_one",
    "select one from": "select_one", "select_multiple": "select_multiple",
    "select multiple": "select_multiple", "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple", "select multiple from": "select_multiple",
    "select one using": "select_one", "select multiple using": "select_multiple",
    "add select one prompt using": "select_one",
    "add select multiple prompt using": "select_multiple",
    "q select1": "select_one", "q select": "select_multiple",
}  # fmt: skip
_METADATA = "it records device or time metadata, which could identify a respondent"
_MEDIA = "respondent pages carry no media, uploads or location (Tor Browser, no JavaScript)"
_DATES = "use a select_one of ranges or an integer (e.g. a year) instead"
_REFUSED = {
    **dict.fromkeys(("begin repeat", "begin_repeat", "end repeat", "end_repeat", "begin loop",
                     "end loop", "begin_loop", "end_loop"),
                    ("repeats", "one response is a fixed set of pages; repeats are not supported")),
    **dict.fromkeys(("gps", "geopoint", "geotrace", "geoshape", "start-geopoint",
                     "background-geopoint", "image", "photo", "audio", "video", "file", "barcode",
                     "background-audio", "osm", "location", "q location", "add location prompt",
                     "q geopoint", "q geoshape", "q geotrace", "q picture", "q image", "q audio",
                     "q video", "q barcode", "add image prompt", "add photo prompt",
                     "add audio prompt", "add video prompt", "add file prompt",
                     "add barcode prompt"), (None, _MEDIA)),
    **dict.fromkeys(("start", "end", "today", "deviceid", "imei", "subscriberid", "simserial",
                     "phonenumber", "username", "email", "audit", "uri:email", "uri:phonenumber",
                     "uri:username", "uri:deviceid", "uri:subscriberid", "uri:simserial",
                     "start time", "end time", "get start time", "get end time", "get today",
                     "device id", "get device id", "subscriber id", "get subscriber id", "sim id",
                     "get sim id", "get phone number"), (None, _METADATA)),
    **dict.fromkeys(("date", "time", "datetime", "dateTime", "date time", "q date", "q dateTime",
                     "q date time", "add date prompt", "add dateTime prompt",
                     "add date time prompt"), (None, _DATES)),
    **dict.fromkeys(("rank", "range"), (None, "use select_one or integer with a constraint")),
    **dict.fromkeys(("hidden", "xml-external", "csv-external", "entity"),
                    (None, "secondary instances and hidden fields are not supported")),
    **dict.fromkeys(("select_one_from_file", "select_multiple_from_file", "select one from file",
                     "select multiple from file", "select_one_external", "select one external",
                     "cascading select", "cascading_select"),
                    ("external selects", "list the choices on the choices sheet instead")),
}  # fmt: skip
KNOWN_TYPES = (
    tuple(SIMPLE)
    + tuple(CONSTRAINED)
    + tuple(f"{s} LIST" for s in SELECTS if " " not in s)
    + tuple(_REFUSED)
)


@dataclass(frozen=True)
class TypeInfo:
    """The parsed type: `base` is a question type or a group marker; `problem` a catalogue code.

    `constraint` and `hint` are what a legacy type brings (`phone number`: digits only)."""

    base: str = ""
    list_name: str | None = None
    or_other: bool = False
    constraint: str | None = None
    hint: str = ""
    problem: str | None = None
    feature: str = ""
    reason: str = ""
    suggestion: str = ""  # for an unknown type: the working type it is closest to


def parse_type(text: str) -> TypeInfo:
    """Parse one `type` cell (see module docstring); never raises."""
    cleaned = re.sub(r"\s+", " ", text.strip())
    lowered = cleaned.lower()
    if not cleaned:
        return TypeInfo(problem="INSTRUMENT-003")
    if lowered in SIMPLE:
        return TypeInfo(SIMPLE[lowered])
    if lowered in CONSTRAINED:
        base, constraint, hint = CONSTRAINED[lowered]
        return TypeInfo(base, constraint=constraint, hint=hint)
    for alias in sorted(_REFUSED, key=len, reverse=True):
        if lowered == alias.lower() or lowered.startswith(alias.lower() + " "):
            feature, reason = _REFUSED[alias]
            return TypeInfo(
                problem="INSTRUMENT-005", feature=f'type "{feature or alias}"', reason=reason
            )
    for alias in sorted(SELECTS, key=len, reverse=True):
        if lowered.startswith(alias + " "):
            return _select(SELECTS[alias], cleaned[len(alias) + 1 :].split())
    return TypeInfo(problem="INSTRUMENT-004", suggestion=_suggest(cleaned))


def _suggest(cleaned: str) -> str:
    """The working type closest to a misspelt one (never a refused type: that helps nobody)."""
    words = cleaned.split()
    selects = [s for s in SELECTS if " " not in s]
    if len(words) >= 2:
        close = difflib.get_close_matches(words[0].lower(), selects, n=1, cutoff=0.75)
        if close:
            return " ".join([close[0], *words[1:]])
    working = [t for t in (*SIMPLE, *CONSTRAINED) if not t.startswith(("q ", "add "))]
    close = difflib.get_close_matches(cleaned.lower(), working, n=1, cutoff=0.75)
    return close[0] if close else ""


def is_refused_type(text: str) -> bool:
    """True for a type helpseek refuses on purpose (repeats, media, metadata...)."""
    return parse_type(text).problem == "INSTRUMENT-005"


def _select(base: str, words: list[str]) -> TypeInfo:
    if words and words[0].startswith("${"):
        return TypeInfo(
            problem="INSTRUMENT-005",
            feature="choices from a repeat's answers",
            reason="one response is a fixed set of pages; repeats are not supported",
        )
    tail = " ".join(words[1:]).lower()
    or_other = tail in ("or_other", "or specify other")
    words = words[:1] + (["or_other"] if or_other else words[1:])
    if len(words) == 1 or or_other:
        return TypeInfo(base, words[0], or_other)
    if not words:
        return TypeInfo(problem="INSTRUMENT-004")
    return TypeInfo(
        problem="INSTRUMENT-005",
        feature=f'"{" ".join(words[1:])}" after the list name',
        reason="only `or_other` may follow the list name",
    )
