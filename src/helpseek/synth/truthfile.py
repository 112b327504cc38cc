"""Reading a truth file (YAML) into a Truth, checked against an Instrument.

Every problem is reported at once (SYNTH-001..007), with near-miss suggestions for names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from helpseek.instrument import Instrument, Question
from helpseek.problems import InputError, Location, Problem, near_miss, problem
from helpseek.synth.truth import DurationTruth, ItemTruth, OutcomeTruth, QualityTruth, Truth

TRUTHS_DIR = Path(__file__).resolve().parent / "truths"
_TOP_KEYS = (
    "instrument", "population", "languages", "fielding", "items", "exclusive", "missing",
    "breakoff", "outcomes", "quality", "durations",
)  # fmt: skip
_OUTCOME_KEYS = (
    "name", "question", "within", "prevalence", "positive", "otherwise", "refused",
    "log_odds_ratios",
)  # fmt: skip
_QUALITY_KEYS = ("speeders", "straightliners", "duplicates", "inconsistent", "inconsistent_answers")
_DURATION_KEYS = ("page_base_s", "per_question_s", "sigma", "speeder_factor")


class _Loader(yaml.SafeLoader):
    """YAML 1.2 scalars: only true/false are booleans and 13_17 stays text, so choice names such
    as yes, no and 13_17 need no quotes."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


def bundled_truths() -> list[str]:
    """Names of the truth files shipped with helpseek (one per bundled questionnaire)."""
    return sorted(p.stem for p in TRUTHS_DIR.glob("*.yaml"))


def load_truth(source: str | Path | None, instrument: Instrument) -> Truth:
    """The truth file at `source` (or the bundled one for `instrument` when None), checked.

    Raises InputError listing every problem: unknown keys, questions or choices, shares out of
    [0, 1], outcomes that are not select_one questions.
    """
    path = _resolve(source, instrument)
    where = Location(file=str(path))
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as error:
        raise InputError(
            [problem("CLI-002", where, path=str(path), reason=error.strerror)]
        ) from None
    except yaml.YAMLError as error:
        raise InputError(
            [problem("SYNTH-002", where, reason=str(error).replace("\n", " "))]
        ) from None
    if not isinstance(data, dict):
        raise InputError([problem("SYNTH-002", where, reason="the file is not a mapping of keys")])
    return _build(data, instrument, where)


def truth_from_mapping(data: Mapping[str, Any], instrument: Instrument) -> Truth:
    """The same checks on an in-memory mapping (tests and benchmarks write truths inline)."""
    return _build(dict(data), instrument, Location())


def _resolve(source: str | Path | None, instrument: Instrument) -> Path:
    if source is None:
        path = TRUTHS_DIR / f"{instrument.form_id}.yaml"
        if not path.exists():
            known = ", ".join(bundled_truths())
            raise InputError([problem("SYNTH-001", form_id=instrument.form_id, known=known)])
        return path
    path = Path(source)
    if not path.exists() and (TRUTHS_DIR / f"{source}.yaml").exists():
        return TRUTHS_DIR / f"{source}.yaml"
    if not path.exists():
        raise InputError([problem("CLI-001", Location(file=str(path)), path=str(path))])
    return path


