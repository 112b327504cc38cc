"""Fisher's exact test for a k x 2 table, exact and deterministic as R's `fisher.test` (issue 16).

scipy 1.17's `fisher_exact` draws a Monte Carlo p for tables larger than 2 x 2, so the same table
gave 0.2612, 0.2577, 0.2634 on three calls where R's exact p is 0.2607. Here the p is the sum of the
probabilities of every table with the observed margins that is no more probable than the observed
one (R's FEXACT rule, with its relative tolerance 3.45254e-7), computed by a network algorithm:

- rows are taken one at a time (largest total first); a node is (row, events still to place) and
  carries the log-probability of the path that reached it;
- at a node, the most probable completion is known exactly (the mode of a multivariate
  hypergeometric, found greedily because log C(R, x) is concave); the children whose best
  completion is no more probable than the observed table are all counted at once, by the
  hypergeometric tail that holds them (Vandermonde: they form two tails of the node's row);
- the last two rows are closed: the tables that count are the two tails of one hypergeometric.

Every helpseek table is levels x 2 groups, so k x 2 is the case solved exactly (2 x 2 by scipy's
exact conditional test, the same as R's). A table with more than 2 rows and more than 2 columns,
or one whose network exceeds `MAX_NODES` (a table of a million rows with a rare level can), gets a
Monte Carlo p from `MONTE_CARLO_RESAMPLES` tables drawn with the fixed seed `MONTE_CARLO_SEED`: the
same p on every run, and the result says it is not exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

#: R's FEXACT tolerance: a table counts when its probability is at most the observed one's x (1 + TOL).
TOL = 3.45254e-7
#: Nodes the exact network may visit before the Monte Carlo fallback (a 5 x 2 table of 4,493
#: respondents needs a few hundred; the limit keeps a pathological table to about 2 s).
MAX_NODES = 50_000
MONTE_CARLO_RESAMPLES = 99_999
MONTE_CARLO_SEED = 20_261_202


#: What a Monte Carlo p is, for the notes of a result that has one.
MONTE_CARLO_NOTE = (
    f"Monte Carlo p from {MONTE_CARLO_RESAMPLES:,} tables drawn with seed {MONTE_CARLO_SEED}, "
    "(the exact enumeration was not feasible for this table)"
)


@dataclass(frozen=True)
class FisherResult:
    """The p of Fisher's test and how it was computed: "exact" or "monte carlo" (seeded)."""

    p: float
    method: str


class _TooLarge(Exception):
    """The exact network grew past MAX_NODES."""


def fisher_test(table: np.ndarray) -> FisherResult:
    """Fisher's exact test of independence in a table of counts without empty rows or columns.

    >>> round(fisher_test(np.array([[3, 1], [1, 3], [4, 0]])).p, 12)  # R's fisher.test: 0.2
    0.2
    """
    table = np.asarray(table, dtype=np.int64)
    if table.shape[1] != 2 and table.shape[0] == 2:
        table = table.T
    if table.shape == (2, 2):
        return FisherResult(float(stats.fisher_exact(table).pvalue), "exact")
    if table.shape[1] == 2:
        try:
            return FisherResult(_rows_by_two(table), "exact")
        except _TooLarge:
            pass
    method = stats.MonteCarloMethod(
        n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(MONTE_CARLO_SEED)
    )
    return FisherResult(float(stats.fisher_exact(table, method=method).pvalue), "monte carlo")


def _rows_by_two(table: np.ndarray) -> float:
    """The exact p of a k x 2 table (k >= 3) by the network algorithm in the module docstring."""
    if table[:, 0].sum() > table[:, 1].sum():
        table = table[:, ::-1]  # place the smaller column: fewer values per node
    order = np.argsort(-table.sum(axis=1), kind="stable")
    observed = [int(v) for v in table[order, 0]]
    network = _Network([int(v) for v in table[order].sum(axis=1)], sum(observed))
    logp = sum(network.log_choose(r, x) for r, x in zip(network.rows, observed))
    network.threshold = logp + math.log1p(TOL)
    network.visit(0, network.events, 0.0)
    return min(1.0, math.fsum(network.counted))


