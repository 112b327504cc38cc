"""Per-circuit request limits: a token bucket per tor circuit id, in this process's memory only.

The id comes from web/proxy_protocol.py. It is never written to the store or a log; when the table
is full the least recently seen circuit is forgotten. Requests without a circuit id pass untouched.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from helpseek.problems import Problem, problem
from helpseek.settings import Settings
from helpseek.web.failsafe import ErrorPageRenderer
from helpseek.web.pages import MessagePage
from helpseek.web.proxy_protocol import circuit_of
from helpseek.web.render import Renderer


@dataclass(frozen=True)
class CircuitLimit:
    """How many requests one circuit may send: `burst` at once, then `per_minute` on average.

    >>> CircuitLimit(per_minute=60, burst=30).refill_per_second
    1.0
    """

    per_minute: float
    burst: int
    # Bounds memory under a flood of new circuits; the least recently seen circuit is forgotten.
    max_circuits: int = 10_000

    @property
    def refill_per_second(self) -> float:
        return self.per_minute / 60.0


class CircuitBuckets:
    """Token buckets keyed by circuit id. `now` is seconds on a monotonic clock (a parameter)."""

    def __init__(self, limit: CircuitLimit) -> None:
        self.limit = limit
        self._buckets: OrderedDict[int, tuple[float, float]] = OrderedDict()  # id -> (tokens, at)

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, circuit_id: int, now: float) -> bool:
        """Take one token for `circuit_id`; False if its bucket is empty (throttle the request)."""
        tokens, at = self._buckets.pop(circuit_id, (float(self.limit.burst), now))
        tokens = min(
            float(self.limit.burst), tokens + max(0.0, now - at) * self.limit.refill_per_second
        )
        allowed = tokens >= 1.0
        tokens -= 1.0 if allowed else 0.0
        self._buckets[circuit_id] = (tokens, now)
        self._forget_old()
        return allowed

    def _forget_old(self) -> None:
        while len(self._buckets) > self.limit.max_circuits:
            self._buckets.popitem(last=False)


class CodeAttempts:
    """How many codes one tor circuit may type (to continue or to withdraw), right or wrong, when
    tor says which circuit a request came on. In this process's memory only; 0 turns it off.
    The whole server's budget counts only the codes that pass their check and cost an argon2id
    derivation, shared by every worker (web/code_budget.py; issue 14).

    >>> attempts = CodeAttempts(per_circuit_per_hour=4, clock=lambda: 0.0)
    >>> scope = {"type": "http", "extensions": {"helpseek.circuit": 7}}
    >>> [attempts.allow(scope) for _ in range(3)]
    [True, False, False]
    """

    def __init__(
        self,
        per_circuit_per_hour: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A respondent mistypes a few times at most: a quarter of the hour's attempts at once.
        self._circuits = (
            CircuitBuckets(
                CircuitLimit(per_circuit_per_hour / 60, max(1, per_circuit_per_hour // 4))
            )
            if per_circuit_per_hour > 0
            else None
        )
        self._clock = clock

    def allow(self, scope: Scope) -> bool:
        """Take one attempt for this request's circuit; False: refuse it."""
        circuit = circuit_of(scope)
        circuits = self._circuits
        return circuits is None or circuit is None or circuits.allow(circuit, self._clock())


class CircuitThrottleMiddleware:
    """Answers 429 with `render(scope)` when a circuit is over its limit; otherwise passes on."""

    def __init__(
        self,
        app: ASGIApp,
        limit: CircuitLimit,
        render: ErrorPageRenderer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.buckets = CircuitBuckets(limit)
        self.render = render
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        circuit_id = circuit_of(scope) if scope["type"] == "http" else None
        if circuit_id is None or self.buckets.allow(circuit_id, self.clock()):
            await self.app(scope, receive, send)
            return
        status, body = self.render(scope)
        # Retry-After: a well-behaved client (and a person) waits for one token to come back.
        wait_s = max(1, round(1 / max(self.buckets.limit.refill_per_second, 1e-9)))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait_s).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def throttled_page(renderer: Renderer) -> ErrorPageRenderer:
    """The calm 429 page in the language of the request's `lang` parameter."""

    def render(scope: Scope) -> tuple[int, bytes]:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        language = renderer.language((query.get("lang") or [None])[0])
        page = MessagePage(renderer.chrome(language), 429, "msg_too_many")
        return 429, renderer.html(page).encode("utf-8")

    return render


def check_circuit_settings(settings: Settings) -> list[Problem]:
    """WEB-006 for a negative rate, or a burst below 1 that would refuse every request."""
    rate, burst = settings.circuit_requests_per_minute, settings.circuit_burst
    if rate < 0 or (rate > 0 and burst < 1):
        return [problem("WEB-006", rate=rate, burst=burst)]
    return []


def circuit_middleware(
    settings: Settings, renderer: Renderer, clock: Callable[[], float]
) -> list[Middleware]:
    """The throttle for create_app's middleware list; none when the rate is 0 (off).

    The rate and burst are checked (check_circuit_settings) before anything is created.
    """
    if settings.circuit_requests_per_minute <= 0:
        return []
    limit = CircuitLimit(settings.circuit_requests_per_minute, settings.circuit_burst)
    return [
        Middleware(
            CircuitThrottleMiddleware, limit=limit, render=throttled_page(renderer), clock=clock
        )
    ]
