"""Cost of helpseek's expression evaluation against plain libxml2 XPath in the same run.

    .venv/bin/python benchmarks/expressions_bench.py [--repeat 20000]

Each typical XLSForm expression runs through helpseek (compile once, then the cached lxml XPath
with our function library and ODK number conversions) and, as the baseline, the same logic
written in plain XPath 1.0 and run by lxml with no extension functions, on the same instance.
The ratio is the price of ODK semantics (dates as days, JavaRosa rounding, our own string
conversions); absolute times depend on the machine. Also times compute_state on the bundled
help_us_help_you questionnaire.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date

from lxml import etree

from helpseek.instrument import load_instrument
from helpseek.instrument.expressions import (
    Environment,
    build_instance,
    compile_expression,
    evaluate_compiled,
)
from helpseek.instrument.logic import compute_state

ANSWERS = {"age": 34, "uses": "yes", "kinds": ["a", "c"], "name": "tokenalpha", "n": 3}
# (helpseek expression, the same in plain XPath 1.0 for libxml2)
CASES = [
    ("${age} >= 18 and ${uses} = 'yes'", "/data/age >= 18 and /data/uses = 'yes'"),
    ("${age} * 2 + ${n} div 3", "/data/age * 2 + /data/n div 3"),
    ("string-length(${name}) > 3", "string-length(/data/name) > 3"),
    ("contains(concat(${name}, '-', ${uses}), 'alpha-y')",
     "contains(concat(/data/name, '-', /data/uses), 'alpha-y')"),
    ("selected(${kinds}, 'c')", "contains(concat(' ', /data/kinds, ' '), ' c ')"),
    ("today() < today() + 1", "20468 < 20468 + 1"),
]  # fmt: skip


def per_call(run: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            run()  # type: ignore[operator]
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20000)
    options = parser.parse_args()
    root = build_instance(list(ANSWERS), ANSWERS)
    env = Environment(today=date(2026, 1, 15))
    print(f"{'expression':52} {'helpseek µs':>12} {'lxml µs':>9} {'ratio':>6}")
    ratios = []
    for ours, plain in CASES:
        compiled = compile_expression(ours)
        baseline = etree.XPath(plain)
        assert bool(evaluate_compiled(compiled, root, env)) == bool(baseline(root)), ours
        mine = per_call(lambda c=compiled: evaluate_compiled(c, root, env), options.repeat)
        theirs = per_call(lambda b=baseline: b(root), options.repeat)
        ratios.append(mine / theirs)
        print(f"{ours[:52]:52} {mine * 1e6:12.2f} {theirs * 1e6:9.2f} {mine / theirs:6.1f}")
    print(f"median ratio {sorted(ratios)[len(ratios) // 2]:.1f}")
    instrument = load_instrument("help_us_help_you")
    rng = random.Random(1)
    answer_sets = [
        {
            q.name: rng.choice(q.choices).name
            for q in instrument.questions
            if q.type == "select_one" and q.choices
        }
        for _ in range(200)
    ]
    seconds = per_call(
        lambda: [
            compute_state(instrument, {**a, "_n": i}, today=date(2026, 1, 15))
            for i, a in enumerate(answer_sets)
        ],
        1,
    )
    print(f"compute_state (help_us_help_you): {seconds / len(answer_sets) * 1e3:.3f} ms per call")


if __name__ == "__main__":
    main()
