"""Dates in expressions: ODK's date functions on ISO text, with the time zone passed in.

Dates travel through XPath as text ("2026-01-15", or "2026-01-15T10:30:00.000+00:00" for a
dateTime); as numbers they are days since 1970-01-01 (a date counts from its midnight in the
evaluation's time zone, so in UTC a date is a whole number). Never reads the clock: today() is
the date the caller passes in.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_SECONDS = 86400.0
_DATE = re.compile(r"^(-?\d{4,})-(\d{1,2})-(\d{1,2})$")
_DATETIME = re.compile(
    r"^(-?\d{4,})-(\d{1,2})-(\d{1,2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# Beyond these a "date" is a typing mistake, and Python's datetime cannot hold it anyway.
_MIN_DAYS, _MAX_DAYS = -719162.0, 2932896.0


def parse_moment(text: str, zone: tzinfo) -> tuple[str, datetime] | None:
    """("date" | "datetime", aware datetime) for ISO date or dateTime text, else None.

    A date is its midnight in `zone`; a dateTime without an offset is a time in `zone`.

    >>> parse_moment("2018-1-2", UTC)
    ('date', datetime.datetime(2018, 1, 2, 0, 0, tzinfo=datetime.timezone.utc))
    >>> parse_moment("1983-09-31", UTC) is None
    True
    """
    text = text.strip()
    found = _DATE.match(text)
    try:
        if found:
            y, m, d = (int(g) for g in found.groups())
            return "date", datetime(y, m, d, tzinfo=zone)
        found = _DATETIME.match(text)
        if found:
            y, mo, d, h, mi = (int(g) for g in found.groups()[:5])
            seconds = int(found.group(6) or 0)
            micro = int((found.group(7) or "0")[:6].ljust(6, "0"))
            offset = _offset(found.group(8)) or zone
            return "datetime", datetime(y, mo, d, h, mi, seconds, micro, tzinfo=offset)
    except ValueError:  # 1983-09-31, hour 25, year 0
        return None
    return None


def _offset(text: str | None) -> tzinfo | None:
    """The zone of "Z", "+03", "-07:00"; ValueError for an offset no zone has (-24:00, +07:60)."""
    if not text:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"no time zone is {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def to_days(moment: datetime) -> float:
    """Days (fractional) since 1970-01-01T00:00Z."""
    return (moment - EPOCH).total_seconds() / _DAY_SECONDS


def text_to_days(text: str, zone: tzinfo) -> float:
    """Days since the epoch of date or dateTime text; NaN when it is neither.

    Not cached: the text may be an answer, and a process-wide cache would keep it with no bound
    in time (docs/threat-model.md); parsing it costs a few microseconds."""
    parsed = parse_moment(text, zone)
    return math.nan if parsed is None else to_days(parsed[1])


def from_days(days: float, zone: tzinfo) -> datetime | None:
    """The moment `days` after the epoch, in `zone`; None when out of range or not a number."""
    if math.isnan(days) or not _MIN_DAYS <= days <= _MAX_DAYS:
        return None
    return (EPOCH + timedelta(days=days)).astimezone(zone)


def date_text(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


def datetime_text(moment: datetime) -> str:
    """ISO 8601 with milliseconds and the offset, as ODK writes a dateTime; a local midnight is
    written as its date (as Enketo does), so date-time('2004-05-01') = date('2004-05-01')."""
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return date_text(moment)
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    millis = moment.microsecond // 1000
    return (
        f"{date_text(moment)}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        f".{millis:03d}{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    )


def midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def decimal_time(text: str, zone: tzinfo) -> float:
    """The fraction of the day in `zone` of a time ("10:20:30.000+03:00") or dateTime; NaN if neither."""
    found = _TIME.match(text.strip())
    if found:
        h, mi = int(found.group(1)), int(found.group(2))
        seconds = int(found.group(3) or 0)
        micro = int((found.group(4) or "0")[:6].ljust(6, "0"))
        try:
            offset = _offset(found.group(5)) or zone
            local = datetime(2000, 1, 1, h, mi, seconds, micro, tzinfo=offset)
        except ValueError:  # 25:00, -24:00
            return math.nan
        moment = local.astimezone(zone)
    else:
        parsed = parse_moment(text, zone)
        if parsed is None:
            return math.nan
        moment = parsed[1].astimezone(zone)
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return (moment - start).total_seconds() / _DAY_SECONDS


def format_moment(moment: datetime, pattern: str) -> str:
    """ODK format-date: %Y %y %m %n %b %d %e %H %h %M %S %3 %a; English names; %% is "%".

    >>> format_moment(datetime(2018, 1, 2, 10, 20, 30, tzinfo=UTC), "%Y-%m-%e %H:%M:%S")
    '2018-01-2 10:20:30'
    """
    codes = {
        "Y": f"{moment.year:04d}",
        "y": f"{moment.year:04d}"[2:],
        "m": f"{moment.month:02d}",
        "n": str(moment.month),
        "b": _MONTHS[moment.month - 1],
        "d": f"{moment.day:02d}",
        "e": str(moment.day),
        "H": f"{moment.hour:02d}",
        "h": str(moment.hour),
        "M": f"{moment.minute:02d}",
        "S": f"{moment.second:02d}",
        "3": f"{moment.microsecond // 1000:03d}",
        "a": _WEEKDAYS[moment.weekday()],
        "%": "%",
    }
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern) and pattern[i + 1] in codes:
            out.append(codes[pattern[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)
