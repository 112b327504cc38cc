"""The respondent's path through an Instrument as a pure state machine: no I/O, no clock.

A Session is immutable: `submit` and `back` return the next Session. The web shell stores it
(sealed) between requests; synth walks it directly. Must not import web, store or cli.
The date that today() and now() give is passed in (`today=`), as the shell stores it: with the
survey's date precision (the 1st of the month for "month"), so logic never sees a finer date.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from helpseek.collect.piping import fill
from helpseek.collect.views import PageView, Progress, QuestionView, RawValues, to_form_text
from helpseek.instrument import (
    AnswerError,
    FormState,
    compute_state,
    parse_answer,
    visible_choices,
)
from helpseek.instrument.expressions import references
from helpseek.instrument.logic import check_page_state
from helpseek.instrument.model import Answer, Choice, Instrument, Page, Question

STATE_SCHEMA = "helpseek.session/1"


class FormError(ValueError):
    """A submitted form that no rendered page could have produced (unknown field, repeated value)."""


class SessionStateError(ValueError):
    """Saved session state that does not belong to this instrument or is not a session at all."""


@dataclass(frozen=True)
class PageSubmission:
    """One accepted page: what goes into its sealed record (minus date and duration)."""

    page_id: str
    seq: int
    answers: Mapping[str, Answer]
    shown: tuple[str, ...]
    is_complete: bool


@dataclass(frozen=True)
class Accepted:
    """The page was valid: store `submission`, then show `session`'s next page (or the end)."""

    session: Session
    submission: PageSubmission


@dataclass(frozen=True)
class Rejected:
    """Show the page again, with the respondent's values kept and the errors next to the fields."""

    session: Session
    view: PageView


Outcome = Accepted | Rejected


