"""The respondent's own work in one survey POST (`Survey.submit` minus the store's write), this tree
against a baseline commit's tree, alternating in the same run (issue 16).

Synthetic respondents answer help_us_help_you through a real `Survey` (a real SQLite store in a
temporary folder, real sealing, real tokens), `--concurrency` of them taking turns page by page as
a server's clients do, so the per-process caches see the same interleaving. The figure is the CPU
(`time.thread_time`, the calling thread) of `Survey.submit` a POST without the store's write: a
tree whose `Survey` calls `Store.save` in the calling thread (before 0bcaabe) has that call's CPU
taken off; a newer tree hands the step to the store's group thread (`Store.submit`), whose CPU
the calling thread's clock never counts. Each side runs in its own process: the baseline with
`PYTHONPATH` on `git archive <--baseline>` of this repository.

    .venv/bin/python benchmarks/post_logic_bench.py [--baseline main] [--respondents 192]
        [--concurrency 64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORM = "help_us_help_you"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--respondents", type=int, default=192)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.respondents, args.concurrency)))
        return
    with tempfile.TemporaryDirectory() as folder:
        baseline = _export(args.baseline, Path(folder))
        trees = {f"baseline {args.baseline}": baseline, "this tree": ROOT / "src"}
        for _ in range(args.rounds):
            results = {name: _child(src, args) for name, src in trees.items()}
            base, new = (r["submit_us"] - r["save_us"] for r in results.values())
            posts = next(iter(results.values()))["posts"]
            print(
                f"{posts} POSTs: Survey.submit without the store's write {new:.0f} us "
                f"(baseline {base:.0f}): {new / base:.3f}x",
                flush=True,
            )


def _export(revision: str, folder: Path) -> Path:
    """`revision`'s src/ unpacked in `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    tar = folder / "baseline.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as opened:
        opened.extractall(folder / "baseline", filter="data")
    return folder / "baseline" / "src"


def _child(src: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", "--respondents", str(args.respondents)]
    command += ["--concurrency", str(args.concurrency)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def measure(respondents: int, concurrency: int) -> dict[str, float]:
    """CPU microseconds a POST in the calling thread: `Survey.submit`, and the part spent in
    `Store.save` (0 for a tree that hands its steps to the store's group thread)."""
    from helpseek.instrument import load_instrument
    from helpseek.settings import Settings
    from helpseek.store import generate_research_keypair, load_public_keys, open_store
    from helpseek.synth import draw_respondents, load_truth
    from helpseek.web.survey import Survey

    instrument = load_instrument(FORM)
    draw = draw_respondents(instrument, load_truth(None, instrument), respondents, 5)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        key = folder / "public.key"
        key.write_text(generate_research_keypair().public_key + "\n")
        url = f"sqlite:///{folder / 'responses.db'}"
        settings = Settings(url, (key,), (FORM,), secret_key_file=folder / "server.secret")
        store = open_store(url)
        recipients = load_public_keys(settings.public_key_paths, settings.recipients)
        survey = Survey(
            settings,
            store,
            recipients,
            os.urandom(32),
            {FORM: instrument},
            time.time,
            random.Random(1),
        )
        saving = [0.0]
        save = store.save

        def timed_save(*a: Any, **k: Any) -> Any:
            started = time.thread_time()
            try:
                return save(*a, **k)
            finally:
                saving[0] += time.thread_time() - started

        store.save = timed_save  # type: ignore[method-assign]
        spent, posts = 0.0, 0
        for fields in _posts(survey, draw, concurrency):
            started = time.thread_time()
            step = survey.submit(fields)
            spent += time.thread_time() - started
            posts += 1
            fields.clear()
            fields["step"] = step  # type: ignore[assignment]
        store.close()
    return {"posts": posts, "submit_us": spent / posts * 1e6, "save_us": saving[0] / posts * 1e6}


def _posts(survey: Any, draw: Any, concurrency: int) -> Iterator[dict[str, Any]]:
    """The form fields of every POST the respondents send, `concurrency` respondents taking turns;
    after each, the caller puts the reply's Step in the dict under "step". A refused page is sent
    again repaired (synth's repair), as the HTTP driver does."""
    from helpseek.synth.answering import answer_page, repair, shown_questions
    from helpseek.web.steps import ShowPage

    instrument = survey.instruments[FORM]
    waiting = list(draw.respondents)
    active: list[tuple[Any, Any]] = []
    while waiting or active:
        while waiting and len(active) < concurrency:
            active.append((waiting.pop(0), survey.start(FORM, "en")))
        turn = []
        for respondent, step in active:
            if not isinstance(step, ShowPage):
                continue
            shown = shown_questions(step.view)
            values: dict[str, list[str]] | None = answer_page(respondent, instrument, shown)
            while values is not None:
                fields: dict[str, Any] = {"token": [step.token], "action": ["next"]}
                for question in shown:
                    fields[question.name] = values.get(
                        question.name, [] if question.choices else [""]
                    )
                yield fields
                reply = fields["step"]
                if not (isinstance(reply, ShowPage) and reply.status == 422):
                    break
                errors = [q.name for q in reply.view.questions if q.error_kind]
                values = repair(values, errors, shown, instrument)
                if values is None:
                    raise SystemExit(f"page refused {errors} and cannot be repaired")
                step = reply
            turn.append((respondent, reply))
        active = turn


if __name__ == "__main__":
    main()
