"""Real lynx and real w3m walking a questionnaire on a live server (issue 12, item 1).

A walk is planned with the real `collect` state machine: on every page the respondent presses only
the submit button; where the server must refuse that (a required question answered "No answer"),
the plan expects the 422 page with its "please choose" message, then selects the given choice of
each required question and presses the button again. lynx runs the plan as a `-cmd_script` (no
terminal needed) and saves every page it is shown; w3m has no script mode, so it runs under a
private tmux server and the driver reads its screen before each key.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import pytest

from helpseek.collect import Accepted, PageView, QuestionView, Session
from helpseek.instrument import Instrument
from helpseek.web.i18n import Catalogue

#: lynx shows a button with its value before its text: "(next) Next". The value is the same in
#: every language and appears nowhere else on a page.
LYNX_SUBMIT = "(next)"
_ANCHOR_CHARS = 40  # a search must fit on one line of the text browser's screen


@dataclass(frozen=True)
class Choose:
    """Select choice number `index` (display order) of the question whose label starts `anchor`."""

    anchor: str
    index: int


@dataclass(frozen=True)
class Press:
    """Press the page's submit button (text `button`); the next page shown holds `expect`."""

    button: str
    expect: str


@dataclass
class Plan:
    """The keys of one walk, what the first page shows, and what the export must hold after it."""

    consent: str
    first: str
    actions: list[Choose | Press] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)
    shown: set[str] = field(default_factory=set)  # answerable questions the walk was shown

    @property
    def presses(self) -> list[Press]:
        return [a for a in self.actions if isinstance(a, Press)]


def plan_walk(
    instrument: Instrument, language: str, ui: Catalogue, required: Mapping[str, str]
) -> Plan:
    """Press only the submit button on every page; choose `required[name]` where it is refused."""
    session = Session.start(instrument, language, random.Random(0))
    default = instrument.default_language
    first = _marker(session.current_page(), language, default)
    plan = Plan(_prefix(ui.text(language, "consent_button")), first)
    used: set[str] = set()
    while not session.is_finished:
        view = session.current_page()
        plan.shown |= set(view.shown)
        button = ui.text(language, "finish" if _is_last(view) else "next")
        # What a browser sends when nothing is touched: "" for each "No answer" radio and text.
        untouched = {
            q.name: [""]
            for q in view.questions
            if q.question.is_answered and q.question.type not in ("select_multiple", "acknowledge")
        }
        outcome = session.submit(untouched)
        if not isinstance(outcome, Accepted):
            refused = [q for q in outcome.view.questions if q.error_kind]
            plan.actions.append(Press(button, _error_marker(refused[0], language, ui)))
            chosen = {q.name: [required[q.name]] for q in refused}
            for question in refused:
                names = [c.name for c in question.choices]
                label = question.question.label.get(language, default)
                plan.actions.append(Choose(_prefix(label), names.index(required[question.name])))
                plan.answers[question.name] = required[question.name]
                used.add(question.name)
            outcome = session.submit({**untouched, **chosen})
            assert isinstance(outcome, Accepted), f"page {view.page.id} refused {chosen}"
        session = outcome.session
        after = ui.text(language, "end_heading") if session.is_finished else None
        plan.actions.append(
            Press(button, after or _marker(session.current_page(), language, default))
        )
    if used != set(required):
        raise AssertionError(f"never asked: {sorted(set(required) - used)}")
    return plan


def _is_last(view: PageView) -> bool:
    return view.progress.done + 1 >= view.progress.total  # as web.pages.QuestionPage.is_last


def _marker(view: PageView, language: str, default: str) -> str:
    """Text that shows this page is on screen: its first question's label (or its group's)."""
    first = view.questions[0].question.label if view.questions else view.page.label
    return _prefix(first.get(language, default))


def _error_marker(question: QuestionView, language: str, ui: Catalogue) -> str:
    return _prefix(question.error_message or ui.text(language, "err_required_choice"))


def _prefix(text: str) -> str:
    """The first words of `text` (ASCII up to the first other character), at most one line long."""
    ascii_part = re.split(r"[^\x20-\x7e]", text, maxsplit=1)[0]
    words, prefix = ascii_part.split(), ""
    for word in words:
        candidate = f"{prefix} {word}".strip()
        if len(candidate) > _ANCHOR_CHARS:
            break
        prefix = candidate
    if not prefix:
        raise AssertionError(f"no searchable words at the start of {text!r}")
    return prefix


def flat(text: str) -> str:
    """Text with every run of white space as one space (browsers wrap lines where they like)."""
    return " ".join(text.split())


# --- lynx --------------------------------------------------------------------------------------