@dataclass(frozen=True)
class Session:
    """Where one response is: its answers so far, the pages submitted (the back stack), the page now.

    `seed` fixes the order of randomized choices for this response, stable across re-renders.
    `page_id` is None once the last page was submitted. `shown_here` is what `submit` works out
    first, kept from the step that led to this page (see `_shown_here`); not part of equality.
    `known_state` is the state of `answers` (the very object) on a date, as the step that made
    this Session computed it, for the view of its page (issue 16); never stored, not compared.
    """

    instrument: Instrument
    response_id: str
    language: str
    seed: int
    answers: Mapping[str, Answer] = field(default_factory=dict)
    history: tuple[str, ...] = ()
    page_id: str | None = None
    seq: int = 0
    shown_here: ShownHere | None = field(default=None, compare=False)
    known_state: KnownState | None = field(default=None, compare=False, repr=False)

    @classmethod
    def start(
        cls,
        instrument: Instrument,
        language: str,
        rng: random.Random,
        *,
        today: date | None = None,
    ) -> Session:
        """A new response with a random id, positioned on the first page that is shown."""
        if language not in instrument.language_codes:
            language = instrument.default_language
        session = cls(instrument, f"{rng.getrandbits(128):032x}", language, rng.getrandbits(63))
        state = compute_state(instrument, session.answers, today=today)
        page_id = session._next_page_id(None, state)
        shown = _shown_on(instrument, page_id, 0, session.answers, state, today)
        known = (session.answers, today, state)
        return replace(session, page_id=page_id, shown_here=shown, known_state=known)

    @property
    def is_finished(self) -> bool:
        return self.page_id is None

    def current_page(
        self, *, today: date | None = None, draft: RawValues | None = None
    ) -> PageView:
        """The page to show now, pre-filled with the answers given so far, or with `draft`: what
        the respondent had typed on it when they paused (from `keep_draft`), shown as typed."""
        page = self._page()
        if draft is None:
            draft = {q.name: to_form_text(self.answers.get(q.name)) for q in page.questions}
        return self._view(page, self.answers, draft, {}, today, self._state_known(today))

    def keep_draft(self, raw: RawValues) -> dict[str, tuple[str, ...]]:
        """What to keep of a page sent with "continue later": the values of the page's own
        fields, as typed, neither checked nor stored as answers (issue 14).

        Raises FormError for fields no rendered page has, like `submit`.
        """
        page = self._page()
        _check_fields(page, raw)
        names = [q.name for q in page.questions if q.is_answered]
        return {name: tuple(raw[name]) for name in names if name in raw}

    def back(self) -> Session:
        """The previous page again (answers kept); on the first page, the same page."""
        if not self.history:
            return self
        return replace(self, page_id=self.history[-1], history=self.history[:-1], shown_here=None)

    def submit(self, raw: RawValues, *, today: date | None = None) -> Outcome:
        """Apply one submitted page: Accepted (store it, move on) or Rejected (show it again).

        Raises FormError for fields that no rendered page has (unknown names, a second value for
        a one-value question); invalid answers are Rejected with the typed values kept.
        """
        page = self._page()
        _check_fields(page, raw)
        before = self._without(page)
        relevant = self._known_shown(page, today)
        if relevant is None:
            relevant = _relevant_on(page, compute_state(self.instrument, before, today=today))
        values, errors = _parse(page, raw, relevant)
        candidate = {**before, **values}
        found, after = check_page_state(self.instrument, page, candidate, today=today)
        for name, error in found.items():
            errors.setdefault(name, error)
        if errors:
            return Rejected(self, self._view(page, candidate, raw, errors, today, after))
        next_id = self._next_page_id(page.id, after)
        answers = {q.name: after.values[q.name] for q in page.questions if q.name in after.values}
        submission = PageSubmission(page.id, self.seq + 1, answers, relevant, next_id is None)
        moved = replace(
            self,
            answers=candidate,
            history=(*self.history, page.id),
            page_id=next_id,
            seq=self.seq + 1,
            shown_here=_shown_on(self.instrument, next_id, self.seq + 1, candidate, after, today),
            known_state=(candidate, today, after),
        )
        return Accepted(moved, submission)

    def ordered_choices(
        self, question: Question, choices: tuple[Choice, ...]
    ) -> tuple[Choice, ...]:
        """Choices in display order: shuffled by this response's seed when randomized."""
        if not question.is_randomized:
            return choices
        shuffled = list(choices)
        random.Random(f"{self.seed}/{question.name}").shuffle(shuffled)
        return tuple(shuffled)

    def to_data(self) -> dict[str, Any]:
        """The state as plain data (JSON types) for the web shell to seal; `from_data` reads it."""
        return {
            "schema": STATE_SCHEMA,
            "form_id": self.instrument.form_id,
            "form_version": self.instrument.version,
            "response_id": self.response_id,
            "language": self.language,
            "seed": self.seed,
            "answers": dict(self.answers),
            "history": list(self.history),
            "page_id": self.page_id,
            "seq": self.seq,
            "shown_here": list(self.shown_here) if self.shown_here else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], instrument: Instrument) -> Session:
        """The session `to_data` gave; raises SessionStateError for data that is not a session
        (not an object, another schema) or not one of `instrument`."""
        if not isinstance(data, Mapping):
            raise SessionStateError("not a saved session")
        if data.get("schema") != STATE_SCHEMA or data.get("form_id") != instrument.form_id:
            raise SessionStateError("saved session is for another questionnaire")
        if data["page_id"] is not None and data["page_id"] not in _layout(instrument).index:
            raise SessionStateError("saved session points at a page this version does not have")
        return cls(
            instrument,
            data["response_id"],
            data["language"],
            data["seed"],
            data["answers"],
            tuple(data["history"]),
            data["page_id"],
            data["seq"],
            _read_shown_here(data.get("shown_here")),
        )

    # --- internals ---------------------------------------------------------------------------

    def _known_shown(self, page: Page, today: date | None) -> tuple[str, ...] | None:
        """This page's shown questions as the step that led here found them, when that still
        holds: the same step (seq), page and date, and no answer to this page yet (so the
        answers without this page are the answers that step had)."""
        known = self.shown_here
        if known is None or known[:3] != (self.seq, self.page_id, _day(today)):
            return None
        if any(q.name in self.answers for q in page.questions):
            return None
        return known[3]

    def _state_known(self, today: date | None) -> FormState | None:
        """`known_state` when it is the state of this Session's answers on `today`."""
        known = self.known_state
        if known is None or known[0] is not self.answers or known[1] != today:
            return None
        return known[2]

    def _page(self) -> Page:
        if self.page_id is None:
            raise FormError("this response is already complete")
        return _layout(self.instrument).page(self.page_id)

    def _without(self, page: Page) -> dict[str, Answer]:
        names = {q.name for q in page.questions}
        return {k: v for k, v in self.answers.items() if k not in names}

    def _next_page_id(self, after: str | None, state: FormState) -> str | None:
        layout = _layout(self.instrument)
        start = 0 if after is None else layout.index[after] + 1
        return next(
            (layout.pages[i].id for i in range(start, len(layout.pages)) if layout.shown(i, state)),
            None,
        )

    def _progress(self, page: Page, answers: Mapping[str, Answer], state: FormState) -> Progress:
        """Pages done, out of done + this page + later pages that are or may still be shown.

        A later page "may still be shown" while its conditions read a question not answered yet,
        so the total does not jump when the first screening question is answered.
        """
        layout = _layout(self.instrument)
        start = layout.index[page.id] + 1
        relevant = state.relevant
        remaining = 1 + sum(
            1
            for shows, reads in zip(layout.shows[start:], layout.reads[start:])
            if any(relevant.get(name, False) for name in shows)
            or any(name not in answers for name in reads)
        )
        done = len(self.history)
        return Progress(done, done + remaining)

    def _view(
        self,
        page: Page,
        answers: Mapping[str, Answer],
        draft: RawValues,
        errors: Mapping[str, AnswerError],
        today: date | None,
        state: FormState | None = None,
    ) -> PageView:
        """The view of `page` with `answers`; `state` is their state when the caller has it."""
        if state is None:
            state = compute_state(self.instrument, answers, today=today)
        views = []
        for q in page.questions:
            if q.type == "calculate" or not state.is_relevant(q.name):
                continue
            shown = visible_choices(self.instrument, q, answers, state=state, today=today)
            choices = self.ordered_choices(q, shown)
            error = errors.get(q.name)
            views.append(
                QuestionView(
                    q,
                    choices,
                    tuple(draft.get(q.name, ())),
                    error.kind if error else None,
                    error.message.get(self.language, self.instrument.default_language)
                    if error and error.message
                    else "",
                    fill(q.label, self.instrument, state.values, self.language),
                    fill(q.hint, self.instrument, state.values, self.language),
                )
            )
        progress = self._progress(page, answers, state)
        label = fill(page.label, self.instrument, state.values, self.language)
        return PageView(page, tuple(views), progress, not self.history, label)


