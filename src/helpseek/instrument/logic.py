"""The form's logic on the server: relevance, calculations, choice filters, answer parsing, page checks.

Pure functions of (instrument, answers); time comes in as `today=`. Runtime expression failures
never trap a respondent: a failing relevance hides, a failing required/constraint lets the answer pass.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from .expressions import (
    Environment,
    ExpressionError,
    Value,
    answer_text,
    build_instance,
    choice_context,
    compile_expression,
    evaluate_compiled,
    instance_and_texts,
    references,
    remove_choice_context,
    to_boolean,
    to_string,
)
from .model import Answer, Answers, Choice, Instrument, Page, Question, Translations

# A text answer longer than this is refused ("too_long"): enough for a paragraph of free text,
# small enough that one sealed record stays small (DESIGN.md: padding buckets).
MAX_TEXT_CHARS = 5000
# ODK integers are 32-bit; larger numbers are typing mistakes, not ages or counts.
MAX_INTEGER = 2**31 - 1
_INTEGER = re.compile(r"^[+-]?\d{1,12}$")
_DECIMAL = re.compile(r"^[+-]?(\d{1,15}(\.\d{0,15})?|\.\d{1,15})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AnswerError(ValueError):
    """An answer was refused: `kind` is required/constraint/integer/decimal/choice/too_long.

    `message` is the form's own required_message/constraint_message (empty when it has none; the
    web shell then shows its translated default for `kind`).
    """

    def __init__(self, question: str, kind: str, message: Translations | None = None):
        self.question = question
        self.kind = kind
        self.message = message or Translations()
        super().__init__(f"{question}: {kind}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnswerError) and (self.question, self.kind, self.message) == (
            other.question,
            other.kind,
            other.message,
        )

    def __hash__(self) -> int:
        return hash((self.question, self.kind))


@dataclass(frozen=True)
class FormState:
    """What the answers so far imply: which questions are shown, and what a dataset row holds.

    `relevant` has every question name; `values` has answers of relevant questions plus
    calculated values (never irrelevant answers, never empty strings).
    """

    relevant: Mapping[str, bool] = field(default_factory=dict)
    values: Mapping[str, Answer] = field(default_factory=dict)

    def is_relevant(self, name: str) -> bool:
        return self.relevant.get(name, False)


def evaluation_order(instrument: Instrument) -> list[Question]:
    """Questions ordered so that every relevance and calculation is evaluated after what it reads.

    Form order wherever possible (Kahn's algorithm with form order as tie-break); members of a
    cycle, which `check` reports, come last in form order.
    """
    position = {q.name: i for i, q in enumerate(instrument.questions)}
    needs = {
        q.name: {r for r in _reads(q) if r in position and r != q.name}
        for q in instrument.questions
    }
    done: set[str] = set()
    order: list[Question] = []
    progress = True
    while progress:
        progress = False
        for question in instrument.questions:
            if question.name not in done and needs[question.name] <= done:
                done.add(question.name)
                order.append(question)
                progress = True
                break
    order.extend(q for q in instrument.questions if q.name not in done)
    return order


def _reads(question: Question) -> set[str]:
    texts = [*question.group_relevant, question.relevant or "", question.calculation or ""]
    return {name for text in texts if text for name in references(text)}


def compute_state(
    instrument: Instrument,
    answers: Answers,
    *,
    today: date | None = None,
    language: str | None = None,
) -> FormState:
    """Relevance of every question and the values a dataset row holds, from the answers so far.

    An irrelevant question's answer is dropped and evaluates as empty in later expressions.
    The result is immutable, and a page submission asks for states that were computed before:
    the state without the page is the one the previous submission ended with (usually in another
    worker thread), and the state with it is asked again by check_page and the next page's view.
    So the process's last `RECENT_STATES` results are reused, whichever thread made them, for
    `RECENT_SECONDS` after their last use (`StateMemo`; `purge_recent_states` drops older ones).
    """
    return _state_and_instance(instrument, answers, today, language)[0]


def _state_and_instance(
    instrument: Instrument,
    answers: Answers,
    today: date | None,
    language: str | None,
) -> tuple[FormState, Any]:
    """compute_state's state, and the instance its computation ended with (holding its values)
    when it was computed here; None when it was known (an instance is mutable and thread-bound,
    so none is kept: `_state_instance` builds one)."""
    key = (id(instrument), _answers_key(answers), today, language)
    seen = _RECENT.get(key, instrument)
    if seen is not None:
        return seen, None
    state, root = _compute_state(instrument, answers, today, language)
    _RECENT.put(key, instrument, state)
    return state, root


def _compute_state(
    instrument: Instrument, answers: Answers, today: date | None, language: str | None
) -> tuple[FormState, Any]:
    """The state, and the instance it was computed in: every node then holds the state's value
    (empty for an irrelevant question), as `_state_instance` builds it."""
    env = _environment(instrument, today, language)
    prepared = _prepared(instrument)
    root, texts = instance_and_texts(prepared.names, answers)
    position = prepared.position  # build_instance keeps the names' order
    relevant: dict[str, bool] = {}
    values: dict[str, Answer] = {}
    # A group's relevance is every member's condition: a context-free condition (one that reads
    # nothing but the answers it names) is evaluated once per combination of those answers'
    # texts, not once per member. Keyed by the texts, not only by the condition: an answer's text
    # changes in the walk below once its own question was evaluated (#16). `texts` holds what
    # each node's text was set to (a name that is no question: None, as its place in the key).
    # A node's proxy is made only when it is read or written (lxml makes one per access).
    known: dict[tuple[str, Hashable], bool] = {}
    for question in prepared.order:
        name = question.name
        shown = True
        for text, reads in prepared.conditions[name]:
            if reads is None:
                shown = _holds(text, root[position[name]], env, default=False)
            else:
                key = (text, reads(texts))
                held = known.get(key)
                if held is None:
                    held = known[key] = _holds(text, root[position[name]], env, default=False)
                shown = held
            if not shown:
                break
        relevant[name] = shown
        value: Answer | None = None
        if shown and question.type == "calculate" and question.calculation:
            value = _calculate(question.calculation, root[position[name]], env)
        elif shown and name in answers:
            value = answers[name]
        if value is not answers.get(name):  # else the node holds it already
            root[position[name]].text = texts[name] = answer_text(value)
        if value is not None and value != "" and value != []:
            values[name] = value
    return FormState(MappingProxyType(relevant), MappingProxyType(values)), root


def _answers_key(answers: Answers) -> Hashable:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.items()))


#: States kept for reuse, across threads. They hold answers in plaintext, in memory only, as
#: the previous per-thread caches did (8 in each of anyio's 40 worker threads, up to 320): one
#: response in progress needs 2, so 256 serve more respondents at once than a worker has threads.
RECENT_STATES = 256
#: Seconds after its last use a kept state is no longer served, and may be dropped
#: (`purge_recent_states`; the web app runs it every few seconds even with no request coming):
#: a live compromise must not find the answers of respondents who left before it began
#: (docs/threat-model.md). A page's own steps ask for a state again within milliseconds; the
#: respondent's next page, which starts from the state this one ended with, comes after they read
#: and answer it: within a minute for a short page, and a miss costs only one computation
#: (42-60 us for help_us_help_you's states, 2026-12-03; a POST costs the server ~2 ms).
RECENT_SECONDS = 60.0
#: Entries `purge` drops per hold of the lock, so that requests wait for no more than this.
_PURGE_BATCH = 32


class StateMemo:
    """Form states by (instrument, answers, today, language), across threads: at most `size`,
    the least recently used dropped past it, none served `seconds` after its last use.

    They hold answers in plaintext (memory only): `purge` drops the old ones without a request
    coming. `clock` (monotonic seconds) is replaceable in tests.
    """

    def __init__(
        self,
        size: int = RECENT_STATES,
        seconds: float = RECENT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.seconds = seconds
        self.clock = clock
        # key -> (instrument, state, last use); ordered from the least recently used
        self._entries: OrderedDict[Hashable, tuple[Instrument, FormState, float]] = OrderedDict()
        self._lock = threading.Lock()
        #: States served from here and computed (counts only, for the log and benchmarks).
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, instrument: Instrument) -> FormState | None:
        """The state kept under `key` for `instrument`, unless it was last used too long ago."""
        with self._lock:
            now = self.clock()
            seen = self._entries.get(key)
            if seen is None or seen[0] is not instrument or now - seen[2] > self.seconds:
                if seen is not None:
                    del self._entries[key]
                self.misses += 1
                return None
            self._entries[key] = (instrument, seen[1], now)
            self._entries.move_to_end(key)
            self.hits += 1
            return seen[1]

    def put(self, key: Hashable, instrument: Instrument, state: FormState) -> None:
        with self._lock:
            self._entries[key] = (instrument, state, self.clock())
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def purge(self, seconds: float | None = None) -> int:
        """Drop every state last used more than `seconds` (at most the memo's own bound) ago;
        how many were dropped. The oldest come first, so it stops at the first recent one, and it
        lets go of the lock every `_PURGE_BATCH` entries."""
        bound = self.seconds if seconds is None else min(seconds, self.seconds)
        dropped = 0
        while True:
            with self._lock:
                cutoff = self.clock() - bound
                for _ in range(_PURGE_BATCH):
                    if not self._entries:
                        return dropped
                    if next(iter(self._entries.values()))[2] >= cutoff:
                        return dropped
                    self._entries.popitem(last=False)
                    dropped += 1

    def summary(self) -> str:
        """One line for the log at shutdown: counts only.

        >>> StateMemo().summary()
        'form states: 0 reused, 0 computed'
        """
        return f"form states: {self.hits} reused, {self.misses} computed"


_RECENT = StateMemo()


def purge_recent_states(seconds: float = RECENT_SECONDS) -> int:
    """Drop the kept form states last used more than `seconds` ago (never more than
    `RECENT_SECONDS`); how many were dropped. The web app calls it every few seconds."""
    return _RECENT.purge(seconds)


def recent_states() -> StateMemo:
    """The process's memo of form states (for its counts, and for tests)."""
    return _RECENT


@dataclass
class _Prepared:
    """What compute_state needs of an instrument that never changes: the question names and
    their positions in the instance, the evaluation order, each question's conditions (with, for
    a context-free one, what reads the texts of the names it reads from compute_state's `texts`;
    None for one that reads more) and the choice labels per language (for jr:choice-name)."""

    instrument: Instrument
    names: tuple[str, ...]
    position: dict[str, int]
    order: list[Question]
    conditions: dict[str, tuple[tuple[str, Callable[[dict[str, str]], Hashable] | None], ...]]
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)


_PREPARED: dict[int, _Prepared] = {}
_MAX_PREPARED = 64


def _prepared(instrument: Instrument) -> _Prepared:
    entry = _PREPARED.get(id(instrument))
    if entry is None or entry.instrument is not instrument:
        if len(_PREPARED) >= _MAX_PREPARED:
            _PREPARED.pop(next(iter(_PREPARED)), None)
        names = tuple(dict.fromkeys(q.name for q in instrument.questions))
        conditions = {
            q.name: tuple(_condition(t, names) for t in _conditions(q))
            for q in instrument.questions
        }
        position = {name: i for i, name in enumerate(names)}
        entry = _PREPARED[id(instrument)] = _Prepared(
            instrument, names, position, evaluation_order(instrument), conditions
        )
    return entry


def _condition(
    text: str, names: tuple[str, ...]
) -> tuple[str, Callable[[dict[str, str]], Hashable] | None]:
    """A condition and, when the names it reads are all it reads, what gives their texts from
    compute_state's `texts` (a name that is no question's reads as None); None otherwise."""
    try:
        compiled = compile_expression(text)
    except ExpressionError:
        return text, None  # _holds gives the default each time
    if not compiled.is_context_free:
        return text, None
    reads = compiled.references
    if reads and all(name in names for name in reads):
        return text, itemgetter(*reads)
    return text, lambda texts: tuple(texts.get(name) for name in reads)


def _conditions(question: Question) -> Iterable[str]:
    yield from question.group_relevant
    if question.relevant:
        yield question.relevant


def _environment(instrument: Instrument, today: date | None, language: str | None) -> Environment:
    lang = language or instrument.default_language
    cached = _prepared(instrument).labels
    labels = cached.get(lang)
    if labels is None:
        labels = cached[lang] = {
            q.name: {c.name: c.label.get(lang, instrument.default_language) for c in q.choices}
            for q in instrument.questions
            if q.choices
        }
    return Environment(today=today, choice_labels=labels)


def _run(text: str, node: Any, env: Environment) -> Value:
    return evaluate_compiled(compile_expression(text), node, env)


def _holds(text: str, node: Any, env: Environment, *, default: bool) -> bool:
    try:
        return to_boolean(_run(text, node, env))
    except ExpressionError:
        return default


def _calculate(text: str, node: Any, env: Environment) -> str | None:
    try:
        result = _run(text, node, env)
    except ExpressionError:
        return None
    if isinstance(result, float) and math.isnan(result):
        return None
    return to_string(result) or None


def _state_instance(instrument: Instrument, state: FormState) -> Any:
    return build_instance(_prepared(instrument).names, state.values)


def visible_choices(
    instrument: Instrument,
    question: Question,
    answers: Answers,
    *,
    state: FormState | None = None,
    today: date | None = None,
) -> tuple[Choice, ...]:
    """The question's choices after its choice_filter (ODK style).

    The filter is evaluated once per choice with that choice as `.`: `name`, `label` and the
    choices sheet's other columns are available by column name, other answers as `${x}`.
    The "other" option of `or_other` is always shown.
    """
    if not question.choice_filter:
        return question.choices
    state = state or compute_state(instrument, answers, today=today)
    env = _environment(instrument, today, None)
    root = _state_instance(instrument, state)
    shown = []
    for choice in question.choices:
        if question.has_other and choice.name == "other":
            shown.append(choice)
            continue
        label = choice.label.get(instrument.default_language)
        item = choice_context(root, choice.name, label, choice.extra)
        if _holds(question.choice_filter, item, env, default=False):
            shown.append(choice)
        remove_choice_context(item)
    return tuple(shown)


def parse_answer(question: Question, raw: str | Sequence[str] | None) -> Answer | None:
    """The typed answer from form text; None when nothing was answered.

    >>> from helpseek.instrument.model import Question
    >>> parse_answer(Question("age", "integer"), " 42 ")
    42
    >>> parse_answer(Question("age", "integer"), "")

    Raises AnswerError for text that is not a valid answer of the question's type.
    """
    if question.type == "select_multiple":
        return _parse_multiple(question, raw)
    if raw is not None and not isinstance(raw, str):
        values = [r for r in raw if isinstance(r, str) and r.strip()]
        raw = values[-1] if values else ""
    text = _CONTROL.sub("", (raw or "").replace("\r\n", "\n")).strip()
    if not text or not question.is_answered:
        return None
    if question.type == "integer":
        if not _INTEGER.match(text) or abs(int(text)) > MAX_INTEGER:
            raise AnswerError(question.name, "integer")
        return int(text)
    if question.type == "decimal":
        number = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
        if not _DECIMAL.match(number):
            raise AnswerError(question.name, "decimal")
        return float(number)
    if question.type == "select_one":
        if question.choice(text) is None:
            raise AnswerError(question.name, "choice")
        return text
    if question.type == "acknowledge":
        return "OK"
    if len(text) > MAX_TEXT_CHARS:
        raise AnswerError(question.name, "too_long")
    return text


def _parse_multiple(question: Question, raw: str | Sequence[str] | None) -> list[str] | None:
    if raw is None:
        return None
    items = raw.split() if isinstance(raw, str) else [str(r).strip() for r in raw]
    chosen = {item for item in items if item}
    unknown = [item for item in chosen if question.choice(item) is None]
    if unknown:
        raise AnswerError(question.name, "choice")
    ordered = [c.name for c in question.choices if c.name in chosen]
    return ordered or None


def is_required(question: Question, node: Any, env: Environment) -> bool:
    """`required` is "yes" or an expression; a failing expression counts as not required."""
    if not question.required:
        return False
    if question.required == "yes":
        return True
    return _holds(question.required, node, env, default=False)


def check_page(
    instrument: Instrument,
    page: Page,
    answers: Answers,
    *,
    today: date | None = None,
) -> dict[str, AnswerError]:
    """Required, choice and constraint errors of the shown questions of one page, by name.

    `answers` are all answers so far including this page's (typed, as from parse_answer).
    """
    return check_page_state(instrument, page, answers, today=today)[0]


def check_page_state(
    instrument: Instrument,
    page: Page,
    answers: Answers,
    *,
    today: date | None = None,
) -> tuple[dict[str, AnswerError], FormState]:
    """check_page's errors, and the state of `answers` it checked them in (compute_state's), for
    a caller that needs both: a page submission (issue 16)."""
    state, root = _state_and_instance(instrument, answers, today, None)
    env = _environment(instrument, today, None)
    errors: dict[str, AnswerError] = {}
    for question in page.questions:
        if not question.is_answered or not state.is_relevant(question.name):
            continue
        node = None  # read by the question's own expressions only: made when it has some
        if question.constraint or (question.required and question.required != "yes"):
            if root is None:
                root = _state_instance(instrument, state)
            node = root.find(question.name)
        error = _question_error(instrument, question, state, node, env, today)
        if error is not None:
            errors[question.name] = error
    return errors, state


def _question_error(
    instrument: Instrument,
    question: Question,
    state: FormState,
    node: Any,
    env: Environment,
    today: date | None,
) -> AnswerError | None:
    value = state.values.get(question.name)
    if value is None:
        if is_required(question, node, env):
            return AnswerError(question.name, "required", question.required_message)
        return None
    if question.choices and question.choice_filter:
        shown = {
            c.name for c in visible_choices(instrument, question, {}, state=state, today=today)
        }
        chosen = value if isinstance(value, list) else [str(value)]
        if any(name not in shown for name in chosen):
            return AnswerError(question.name, "choice")
    if question.constraint and not _holds(question.constraint, node, env, default=True):
        return AnswerError(question.name, "constraint", question.constraint_message)
    return None
