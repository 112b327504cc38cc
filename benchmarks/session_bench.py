"""A POST page's logic alone: synthetic respondents' pages through `Session.submit` and the next
page's `Session.current_page`, the session state through JSON and `Session.from_data` between
pages as the server keeps it (issue 16).

`--respondents` help_us_help_you respondents, 64 taking turns page by page (so the per-process
caches see the interleaving of a server's clients); a refused page is sent again repaired, as the
HTTP driver does. Prints the CPU (`time.thread_time`) a POST, the lowest of `--passes` passes,
and a digest of every outcome (submission, next page's view, stored state): two trees that give
the same digest gave the same results. For A/B, run it alternately with each tree's `src` on
`PYTHONPATH`:

    PYTHONPATH=/work/main/src .venv/bin/python benchmarks/session_bench.py [--respondents 192]
        [--passes 4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from datetime import date

from helpseek.collect.session import Accepted, Session
from helpseek.instrument import load_instrument
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.answering import answer_page, repair, shown_questions

FORM = "help_us_help_you"
CONCURRENCY = 64
TODAY = date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=192)
    parser.add_argument("--passes", type=int, default=4)
    args = parser.parse_args()
    instrument = load_instrument(FORM)
    draw = draw_respondents(instrument, load_truth(None, instrument), args.respondents, 5)
    digest = hashlib.sha256()
    passes = [one_pass(instrument, draw, random.Random(1), digest) for _ in range(args.passes)]
    us, posts = min(passes)
    print(json.dumps({"cpu_us_a_post": round(us, 1), "posts": posts, "digest": digest.hexdigest()}))


def one_pass(instrument, draw, rng, digest) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    waiting = list(draw.respondents)
    active: list[tuple[object, str, object]] = []
    spent, posts = 0.0, 0
    while waiting or active:
        while waiting and len(active) < CONCURRENCY:
            session = Session.start(instrument, "en", rng, today=TODAY)
            active.append((waiting.pop(0), json.dumps(session.to_data()), None))
        turn = []
        for respondent, data, view in active:
            started = time.thread_time()
            session = Session.from_data(json.loads(data), instrument)
            if view is None:
                view = session.current_page(today=TODAY)
            spent += time.thread_time() - started
            shown = shown_questions(view)
            values = answer_page(respondent, instrument, shown)
            while True:
                raw = {q.name: values.get(q.name, [] if q.choices else [""]) for q in shown}
                started = time.thread_time()
                outcome = session.submit(raw, today=TODAY)
                if isinstance(outcome, Accepted):
                    moved = outcome.session
                    view = None if moved.is_finished else moved.current_page(today=TODAY)
                    data = json.dumps(moved.to_data())
                else:
                    view = outcome.view
                spent += time.thread_time() - started
                posts += 1
                digest.update(repr(view).encode())
                if isinstance(outcome, Accepted):
                    digest.update(repr(outcome.submission).encode() + data.encode())
                    break
                errors = [q.name for q in view.questions if q.error_kind]
                values = repair(values, errors, shown, instrument)
                if values is None:
                    raise SystemExit(f"page refused {errors} and cannot be repaired")
            if not moved.is_finished:
                turn.append((respondent, data, view))
        active = turn
    return spent / posts * 1e6, posts


if __name__ == "__main__":
    main()