#: A page's shown questions as one step found them: (seq, page id, date or None, names).
ShownHere = tuple[int, str, str | None, tuple[str, ...]]
#: The state of a Session's answers as one step computed it: (those answers, date or None, state).
KnownState = tuple[Mapping[str, Answer], date | None, FormState]


def _shown_on(
    instrument: Instrument,
    page_id: str | None,
    seq: int,
    answers: Mapping[str, Answer],
    state: FormState,
    today: date | None,
) -> ShownHere | None:
    """The next page's shown questions, given `state` (the state of `answers`), kept in the
    session so that its submission, which may reach another server process whose cache never
    saw this state, need not compute it again (issue 16). Only when `answers` hold nothing of
    that page: then they are the answers without it, the ones `submit` evaluates."""
    if page_id is None:
        return None
    page = _layout(instrument).page(page_id)
    if any(q.name in answers for q in page.questions):
        return None
    return (seq, page_id, _day(today), _relevant_on(page, state))


def _read_shown_here(data: object) -> ShownHere | None:
    """`shown_here` as `to_data` wrote it; None for anything else (a state saved without it)."""
    if not isinstance(data, list) or len(data) != 4:
        return None
    seq, page_id, day, names = data
    if not (
        isinstance(seq, int)
        and isinstance(page_id, str)
        and (day is None or isinstance(day, str))
        and isinstance(names, list)
        and all(isinstance(n, str) for n in names)
    ):
        return None
    return (seq, page_id, day, tuple(names))


def _day(today: date | None) -> str | None:
    return None if today is None else today.isoformat()


def _relevant_on(page: Page, state: FormState) -> tuple[str, ...]:
    return tuple(q.name for q in page.questions if q.is_answered and state.is_relevant(q.name))


@dataclass(frozen=True)
class _Layout:
    """What the pages of one instrument are, found once (every POST asks; issue 16): each page's
    position, the questions that show it (all but calculations) and the names its conditions
    read."""

    instrument: Instrument
    pages: tuple[Page, ...]
    index: dict[str, int]
    shows: tuple[tuple[str, ...], ...]
    reads: tuple[tuple[str, ...], ...]

    def page(self, page_id: str) -> Page:
        return self.pages[self.index[page_id]]

    def shown(self, index: int, state: FormState) -> bool:
        """Whether the page at `index` is shown in `state`: any of its questions is relevant."""
        relevant = state.relevant
        return any(relevant.get(name, False) for name in self.shows[index])


_LAYOUTS: dict[int, _Layout] = {}
_MAX_LAYOUTS = 64  # instruments served


def _layout(instrument: Instrument) -> _Layout:
    found = _LAYOUTS.get(id(instrument))
    if found is None or found.instrument is not instrument:
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            _LAYOUTS.clear()
        pages = tuple(instrument.pages)
        index: dict[str, int] = {}
        for i, page in enumerate(pages):
            index.setdefault(page.id, i)
        found = _LAYOUTS[id(instrument)] = _Layout(
            instrument,
            pages,
            index,
            tuple(tuple(q.name for q in p.questions if q.type != "calculate") for p in pages),
            tuple(_condition_reads(p) for p in pages),
        )
    return found


def _condition_reads(page: Page) -> tuple[str, ...]:
    """The names the page's conditions read."""
    conditions = [c for q in page.questions for c in (*q.group_relevant, q.relevant) if c]
    return tuple(dict.fromkeys(n for c in conditions for n in references(c)))


def _check_fields(page: Page, raw: RawValues) -> None:
    names = {q.name for q in page.questions if q.is_answered}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise FormError(f"fields not on page {page.id!r}: {', '.join(unknown)}")
    for q in page.questions:
        if q.type != "select_multiple" and len(raw.get(q.name, ())) > 1:
            raise FormError(f"question {q.name!r} takes one value")


def _parse(
    page: Page, raw: RawValues, relevant: tuple[str, ...]
) -> tuple[dict[str, Answer], dict[str, AnswerError]]:
    """Typed answers of the page's shown questions (values sent for hidden ones are ignored)."""
    values: dict[str, Answer] = {}
    errors: dict[str, AnswerError] = {}
    for q in page.questions:
        given = [v for v in raw.get(q.name, ()) if v.strip()]
        if q.name not in relevant or not given:
            continue
        try:
            value = parse_answer(q, given if q.type == "select_multiple" else given[0])
        except AnswerError as error:
            errors[q.name] = error
            continue
        if value is not None:
            values[q.name] = value
    return values, errors
