"""What a request leads to: the steps `Survey` and `CodeDesk` return and the handlers render.

One frozen dataclass per outcome; none holds anything the page would not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from helpseek.collect import PageView, Session
from helpseek.instrument.model import Instrument


@dataclass(frozen=True)
class ShowPage:
    """Render this page of `session` with `token`; `notice_key` explains a re-render, `status` its code."""

    session: Session
    view: PageView
    token: str
    notice_key: str | None = None
    status: int = 200


@dataclass(frozen=True)
class ShowEnd:
    """The response is complete: thank the respondent, show the help resources, and offer a
    withdrawal code to the browser whose `token` can open the finished session (issue 14)."""

    instrument: Instrument
    language: str
    token: str | None = None


@dataclass(frozen=True)
class ShowMessage:
    """A calm message page: `status` and the UI string key that explains it."""

    status: int
    message_key: str


@dataclass(frozen=True)
class ShowCode:
    """A code shown once: to continue later ("resume", with the session's language) or to
    withdraw the answers ("withdrawal"); `parts` are its words or base32 groups, in order."""

    kind: Literal["resume", "withdrawal"]
    parts: tuple[str, ...] = field(repr=False)
    is_words: bool
    valid_until: date
    instrument: Instrument
    language: str


@dataclass(frozen=True)
class ShowCodeEntry:
    """The form where a code is typed ("resume" or "withdrawal"), with `error_key` explaining why
    the last one was refused, and the HTTP `status` that goes with it."""

    kind: Literal["resume", "withdrawal"]
    error_key: str | None = None
    status: int = 200


@dataclass(frozen=True)
class ShowWithdrawConfirm:
    """ "Withdraw all your answers?": `confirm` is the encrypted value the "yes" button sends."""

    confirm: str = field(repr=False)


@dataclass(frozen=True)
class ShowWithdrawn:
    """The answers are withdrawn (a tombstone is stored), or `already` were before."""

    already: bool = False


Step = (
    ShowPage
    | ShowEnd
    | ShowMessage
    | ShowCode
    | ShowCodeEntry
    | ShowWithdrawConfirm
    | ShowWithdrawn
)
