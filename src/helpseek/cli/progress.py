"""Progress for long commands: rich's bar on a terminal, plain lines when stderr is not one.

rich draws nothing until the end when its console is not a terminal (a log file, a CI job, a
pipe), so a long `helpseek demo` looked hung for minutes there (issue 16). `progress_bars` gives
the same small interface either way: `add_task`, `advance`, `update`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

DEFAULT_COLUMNS: tuple[ProgressColumn, ...] = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


@dataclass
class _Task:
    description: str
    total: int | None
    completed: int = 0
    said_step: int = -1
    said_at: float = 0.0


class PlainProgress:
    """Progress as one line per task at every `step_percent` and at the end, and at least every
    `every_s` seconds while the task moves; same calls as rich's Progress (the ones we use).

    >>> import io
    >>> from rich.console import Console
    >>> sink = io.StringIO()
    >>> with PlainProgress(Console(file=sink), step_percent=50, clock=lambda: 0.0) as bar:
    ...     task = bar.add_task("pages", total=4)
    ...     for _ in range(4):
    ...         bar.advance(task)
    >>> print(sink.getvalue(), end="")
    pages: 0/4 (0%), 0 s
    pages: 2/4 (50%), 0 s
    pages: 4/4 (100%), 0 s
    """

    def __init__(
        self,
        console: Console,
        step_percent: int = 10,
        every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.step_percent = step_percent
        self.every_s = every_s
        self.clock = clock
        self.started = clock()
        self.tasks: list[_Task] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        self.tasks.append(_Task(description, None if total is None else int(total)))
        self._say(self.tasks[-1])
        return len(self.tasks) - 1

    def advance(self, task_id: int, advance: float = 1) -> None:
        task = self.tasks[task_id]
        task.completed += int(advance)
        self._say(task)

    def update(
        self, task_id: int, *, completed: float | None = None, total: float | None = None, **_: Any
    ) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task.total = int(total)
        if completed is not None:
            task.completed = int(completed)
        self._say(task)

    def _say(self, task: _Task) -> None:
        now = self.clock()
        step = self._step(task)
        if step == task.said_step and now - task.said_at < self.every_s:
            return
        task.said_step, task.said_at = step, now
        elapsed = f"{now - self.started:.0f} s"
        if task.total:
            share = f" ({100 * task.completed // task.total}%)"
            line = f"{task.description}: {task.completed}/{task.total}{share}, {elapsed}"
        else:
            line = f"{task.description}: {task.completed}, {elapsed}"
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def _step(self, task: _Task) -> int:
        if not task.total:
            return 0  # no total: a line every `every_s` seconds
        return min(100, 100 * task.completed // task.total) // self.step_percent


def progress_bars(
    console: Console, columns: tuple[ProgressColumn, ...] = DEFAULT_COLUMNS, transient: bool = False
) -> Progress | PlainProgress:
    """rich's Progress on a terminal, PlainProgress otherwise (use it as a context manager)."""
    if console.is_terminal:
        return Progress(*columns, console=console, transient=transient)
    return PlainProgress(console)
