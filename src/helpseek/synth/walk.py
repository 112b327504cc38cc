"""Walking the real collect state machine with synthetic respondents (no HTTP, no storage).

Every page is whatever `collect.Session` shows next; the respondent answers only the questions it
shows, and a page is kept only when the Session accepts it, so skip logic and constraints hold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat

from helpseek.collect import Accepted, PageSubmission, Rejected, Session
from helpseek.instrument import Instrument
from helpseek.synth.answering import (
    ShownQuestion,
    answer_page,
    page_seconds,
    repair,
    respondent_rng,
    rounded_seconds,
    shown_questions,
)
from helpseek.synth.respondents import Draw, Respondent


@dataclass(frozen=True)
class SyntheticPage:
    """One accepted page: what the Session handed over for storage, and its rounded duration."""

    submission: PageSubmission
    seconds: int


@dataclass(frozen=True)
class SyntheticResponse:
    """All pages one respondent submitted, as the survey server would have stored them."""

    respondent: Respondent
    response_id: str
    language: str
    form_id: str
    form_version: str
    submitted_on: date
    pages: tuple[SyntheticPage, ...]
    repairs: int = 0

    @property
    def is_complete(self) -> bool:
        return bool(self.pages) and self.pages[-1].submission.is_complete


class SynthesisError(RuntimeError):
    """The Session refused a page even after repair: the truth and questionnaire disagree."""


def walk(
    instrument: Instrument,
    respondent: Respondent,
    draw: Draw,
    *,
    page_seconds_rounding: int = 10,
    page_seconds_cap: int = 3600,
) -> SyntheticResponse:
    """One respondent through the Session: answer each shown page until the end or breakoff.

    Rounding and cap default to the survey server's Settings defaults.
    """
    session = Session.start(instrument, respondent.language, random.Random(str(respondent.seed)))
    rng = respondent_rng(respondent)
    pages: list[SyntheticPage] = []
    repairs = 0
    while not session.is_finished and len(pages) != respondent.breakoff_after:
        shown = shown_questions(session.current_page())
        values = answer_page(respondent, instrument, shown)
        seconds = page_seconds(respondent, draw.truth.durations, rng, len(shown))
        outcome, tries = submit_until_accepted(session, values, shown, respondent)
        repairs += tries
        pages.append(
            SyntheticPage(
                outcome.submission,
                rounded_seconds(seconds, page_seconds_rounding, page_seconds_cap),
            )
        )
        session = outcome.session
    submitted_on = draw.truth.fielding_start + timedelta(days=respondent.day)
    return SyntheticResponse(
        respondent,
        session.response_id,
        session.language,
        instrument.form_id,
        instrument.version,
        submitted_on,
        tuple(pages),
        repairs,
    )


def submit_until_accepted(
    session: Session,
    values: Mapping[str, list[str]],
    shown: Sequence[ShownQuestion],
    respondent: Respondent,
) -> tuple[Accepted, int]:
    """`values` submitted on the session's page, repaired until the Session accepts them: the
    outcome and the number of repairs. SynthesisError when a refusal cannot be repaired."""
    outcome = session.submit(values)
    repairs = 0
    while isinstance(outcome, Rejected):
        errors = [q.name for q in outcome.view.questions if q.error_kind]
        fixed = repair(values, errors, shown, session.instrument)
        if fixed is None:
            raise SynthesisError(
                f"page {session.page_id!r} refused {errors} for respondent {respondent.index}"
            )
        values, repairs = fixed, repairs + 1
        outcome = outcome.session.submit(values)
    assert isinstance(outcome, Accepted)  # the loop above leaves only Accepted
    return outcome, repairs


def walk_all(
    instrument: Instrument,
    draw: Draw,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> Iterator[SyntheticResponse]:
    """Every respondent of `draw`, in order; `progress(done, total)` after each.

    `workers` > 1 walks in that many processes (same results: each respondent has its own seed).
    """
    total = len(draw.respondents)
    if workers <= 1:
        walked: Iterable[SyntheticResponse] = (walk(instrument, r, draw) for r in draw.respondents)
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        chunk = max(1, min(50, total // (4 * workers)))
        walked = pool.map(walk, repeat(instrument), draw.respondents, repeat(draw), chunksize=chunk)
    try:
        for done, response in enumerate(walked, start=1):
            yield response
            if progress is not None:
                progress(done, total)
    finally:
        if workers > 1:
            pool.shutdown(cancel_futures=True)


def answered_names(responses: Iterable[SyntheticResponse]) -> Iterator[tuple[str, ...]]:
    """Per response, the questions answered across its pages (for checks and tests)."""
    for response in responses:
        yield tuple(name for page in response.pages for name in page.submission.answers)
