"""Queries per second of the term filter at 10,000 placeholder terms: the Aho-Corasick automaton
against the naive loop a search engine would otherwise write, measured in the same run.

Both sides get the same normalised input, so the ratio measures matching alone; the
normalisation cost (shared by both) is reported separately.
Run: .venv/bin/python benchmarks/invite_bench.py [--terms 10000] [--queries 5000]
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Callable

from helpseek.invite import Term, TermList, joined, normalise


def placeholder_terms(n: int, rng: random.Random) -> list[str]:
    """Neutral placeholder tokens: one word ("tokenqxv...") or a two/three-word phrase."""

    def word() -> str:
        return "token" + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 8)))

    return [" ".join(word() for _ in range(rng.choice((1, 1, 1, 2, 3)))) for _ in range(n)]


def queries(terms: list[str], n: int, rng: random.Random) -> list[str]:
    """Realistic-length queries (3-8 words); 5% contain a listed term."""
    filler = ["weather", "recipe", "forum", "market", "library", "news", "music", "guide"]
    out = []
    for _ in range(n):
        words = rng.choices(filler, k=rng.randint(3, 8))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words) + 1), rng.choice(terms))
        out.append(" ".join(words))
    return out


def naive_matcher(terms: list[str]) -> Callable[[str], bool]:
    """What a search engine writes by hand: for every term, look for its tokens in the query's
    token list (phrases as consecutive tokens)."""
    normal = [normalise(t).split() for t in terms]

    def match(query: str) -> bool:
        for form in (normalise(query), joined(query)):
            tokens = form.split()
            for term in normal:
                width = len(term)
                for i in range(len(tokens) - width + 1):
                    if tokens[i : i + width] == term:
                        return True
        return False

    return match


def rate(match: Callable[[str], object], items: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    hits = sum(1 for q in items if match(q))
    return len(items) / (time.perf_counter() - start), hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(20261129)
    terms = placeholder_terms(args.terms, rng)
    items = queries(terms, args.queries, rng)
    automaton = TermList([Term(t, i, normalise(t)) for i, t in enumerate(terms, start=1)])
    naive = naive_matcher(terms)
    naive_items = items[: max(200, args.queries // 20)]  # the naive loop is slow; fewer queries
    ac_qps, ac_hits = rate(automaton.match, items)
    naive_qps, naive_hits = rate(naive, naive_items)
    norm_qps, _ = rate(lambda q: (normalise(q), joined(q)), items)
    agree = sum(1 for q in naive_items if automaton.match(q)) == naive_hits
    print(f"terms: {len(terms):,}  queries: {len(items):,} (naive: {len(naive_items):,})")
    print(f"Aho-Corasick (incl. normalising): {ac_qps:12,.0f} queries/s  ({ac_hits} matched)")
    print(f"naive per-token loop (same):      {naive_qps:12,.0f} queries/s  ({naive_hits} matched)")
    print(f"normalising alone:                {norm_qps:12,.0f} queries/s")
    print(f"ratio Aho-Corasick / naive: {ac_qps / naive_qps:,.0f}x   results agree: {agree}")


if __name__ == "__main__":
    main()
