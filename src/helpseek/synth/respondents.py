"""Drawing synthetic respondents from a Truth: what each would answer, and how they behave.

A Respondent holds an answer for every question (shown or not: the questionnaire's logic decides
later what is asked), the optional questions they leave blank, when they break off, and their
kind (regular, speeder, straight-liner, duplicate, inconsistent). Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, cast

import numpy as np

from helpseek.instrument import Instrument, Question
from helpseek.instrument.model import Answer
from helpseek.problems import InputError, problem
from helpseek.synth.outcomes import Calibration, calibrate, draw_outcomes
from helpseek.synth.truth import Truth

Kind = Literal["regular", "speeder", "straightliner", "duplicate", "inconsistent"]

#: Reference sample for calibrating intercepts: large enough that the Monte Carlo error of the
#: prevalence (~0.1 percentage point) is far below what any single survey can detect.
REFERENCE_N = 20_000
REFERENCE_SEED = 20_261_129
#: Careless free text: neutral letters, so gibberish screening has something to find.
CARELESS_TEXT = "asdf jkl qwer"


@dataclass(frozen=True)
class Respondent:
    """One synthetic respondent: answers, blanks, breakoff, language, kind and a private seed.

    `breakoff_after` counts the pages they submit before leaving (None: they finish).
    """

    index: int
    language: str
    answers: Mapping[str, Answer]
    blank: frozenset[str] = frozenset()
    breakoff_after: int | None = None
    kind: Kind = "regular"
    seed: tuple[int, int] = (0, 0)
    day: int = 0

    @property
    def is_careless(self) -> bool:
        return self.kind == "speeder"


@dataclass(frozen=True)
class Draw:
    """The respondents of one draw, and the calibration their outcomes came from."""

    respondents: tuple[Respondent, ...]
    calibration: Calibration
    truth: Truth = field(compare=False)


def draw_respondents(
    instrument: Instrument,
    truth: Truth,
    n: int,
    seed: int,
    calibration: Calibration | None = None,
) -> Draw:
    """`n` respondents for `instrument` from `truth`, the same for the same seed.

    Pass `calibration` (from an earlier draw) to skip recalibrating in loops over seeds.
    """
    if n < 1:
        raise InputError([problem("SYNTH-009", n=n)])
    calibration = calibration or calibration_for(instrument, truth)
    rng = np.random.default_rng(seed)
    kinds = _kinds(truth, n, rng)
    careless = kinds == "speeder"
    profiles = _profiles(instrument, truth, n, rng, careless)
    _apply_outcomes(instrument, truth, calibration, profiles, rng, careless)
    languages = _languages(instrument, truth, n, rng)
    page_count = len(instrument.pages)
    respondents = []
    for i in range(n):
        kind = cast(Kind, str(kinds[i]))
        answers = profiles[i]
        if kind == "straightliner":
            answers = _straight(instrument, answers, rng)
        elif kind == "inconsistent":
            answers = {**answers, **truth.quality.inconsistent_answers}
        blank = _blanks(instrument, truth, rng) if kind == "regular" else frozenset()
        leaves = kind == "regular" and rng.random() < truth.breakoff and page_count > 1
        breakoff = int(rng.integers(1, page_count)) if leaves else None
        day = int(rng.integers(0, max(1, truth.fielding_days)))
        respondents.append(
            Respondent(i, str(languages[i]), answers, blank, breakoff, kind, (seed, i), day)
        )
    return Draw(tuple(_duplicate(respondents, truth, rng)), calibration, truth)


def calibration_for(instrument: Instrument, truth: Truth) -> Calibration:
    """Outcome intercepts from the reference sample (remembered for the same two objects)."""
    key = (id(instrument), id(truth))
    cached = _CALIBRATIONS.get(key)
    if cached is not None and cached[0] is instrument and cached[1] is truth:
        return cached[2]
    if not truth.outcomes:
        return Calibration({}, {})
    rng = np.random.default_rng(REFERENCE_SEED)
    profiles = _profiles(instrument, truth, REFERENCE_N, rng, np.zeros(REFERENCE_N, dtype=bool))
    calibration = calibrate(truth, profiles)
    _CALIBRATIONS[key] = (instrument, truth, calibration)
    return calibration


_CALIBRATIONS: dict[tuple[int, int], tuple[Instrument, Truth, Calibration]] = {}


def _kinds(truth: Truth, n: int, rng: np.random.Generator) -> np.ndarray:
    q = truth.quality
    counts = [
        ("speeder", q.speeders),
        ("straightliner", q.straightliners),
        ("duplicate", q.duplicates),
        ("inconsistent", q.inconsistent),
    ]
    kinds = np.full(n, "regular", dtype=object)
    order = rng.permutation(n)
    start = 0
    for kind, share in counts:
        count = round(share * n)
        kinds[order[start : start + count]] = kind
        start += count
    return kinds


def _profiles(
    instrument: Instrument,
    truth: Truth,
    n: int,
    rng: np.random.Generator,
    careless: np.ndarray,
) -> list[dict[str, Answer]]:
    """Every answered question's value for n respondents, drawn column by column (vectorised)."""
    profiles: list[dict[str, Answer]] = [{} for _ in range(n)]
    for question in instrument.questions:
        if not question.is_answered:
            continue
        column = _column(question, truth, n, rng, careless)
        for i, value in enumerate(column):
            if value is not None:
                profiles[i][question.name] = value
    return profiles