class _Network:
    """Rows (totals, largest first) and events to place; `visit` accumulates the counted mass."""

    def __init__(self, rows: list[int], events: int) -> None:
        self.rows = rows
        self.events = events
        self.suffix = [sum(rows[k:]) for k in range(len(rows) + 1)]
        self.log_fact = special.gammaln(np.arange(self.suffix[0] + 1) + 1.0)
        self.log_all = self.log_choose(self.suffix[0], events)
        self.threshold = 0.0
        self.counted: list[float] = []
        self.nodes = 0
        self._best: dict[tuple[int, int], float] = {}
        self._worst: dict[int, np.ndarray] = {}

    def log_choose(self, n: int, k: int) -> float:
        return float(self.log_fact[n] - self.log_fact[k] - self.log_fact[n - k])

    def visit(self, k: int, m: int, past: float) -> None:
        """Add the probability of every counted completion of rows k.. holding m events."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge
        low, high = max(0, m - self.suffix[k + 1]), min(self.rows[k], m)
        last_pair = k + 2 == len(self.rows)

        def best_through(x: int) -> float:  # log-probability (unnormalised) of the best completion
            if last_pair:
                return self.log_choose(self.rows[k], x) + self.log_choose(self.rows[k + 1], m - x)
            return self.log_choose(self.rows[k], x) + self.best(k + 1, m - x)

        limit = self.threshold - past
        if self.worst(k, m) > limit:  # every completion is more probable: none is counted
            return
        mode = _argmax_concave(best_through, low, high)
        whole = math.exp(past + self.log_choose(self.suffix[k], m) - self.log_all)
        if best_through(mode) <= limit:  # every completion is as improbable as the observed table
            self.counted.append(whole)
            return
        # best_through is concave: above the limit exactly on [first, last], around the mode; the
        # children outside are counted whole, and together they are two tails of this row's
        # hypergeometric (Vandermonde's identity)
        first = _first_above(best_through, low, mode, limit)
        last = _last_above(best_through, mode, high, limit)
        tails = self.tails(k, m, (low, first - 1), (last + 1, high))
        if tails > 0:
            self.counted.append(whole * tails)
        if last_pair:  # inside [first, last] the one table of each x is more probable: not counted
            return
        # children whose least probable completion is still more probable than the observed table
        # count nothing: skipped without a visit
        x = np.arange(first, last + 1)
        f, r = self.log_fact, self.rows[k]
        steps = f[r] - f[x] - f[r - x]
        for value, step in zip(x[steps + self.worst_vector(k + 1)[m - x] <= limit], steps):
            self.visit(k + 1, m - int(value), past + float(f[r] - f[value] - f[r - value]))

    def tails(self, k: int, m: int, *ranges: tuple[int, int]) -> float:
        """P(x in the ranges) for x, the events of row k, hypergeometric given m events in rows k..:
        C(R_k, x) C(S_k+1, m - x) / C(S_k, m), summed in one vector per range."""
        rest, total = self.suffix[k + 1], self.log_choose(self.suffix[k], m)
        f, parts = self.log_fact, []
        for first, last in ranges:
            if first > last:
                continue
            x = np.arange(first, last + 1)
            log_p = (
                f[self.rows[k]] - f[x] - f[self.rows[k] - x] + f[rest] - f[m - x] - f[rest - m + x]
            ) - total
            parts.append(np.exp(log_p))
        return math.fsum(np.concatenate(parts)) if parts else 0.0

    def worst(self, k: int, m: int) -> float:
        return float(self.worst_vector(k)[m])

    def worst_vector(self, k: int) -> np.ndarray:
        """For every m, a lower bound of sum log C(R_i, x_i) over rows k.. with sum x_i = m: each
        row at the less probable end of its own feasible range (log C(R, x) is concave in x)."""
        if k not in self._worst:
            total, f = self.suffix[k], self.log_fact
            m = np.arange(total + 1)
            bound = np.zeros(total + 1)
            for r in self.rows[k:]:
                low, high = np.maximum(0, m - (total - r)), np.minimum(r, m)
                ends = np.minimum(f[r] - f[low] - f[r - low], f[r] - f[high] - f[r - high])
                bound += ends
            self._worst[k] = bound
        return self._worst[k]

    def best(self, k: int, m: int) -> float:
        """max of sum log C(R_i, x_i) over rows k.. with sum x_i = m (remembered per node)."""
        key = (k, m)
        if key not in self._best:
            self._best[key] = _best_completion(self.rows[k:], m, self.log_choose)
        return self._best[key]


def _argmax_concave(f: Callable[[int], float], low: int, high: int) -> int:
    """The smallest maximiser of a concave function on the integers low..high."""
    while low < high:
        middle = (low + high) // 2
        if f(middle + 1) > f(middle):
            low = middle + 1
        else:
            high = middle
    return low


def _first_above(f: Callable[[int], float], low: int, mode: int, limit: float) -> int:
    """The smallest x in low..mode with f(x) > limit (f increases up to the mode; f(mode) > limit)."""
    while low < mode:
        middle = (low + mode) // 2
        if f(middle) > limit:
            mode = middle
        else:
            low = middle + 1
    return mode


def _last_above(f: Callable[[int], float], mode: int, high: int, limit: float) -> int:
    """The largest x in mode..high with f(x) > limit (f decreases after the mode; f(mode) > limit)."""
    while mode < high:
        middle = (mode + high + 1) // 2
        if f(middle) > limit:
            mode = middle
        else:
            high = middle - 1
    return mode


def _best_completion(rows: list[int], m: int, log_choose: Callable[[int, int], float]) -> float:
    """max sum log C(R_i, x_i) subject to sum x_i = m, 0 <= x_i <= R_i: the multivariate
    hypergeometric mode. Start from the proportional split, then move single events while a move
    gains (exact: the objective is separable and concave, so no gaining move means optimal)."""
    total = sum(rows)
    x = [m * r // total for r in rows]

    def up(i: int) -> float:  # gain of one more event in row i
        return math.log((rows[i] - x[i]) / (x[i] + 1)) if x[i] < rows[i] else -math.inf

    def down(i: int) -> float:  # loss of one event fewer in row i
        return math.log((rows[i] - x[i] + 1) / x[i]) if x[i] > 0 else math.inf

    for _ in range(m - sum(x)):
        x[max(range(len(rows)), key=up)] += 1
    while True:
        i = max(range(len(rows)), key=up)
        j = min(range(len(rows)), key=down)
        if i == j or up(i) <= down(j) + 1e-12:
            break
        x[i] += 1
        x[j] -= 1
    return sum(log_choose(r, v) for r, v in zip(rows, x))
