"""XLSForm `type` cells -> our question types, or the name of the unsupported feature.

>>> parse_type("select_one yes_no or_other")
TypeInfo(base='select_one', list_name='yes_no', or_other=True, problem=None, feature='', reason='', suggestions=())
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SIMPLE = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer",
    "decimal": "decimal", "note": "note", "acknowledge": "acknowledge", "trigger": "acknowledge",
    "calculate": "calculate",
    "begin group": "begin group", "begin_group": "begin group",
    "end group": "end group", "end_group": "end group",
}  # fmt: skip
SELECTS = {
    "select_one": "select_one", "select one": "select_one", "select1": "select_one",
    "select one from": "select_one", "select_multiple": "select_multiple",
    "select multiple": "select_multiple", "select all that apply": "select_multiple",
    "select all that apply from": "select_multiple",
}  # fmt: skip
_METADATA = "it records device or time metadata, which could identify a respondent"
_MEDIA = "respondent pages carry no media, uploads or location (Tor Browser, no JavaScript)"
_REFUSED = {
    **dict.fromkeys(("begin repeat", "begin_repeat", "end repeat", "end_repeat", "begin loop",
                     "end loop", "begin_loop", "end_loop"),
                    ("repeats", "one response is a fixed set of pages; repeats are not supported")),
    **dict.fromkeys(("gps", "geopoint", "geotrace", "geoshape", "start-geopoint", "background-geopoint",
                     "image", "photo", "audio", "video", "file", "barcode", "background-audio",
                     "osm"), (None, _MEDIA)),
    **dict.fromkeys(("start", "end", "today", "deviceid", "imei", "subscriberid", "simserial",
                     "phonenumber", "username", "email", "audit", "uri:email", "uri:phonenumber",
                     "uri:username", "uri:deviceid"), (None, _METADATA)),
    **dict.fromkeys(("date", "time", "datetime", "dateTime"),
                    (None, "use a select_one of ranges or an integer (e.g. a year) instead")),
    **dict.fromkeys(("rank", "range"), (None, "use select_one or integer with a constraint")),
    **dict.fromkeys(("hidden", "xml-external", "csv-external", "start-geopoint", "entity"),
                    (None, "secondary instances and hidden fields are not supported")),
    **dict.fromkeys(("select_one_from_file", "select_multiple_from_file", "select one from file",
                     "select multiple from file", "select_one_external", "cascading select",
                     "cascading_select"),
                    ("external selects", "list the choices on the choices sheet instead")),
}  # fmt: skip
KNOWN_TYPES = tuple(SIMPLE) + tuple(f"{s} LIST" for s in SELECTS if " " not in s) + tuple(_REFUSED)


@dataclass(frozen=True)
class TypeInfo:
    """The parsed type: `base` is a question type or a group marker; `problem` a catalogue code."""

    base: str = ""
    list_name: str | None = None
    or_other: bool = False
    problem: str | None = None
    feature: str = ""
    reason: str = ""
    suggestions: tuple[str, ...] = ()


def parse_type(text: str) -> TypeInfo:
    """Parse one `type` cell (see module docstring); never raises."""
    cleaned = re.sub(r"\s+", " ", text.strip())
    lowered = cleaned.lower()
    if not cleaned:
        return TypeInfo(problem="INSTRUMENT-004", suggestions=KNOWN_TYPES)
    if lowered in SIMPLE:
        return TypeInfo(SIMPLE[lowered])
    for alias in sorted(_REFUSED, key=len, reverse=True):
        if lowered == alias.lower() or lowered.startswith(alias.lower() + " "):
            feature, reason = _REFUSED[alias]
            return TypeInfo(
                problem="INSTRUMENT-005", feature=f'type "{feature or alias}"', reason=reason
            )
    for alias in sorted(SELECTS, key=len, reverse=True):
        if lowered.startswith(alias + " "):
            return _select(SELECTS[alias], cleaned[len(alias) + 1 :].split())
    return TypeInfo(problem="INSTRUMENT-004", suggestions=KNOWN_TYPES)


def _select(base: str, words: list[str]) -> TypeInfo:
    tail = " ".join(words[1:]).lower()
    or_other = tail in ("or_other", "or specify other")
    words = words[:1] + (["or_other"] if or_other else words[1:])
    if len(words) == 1 or or_other:
        return TypeInfo(base, words[0], or_other)
    if not words:
        return TypeInfo(problem="INSTRUMENT-004", suggestions=KNOWN_TYPES)
    return TypeInfo(
        problem="INSTRUMENT-005",
        feature=f'"{" ".join(words[1:])}" after the list name',
        reason="only `or_other` may follow the list name",
    )