def _column(
    question: Question,
    truth: Truth,
    n: int,
    rng: np.random.Generator,
    careless: np.ndarray,
) -> list[Answer | None]:
    item = truth.items.get(question.name)
    names = [c.name for c in question.choices]
    if question.type == "select_one":
        shares = np.array([item.shares.get(c, 0.0) if item else 1.0 for c in names], dtype=float)
        shares = shares / shares.sum() if shares.sum() > 0 else np.full(len(names), 1 / len(names))
        picked = rng.choice(len(names), size=n, p=shares)
        uniform = rng.integers(0, len(names), size=n)
        return [names[u if c else p] for p, u, c in zip(picked, uniform, careless, strict=True)]
    if question.type == "select_multiple":
        chances = np.array([item.shares.get(c, 0.0) if item else 0.5 for c in names], dtype=float)
        chosen = rng.random((n, len(names))) < np.where(careless[:, None], 0.5, chances[None, :])
        exclusive = set(truth.exclusive.get(question.name, ()))
        return [_selection(names, row, exclusive) for row in chosen]
    if question.type == "text":
        texts = item.texts if item and item.texts else ()
        answered = rng.random(n) < (item.answered if item else 0.0)
        picks = rng.integers(0, max(1, len(texts)), size=n)
        return [
            CARELESS_TEXT if c else (texts[k] if a and texts else None)
            for a, k, c in zip(answered, picks, careless, strict=True)
        ]
    if question.type == "acknowledge":
        return ["OK"] * n
    low, high = (item.low, item.high) if item else (0.0, 100.0)
    if question.type == "integer":
        return [int(v) for v in rng.integers(int(low), int(high) + 1, size=n)]
    return [round(float(v), 2) for v in rng.uniform(low, high, size=n)]


def _selection(names: Sequence[str], row: np.ndarray, exclusive: set[str]) -> list[str] | None:
    chosen = [name for name, keep in zip(names, row, strict=True) if keep]
    if len(chosen) > 1 and exclusive:
        chosen = [c for c in chosen if c not in exclusive]
    return chosen or None


def _apply_outcomes(
    instrument: Instrument,
    truth: Truth,
    calibration: Calibration,
    profiles: list[dict[str, Answer]],
    rng: np.random.Generator,
    careless: np.ndarray,
) -> None:
    """Overwrite each outcome question with the planted model's draw (careless rows keep noise)."""
    drawn = draw_outcomes(truth, calibration, profiles, rng)
    for outcome in truth.outcomes:
        question = instrument.question(outcome.question)
        others = list(outcome.otherwise)
        weights = np.array([outcome.otherwise[o] for o in others], dtype=float)
        negative = rng.choice(len(others), size=len(profiles), p=weights / weights.sum())
        refused = rng.random(len(profiles)) < outcome.refused
        has_refusal = question.choice("prefer_not") is not None
        for i, profile in enumerate(profiles):
            if careless[i]:
                continue
            value = outcome.positive if drawn[outcome.name][i] else others[negative[i]]
            profile[question.name] = "prefer_not" if refused[i] and has_refusal else value


def _languages(
    instrument: Instrument, truth: Truth, n: int, rng: np.random.Generator
) -> np.ndarray:
    codes = list(truth.languages) or [instrument.default_language]
    shares = np.array([truth.languages.get(c, 1.0) for c in codes], dtype=float)
    return np.array(codes, dtype=object)[rng.choice(len(codes), size=n, p=shares / shares.sum())]


def _blanks(instrument: Instrument, truth: Truth, rng: np.random.Generator) -> frozenset[str]:
    """Optional questions (not text: text has its own answered share) left blank when shown."""
    optional = [
        q.name
        for q in instrument.questions
        if q.is_answered and q.required is None and q.type != "text"
    ]
    return frozenset(name for name in optional if rng.random() < truth.missing)


def _straight(
    instrument: Instrument,
    answers: Mapping[str, Answer],
    rng: np.random.Generator,
) -> dict[str, Answer]:
    """The same choice for every item of each battery (the position in the first item's list)."""
    out = dict(answers)
    for names in instrument.batteries.values():
        choices = [c.name for c in instrument.question(names[0]).choices]
        pick = choices[int(rng.integers(0, len(choices)))]
        out.update({name: pick for name in names})
    return out


def _duplicate(
    respondents: list[Respondent],
    truth: Truth,
    rng: np.random.Generator,
) -> list[Respondent]:
    """Duplicates send again the answers of an earlier regular respondent who finished."""
    sources = [
        r
        for r in respondents
        if r.kind == "regular"
        and r.breakoff_after is None
        and all(r.answers.get(k) == v for k, v in truth.population.items())
    ]
    out = []
    for r in respondents:
        earlier = [s for s in sources if s.index < r.index] or sources
        if r.kind == "duplicate" and earlier:
            source = earlier[int(rng.integers(0, len(earlier)))]
            r = replace(r, language=source.language, answers=source.answers, blank=source.blank)
        out.append(r)
    return out
