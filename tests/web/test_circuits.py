"""Token buckets per tor circuit: burst, refill over time, and bounded memory."""

from __future__ import annotations

from helpseek.web.circuits import CircuitBuckets, CircuitLimit


def test_bucket__burst_then_throttled__refills_at_the_average_rate() -> None:
    # Given a limit of 60 per minute with a burst of 2
    buckets = CircuitBuckets(CircuitLimit(per_minute=60, burst=2))
    # When a circuit sends 3 requests at once
    assert [buckets.allow(5, now=100.0) for _ in range(3)] == [True, True, False]
    # Then after one second one more is allowed, and never more than the burst after a pause
    assert buckets.allow(5, now=101.0) and not buckets.allow(5, now=101.0)
    assert [buckets.allow(5, now=10_000.0) for _ in range(3)] == [True, True, False]


def test_bucket__circuits_are_independent() -> None:
    buckets = CircuitBuckets(CircuitLimit(per_minute=1, burst=1))
    assert buckets.allow(1, now=0.0) and not buckets.allow(1, now=0.0)
    assert buckets.allow(2, now=0.0)


def test_bucket__table_is_bounded__least_recently_seen_circuit_forgotten() -> None:
    buckets = CircuitBuckets(CircuitLimit(per_minute=1, burst=1, max_circuits=3))
    for circuit_id in range(10):
        buckets.allow(circuit_id, now=0.0)
    assert len(buckets) == 3
    # circuit 0 was forgotten, so it starts with a full bucket again; circuit 9 was not
    assert buckets.allow(0, now=0.0) and not buckets.allow(9, now=0.0)
