"""The CPU of one thread hop of a request handler: the app's step threads (a plain executor,
`loop.run_in_executor`) against Starlette's `run_in_threadpool` (anyio), measured in the same run
(issue 16). 64 callers at once on one event loop, each hopping a trivial call to a thread and
back; process CPU a hop (both threads and the loop), best of `--rounds`.

    .venv/bin/python benchmarks/hop_bench.py [--hops 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from starlette.concurrency import run_in_threadpool

from helpseek.web.app import STEP_THREADS

CALLERS = 64


def _nothing(value: int) -> int:
    return value


async def _cpu_per_hop(hop: Callable[[int], Awaitable[int]], hops: int) -> float:
    async def caller() -> None:
        for n in range(hops // CALLERS):
            await hop(n)

    await asyncio.gather(*(caller() for _ in range(CALLERS)))  # threads started, caches warm
    start = time.process_time()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    return (time.process_time() - start) / (hops // CALLERS * CALLERS)


async def _measure(hops: int) -> tuple[float, float]:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(STEP_THREADS, thread_name_prefix="helpseek-step") as threads:

        async def executor_hop(value: int) -> int:
            return await loop.run_in_executor(threads, _nothing, value)

        ours = await _cpu_per_hop(executor_hop, hops)
    anyio_hop = await _cpu_per_hop(lambda value: run_in_threadpool(_nothing, value), hops)
    return ours, anyio_hop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hops", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = [asyncio.run(_measure(args.hops)) for _ in range(args.rounds)]
    ours, baseline = min(r[0] for r in results), min(r[1] for r in results)
    print(
        f"one hop, {CALLERS} callers: step threads {ours * 1e6:.1f} us CPU, "
        f"run_in_threadpool {baseline * 1e6:.1f} us CPU: ratio {ours / baseline:.2f}"
    )


if __name__ == "__main__":
    main()