class _Checker:
    """Collects problems while reading the mapping, so that all are raised together."""

    def __init__(self, instrument: Instrument, where: Location) -> None:
        self.instrument = instrument
        self.where = where
        self.problems: list[Problem] = []
        self.names = [q.name for q in instrument.questions if q.is_answered]

    def add(self, code: str, **fields: object) -> None:
        self.problems.append(problem(code, self.where, "error", **fields))

    def keys(self, data: Mapping[str, Any], known: tuple[str, ...], at: str) -> None:
        for key in data:
            if key not in known:
                self.add(
                    "SYNTH-003",
                    key=key,
                    at=at,
                    hint=near_miss(str(key), known),
                    known=", ".join(known),
                )

    def share(self, value: Any, at: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            self.add("SYNTH-004", field=at, value=value, expected="a share from 0 to 1")
            return 0.0
        return float(value)

    def number(self, value: Any, at: str, default: float) -> float:
        if value is None:
            return default
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            self.add("SYNTH-004", field=at, value=value, expected="a number")
            return default
        return float(value)

    def question(self, name: Any, at: str) -> Question | None:
        if name in self.names:
            return self.instrument.question(str(name))
        self.add(
            "SYNTH-005",
            field=at,
            name=name,
            form_id=self.instrument.form_id,
            hint=near_miss(str(name), self.names),
        )
        return None

    def choice(self, question: Question, name: Any, at: str) -> bool:
        known = [c.name for c in question.choices]
        if str(name) in known:
            return True
        self.add(
            "SYNTH-006",
            field=at,
            value=name,
            name=question.name,
            hint=near_miss(str(name), known),
            known=", ".join(known),
        )
        return False

    def mapping(self, value: Any, at: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add("SYNTH-004", field=at, value=value, expected="a mapping of names to values")
            return {}
        return {str(k): v for k, v in value.items()}


def _build(data: dict[str, Any], instrument: Instrument, where: Location) -> Truth:
    check = _Checker(instrument, where)
    check.keys(data, _TOP_KEYS, "the top level")
    form_id = data.get("instrument", instrument.form_id)
    if form_id != instrument.form_id:
        check.add("SYNTH-007", found=form_id, form_id=instrument.form_id)
    items = {
        name: _item(check, name, value)
        for name, value in check.mapping(data.get("items"), "items").items()
    }
    truth = Truth(
        form_id=instrument.form_id,
        items={k: v for k, v in items.items() if v is not None},
        outcomes=tuple(_outcomes(check, data.get("outcomes") or [])),
        population=_answers(check, data.get("population"), "population"),
        languages=_languages(check, data.get("languages")),
        exclusive=_exclusive(check, data.get("exclusive")),
        missing=check.share(data.get("missing", 0.0), "missing"),
        breakoff=check.share(data.get("breakoff", 0.0), "breakoff"),
        quality=_quality(check, check.mapping(data.get("quality"), "quality")),
        durations=_durations(check, check.mapping(data.get("durations"), "durations")),
        fielding_start=_start(check, check.mapping(data.get("fielding"), "fielding")),
        fielding_days=int(
            check.number(
                check.mapping(data.get("fielding"), "fielding").get("days"), "fielding.days", 28
            )
        ),
        source=str(where.file or ""),
    )
    if check.problems:
        raise InputError(check.problems)
    return truth


def _item(check: _Checker, name: str, value: Any) -> ItemTruth | None:
    at = f"items.{name}"
    question = check.question(name, at)
    value = check.mapping(value, at)
    if question is None:
        return None
    if question.type in ("select_one", "select_multiple"):
        shares = {
            k: check.share(v, f"{at}.{k}")
            for k, v in value.items()
            if check.choice(question, k, f"{at}.{k}")
        }
        return ItemTruth(name, shares)
    if question.type == "text":
        check.keys(value, ("answered", "texts"), at)
        texts = value.get("texts") or []
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            check.add("SYNTH-004", field=f"{at}.texts", value=texts, expected="a list of texts")
            texts = []
        return ItemTruth(
            name,
            answered=check.share(value.get("answered", 0.0), f"{at}.answered"),
            texts=tuple(texts),
        )
    check.keys(value, ("low", "high", "answered"), at)
    return ItemTruth(
        name,
        answered=check.share(value.get("answered", 1.0), f"{at}.answered"),
        low=check.number(value.get("low"), f"{at}.low", 0.0),
        high=check.number(value.get("high"), f"{at}.high", 100.0),
    )


def _outcomes(check: _Checker, items: Any) -> list[OutcomeTruth]:
    if not isinstance(items, list):
        check.add("SYNTH-004", field="outcomes", value=items, expected="a list of outcomes")
        return []
    out: list[OutcomeTruth] = []
    for i, raw in enumerate(items):
        at = f"outcomes[{i + 1}]"
        data = check.mapping(raw, at)
        check.keys(data, _OUTCOME_KEYS, at)
        name = str(data.get("name", ""))
        question = check.question(data.get("question", name), f"{at}.question")
        if question is None:
            continue
        if question.type != "select_one":
            check.add(
                "SYNTH-004",
                field=f"{at}.question",
                value=question.name,
                expected="a select_one question",
            )
            continue
        positive = str(data.get("positive", "yes"))
        check.choice(question, positive, f"{at}.positive")
        otherwise = {
            k: check.share(v, f"{at}.otherwise.{k}")
            for k, v in check.mapping(data.get("otherwise"), f"{at}.otherwise").items()
            if check.choice(question, k, f"{at}.otherwise.{k}")
        }
        within = data.get("within")
        if within is not None and within not in [o.name for o in out]:
            check.add(
                "SYNTH-004",
                field=f"{at}.within",
                value=within,
                expected="the name of an outcome listed above this one",
            )
        out.append(
            OutcomeTruth(
                name,
                question.name,
                check.share(data.get("prevalence"), f"{at}.prevalence"),
                positive,
                otherwise or _first_other(question, positive),
                check.share(data.get("refused", 0.0), f"{at}.refused"),
                _log_odds(
                    check,
                    check.mapping(data.get("log_odds_ratios"), f"{at}.log_odds_ratios"),
                    f"{at}.log_odds_ratios",
                ),
                None if within is None else str(within),
            )
        )
    return out


def _first_other(question: Question, positive: str) -> dict[str, float]:
    """Without `otherwise`, every not-positive answer is the first other choice (e.g. "no")."""
    return {next(c.name for c in question.choices if c.name != positive): 1.0}


def _log_odds(check: _Checker, data: dict[str, Any], at: str) -> dict[str, dict[str, float]]:
    """Terms are select_one questions (levels = choices) or `question__choice` (levels "0"/"1")."""
    out: dict[str, dict[str, float]] = {}
    for term, levels in data.items():
        name, _, choice = term.partition("__")
        question = check.question(name, f"{at}.{term}")
        if question is None:
            continue
        if choice and not (
            question.type == "select_multiple" and check.choice(question, choice, f"{at}.{term}")
        ):
            continue
        known_levels = {"0", "1"} if choice else None
        values: dict[str, float] = {}
        for level, value in check.mapping(levels, f"{at}.{term}").items():
            if known_levels is not None and level not in known_levels:
                check.add(
                    "SYNTH-006",
                    field=f"{at}.{term}.{level}",
                    value=level,
                    name=term,
                    hint="",
                    known="0, 1",
                )
                continue
            if known_levels is None and not check.choice(question, level, f"{at}.{term}.{level}"):
                continue
            values[level] = check.number(value, f"{at}.{term}.{level}", 0.0)
        out[term] = values
    return out


def _answers(check: _Checker, value: Any, at: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, answer in check.mapping(value, at).items():
        question = check.question(name, f"{at}.{name}")
        if question is not None and (
            not question.choices or check.choice(question, answer, f"{at}.{name}")
        ):
            out[name] = str(answer)
    return out


def _languages(check: _Checker, value: Any) -> dict[str, float]:
    shares = check.mapping(value, "languages")
    codes = check.instrument.language_codes
    for code in shares:
        if code not in codes:
            check.add(
                "SYNTH-006",
                field=f"languages.{code}",
                value=code,
                name="languages",
                hint=near_miss(code, codes),
                known=", ".join(codes),
            )
    return {k: check.share(v, f"languages.{k}") for k, v in shares.items() if k in codes}


def _exclusive(check: _Checker, value: Any) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for name, choices in check.mapping(value, "exclusive").items():
        question = check.question(name, f"exclusive.{name}")
        if question is None or not isinstance(choices, list):
            continue
        out[name] = tuple(str(c) for c in choices if check.choice(question, c, f"exclusive.{name}"))
    return out


def _quality(check: _Checker, data: dict[str, Any]) -> QualityTruth:
    check.keys(data, _QUALITY_KEYS, "quality")
    shares = {k: check.share(data.get(k, 0.0), f"quality.{k}") for k in _QUALITY_KEYS[:4]}
    if sum(shares.values()) > 1:
        check.add(
            "SYNTH-004",
            field="quality",
            value=sum(shares.values()),
            expected="shares that add up to 1 or less",
        )
    answers = _answers(check, data.get("inconsistent_answers"), "quality.inconsistent_answers")
    return QualityTruth(**shares, inconsistent_answers=answers)


def _durations(check: _Checker, data: dict[str, Any]) -> DurationTruth:
    check.keys(data, _DURATION_KEYS, "durations")
    defaults = DurationTruth()
    values = {
        k: check.number(data.get(k), f"durations.{k}", getattr(defaults, k)) for k in _DURATION_KEYS
    }
    return DurationTruth(**values)


def _start(check: _Checker, data: dict[str, Any]) -> date:
    raw = data.get("start", "2026-11-02")
    try:
        return raw if isinstance(raw, date) else date.fromisoformat(str(raw))
    except ValueError:
        check.add(
            "SYNTH-004", field="fielding.start", value=raw, expected="a date such as 2026-11-02"
        )
        return date(2026, 11, 2)