def _keys(text: str) -> list[str]:
    return ["key <space>" if char == " " else f"key {char}" for char in text]


def _find(text: str) -> list[str]:
    """Search forward; lynx then makes the first link or field after the match current."""
    return ["key /", *_keys(text), "key ^J"]


def _save(path: Path) -> list[str]:
    """Print the page to a local text file (lynx's `p`, "Save to a local file")."""
    return ["key p", "key ^J", "key ^U", *_keys(str(path)), "key ^J"]


def run_lynx(url: str, script: Path) -> None:
    """Run real lynx on `url` with the keystrokes of a -cmd_script file (no terminal needed)."""
    subprocess.run(
        ["lynx", "-accept_all_cookies", "-nocolor", f"-cmd_script={script}", url],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=120,
        env={**os.environ, "TERM": "vt100", "LANG": "C.UTF-8"},
    )


def walk_lynx(url: str, plan: Plan, folder: Path) -> list[str]:
    """Run the plan in lynx; returns the text of the page shown after consent and after each press."""
    lines = [*_find(plan.consent), "key ^J", *_save(folder / "page-00.txt")]
    presses = 0
    for action in plan.actions:
        if isinstance(action, Choose):
            lines += [*_find(action.anchor), *["key Down Arrow"] * action.index, "key ^J"]
        else:
            presses += 1
            lines += [*_find(LYNX_SUBMIT), "key ^J", *_save(folder / f"page-{presses:02d}.txt")]
    lines.append("exit")
    script = folder / "walk.lynx"
    script.write_text("\n".join(lines) + "\n")
    run_lynx(url, script)
    pages = sorted(folder.glob("page-*.txt"))
    return [page.read_text(encoding="utf-8", errors="replace") for page in pages]


# --- w3m under tmux ----------------------------------------------------------------------------


class W3m:
    """One w3m on a private tmux server; `screen()` is what a person would read."""

    def __init__(self, url: str, name: str) -> None:
        self.tmux = ["tmux", "-L", name]
        command = f"w3m -o confirm_qq=false '{url}'"
        env = {**os.environ, "LANG": "C.UTF-8", "TERM": "xterm"}
        subprocess.run(
            [*self.tmux, "-u", "new-session", "-d", "-s", "w", "-x", "120", "-y", "300", command],
            check=True,
            env=env,
        )

    def keys(self, *keys: str, literal: bool = False) -> None:
        flag = ["-l"] if literal else []
        subprocess.run([*self.tmux, "send-keys", "-t", "w", *flag, *keys], check=True)
        time.sleep(0.15)

    def screen(self) -> str:
        shown = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-J", "-t", "w"],
            check=True,
            capture_output=True,
            text=True,
        )
        return shown.stdout

    def find(self, text: str) -> None:
        """Move the cursor to the next match of `text` (w3m searches by regular expression)."""
        self.keys("/")
        self.keys(text, literal=True)
        self.keys("Enter")

    def press(self, text: str) -> None:
        """Once `text` is on screen, follow the link or press the button it names."""
        self.wait_for(text.lstrip("^"))
        self.find(text)
        self.keys("Enter")

    def choose(self, label: str, index: int = 0) -> None:
        """Check choice number `index` of the question after `label` (the cursor is on the label;
        Tab: its first choice)."""
        self.find(label)
        self.keys(*["Tab"] * (index + 1))
        self.keys("Enter")

    def type_into(self, label: str, text: str, *, submit: bool = False) -> None:
        """Type `text` into the field after `label` (Enter opens w3m's line prompt, Enter again
        closes it); `submit`: then press the button right after the field."""
        self.find(label)
        self.keys("Tab", "Enter")
        self.keys(text, literal=True)
        self.keys("Enter")
        if submit:
            self.keys("Tab", "Enter")

    def wait_for(self, text: str, timeout_s: float = 30) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in flat(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"w3m never showed {text!r}; the screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def walk_w3m(url: str, plan: Plan, name: str) -> list[str]:
    """Run the plan in w3m; returns each screen that showed the expected page."""
    with W3m(url, name) as browser:
        browser.press(plan.consent)
        screens = [browser.wait_for(plan.first)]
        for action in plan.actions:
            if isinstance(action, Choose):
                browser.choose(action.anchor, action.index)
            else:
                browser.press(action.button)
                screens.append(browser.wait_for(action.expect))
        return screens


def have(program: str) -> bool:
    return shutil.which(program) is not None


def require(*programs: str) -> None:
    """Fail, not skip: CI installs them (.ci/run), and a skipped walk would prove nothing."""
    missing = [p for p in programs if not have(p)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed (apt-get install {' '.join(missing)})")
