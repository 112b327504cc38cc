"""How a synthetic respondent fills in one page, and how long they take: shared by the local walk
and the HTTP driver, so both send the same form values for the same page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from helpseek.collect import PageView
from helpseek.instrument import Instrument
from helpseek.synth.respondents import Respondent
from helpseek.synth.truth import DurationTruth


@dataclass(frozen=True)
class ShownQuestion:
    """A question as a page shows it: its name and the choice names offered (none for text)."""

    name: str
    choices: tuple[str, ...] = ()


def shown_questions(view: PageView) -> tuple[ShownQuestion, ...]:
    """The answerable questions of a collect PageView (notes excluded)."""
    return tuple(
        ShownQuestion(q.name, tuple(c.name for c in q.choices))
        for q in view.questions
        if q.question.is_answered
    )


def answer_page(
    respondent: Respondent,
    instrument: Instrument,
    shown: Sequence[ShownQuestion],
) -> dict[str, list[str]]:
    """The form values the respondent submits for these questions (blank ones are left out).

    Answers not among the offered choices (a choice_filter hid them) fall back to the first
    offered choice for select_one and are dropped from select_multiple.
    """
    values: dict[str, list[str]] = {}
    for item in shown:
        answer = respondent.answers.get(item.name)
        if answer is None or item.name in respondent.blank:
            continue
        question = instrument.question(item.name)
        if question.type == "select_multiple":
            chosen = [
                c
                for c in (answer if isinstance(answer, list) else [str(answer)])
                if c in item.choices
            ]
            if chosen:
                values[item.name] = chosen
        elif question.type == "select_one":
            text = str(answer)
            if item.choices:
                values[item.name] = [text if text in item.choices else item.choices[0]]
        else:
            values[item.name] = [_text(answer)]
    return values


def repair(
    values: Mapping[str, list[str]],
    errors: Sequence[str],
    shown: Sequence[ShownQuestion],
    instrument: Instrument,
) -> dict[str, list[str]] | None:
    """Values the page accepts after it refused `errors`, or None when nothing can be done.

    An optional question loses its answer; a required choice question gets its first choice.
    """
    fixed = dict(values)
    offered = {s.name: s.choices for s in shown}
    for name in errors:
        question = instrument.question(name)
        if question.required is None:
            fixed.pop(name, None)
        elif offered.get(name):
            fixed[name] = [offered[name][0]]
        else:
            return None
    return fixed if fixed != dict(values) else None


def page_seconds(
    respondent: Respondent,
    durations: DurationTruth,
    rng: np.random.Generator,
    questions: int,
) -> float:
    """Seconds spent on a page with `questions` answerable questions (speeders far fewer)."""
    typical = durations.page_base_s + durations.per_question_s * questions
    seconds = float(np.exp(rng.normal(math.log(typical), durations.sigma)))
    return seconds * (durations.speeder_factor if respondent.kind == "speeder" else 1.0)


def rounded_seconds(seconds: float, rounding_s: int, cap_s: int) -> int:
    """As the survey server stores a page duration: rounded to `rounding_s` and capped.

    >>> rounded_seconds(14.9, 10, 3600), rounded_seconds(5000.0, 10, 3600)
    (10, 3600)
    """
    value = round(seconds / rounding_s) * rounding_s if rounding_s else round(seconds)
    return int(min(cap_s, value))


def respondent_rng(respondent: Respondent) -> np.random.Generator:
    """The respondent's own stream (page durations), independent of the order they are driven in."""
    return np.random.default_rng(list(respondent.seed))


def _text(answer: object) -> str:
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    return str(answer)
