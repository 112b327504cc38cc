"""What guessing resume and withdrawal codes costs (issue 14), measured on this machine.

    .venv/bin/python benchmarks/code_guessing.py [--derivations 10] [--attempts 300]

1. One argon2id derivation of a code (store/sealing.py's parameters), against SHA-256 of the same
   input in the same run (the ratio says how much the KDF slows a guesser down).
2. The real app in process (limits off): how many typed codes a second it answers when the code
   fails its 22-bit check (every random guess but one in ~2^21), and when it passes the check but
   is not live (one argon2id each), the two paths an online guesser meets.
3. The server's code-check budget (shared by its workers through a file, web/code_budget.py):
   what one take costs, against the in-memory per-circuit bucket in the same run.
4. What that means with the default limits (made-up codes per tor circuit per hour; codes that
   pass the check, one argon2id each, per minute over the whole server): guesses a day, how many
   made-up codes a minute reach the budget at the server's full rate, and the expected time to
   hit any one of N live codes, online (88 bits: 66 random bits + a 22-bit check keyed by the
   server secret) and offline with the database AND the server secret file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import httpx

from helpseek.codes import SECRET_BITS, code_text, new_code
from helpseek.settings import Settings
from helpseek.store import derive_code_keys, generate_research_keypair
from helpseek.store.sealing import CODE_KDF_MEMLIMIT, CODE_KDF_OPSLIMIT
from helpseek.web import create_app
from helpseek.web.circuits import CircuitBuckets, CircuitLimit
from helpseek.web.code_budget import SharedBudget

CHECK_BITS_TOTAL = 22
YEAR_S = 365.25 * 86400


def time_derivations(n: int) -> tuple[float, float]:
    """Median seconds of one argon2id derivation and of one SHA-256 of the same input."""
    material, salt = b"helpseek-code/1|resume|" + bytes(9), bytes(16)
    kdf, sha = [], []
    for _ in range(n):
        start = time.perf_counter()
        derive_code_keys(material, salt)
        kdf.append(time.perf_counter() - start)
        start = time.perf_counter()
        for _ in range(1000):
            hashlib.sha256(material + salt).digest()
        sha.append((time.perf_counter() - start) / 1000)
    return statistics.median(kdf), statistics.median(sha)


async def time_attempts(folder: Path, attempts: int) -> tuple[float, float]:
    """Typed codes answered per second: failing the check, and passing it without being live."""
    key = folder / "public.key"
    key.write_text(generate_research_keypair().public_key + "\n")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'guess.db'}",
        public_key_paths=(key,),
        instrument_names=("help_us_help_you",),
        secret_key_file=folder / "web.secret",
        code_attempts_per_circuit_per_hour=0,
        code_attempts_per_minute=0,
    )
    app = create_app(settings)
    check_key = app.state.survey.codes.check_key
    rng = random.Random(1)
    wrong = [f"guess {n} " + "abandon " * 7 for n in range(attempts)]
    today = date.today()
    checked = [
        code_text(new_code("resume", today, check_key, "en", rng), check_key, "en")
        for _ in range(max(attempts // 20, 5))
    ]
    rates = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as client:
        for codes in (wrong, checked):
            start = time.perf_counter()
            for code in codes:
                response = await client.post(
                    "/resume?lang=en",
                    content=urlencode({"code": code}).encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                assert response.status_code in (409, 410, 422), response.status_code
            rates.append(len(codes) / (time.perf_counter() - start))
    app.state.survey.store.close()
    return rates[0], rates[1]


def time_budget(folder: Path, n: int = 20_000) -> tuple[float, float]:
    """Seconds per take: the shared file budget, and the in-memory per-circuit bucket."""
    budget = SharedBudget(folder / "budget", per_minute=10**9, clock=time.time)
    start = time.perf_counter()
    for _ in range(n):
        budget.take()
    shared = (time.perf_counter() - start) / n
    buckets = CircuitBuckets(CircuitLimit(per_minute=10**9, burst=10**9))
    start = time.perf_counter()
    for i in range(n):
        buckets.allow(i % 100, time.monotonic())
    return shared, (time.perf_counter() - start) / n


def years(seconds: float) -> str:
    return f"{seconds / YEAR_S:.3g} years"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--derivations", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--live", type=int, default=10_000, help="live codes assumed")
    args = parser.parse_args()
    kdf_s, sha_s = time_derivations(args.derivations)
    print(
        f"argon2id (opslimit {CODE_KDF_OPSLIMIT}, {CODE_KDF_MEMLIMIT // 2**20} MiB, 1 lane): "
        f"{kdf_s * 1000:.0f} ms per derivation; SHA-256 of the same input {sha_s * 1e6:.2f} us; "
        f"ratio {kdf_s / sha_s:,.0f}x"
    )
    with tempfile.TemporaryDirectory() as folder:
        wrong_rate, checked_rate = asyncio.run(time_attempts(Path(folder), args.attempts))
    print(
        f"server, limits off: {wrong_rate:,.0f} wrong codes/s answered (fail the 22-bit check); "
        f"{checked_rate:,.1f} codes/s that pass the check (one argon2id each); ratio "
        f"{wrong_rate / checked_rate:,.0f}x"
    )
    with tempfile.TemporaryDirectory() as folder:
        shared_s, memory_s = time_budget(Path(folder))
    print(
        f"code-check budget shared by the workers (file + flock): {shared_s * 1e6:.1f} us a take; "
        f"in-memory per-circuit bucket {memory_s * 1e6:.2f} us; ratio {shared_s / memory_s:,.0f}x; "
        f"against one argon2id: {shared_s / kdf_s:.5f}x"
    )
    defaults = Settings(database_url="", public_key_paths=(), instrument_names=())
    per_circuit_day = defaults.code_attempts_per_circuit_per_hour * 24
    budget_day = defaults.code_attempts_per_minute * 60 * 24
    n = args.live
    # A made-up code reaches the budget only if its 22-bit check matches for the right kind on a
    # day the code would still work: resume_days + 1 dates (withdrawal: withdrawal_days + 1).
    for kind, days in (("resume", defaults.resume_days), ("withdrawal", defaults.withdrawal_days)):
        reach = (days + 1) / 2**CHECK_BITS_TOTAL
        print(
            f"made-up {kind} codes reach the budget with probability {reach:.2e}: "
            f"{reach * wrong_rate * 60:.2f} a minute at this process's full rate "
            f"(budget {defaults.code_attempts_per_minute} a minute, all workers)"
        )
    online_s = 2 ** (SECRET_BITS + CHECK_BITS_TOTAL) / n / wrong_rate
    print(
        f"default limits: {per_circuit_day:,} codes a day per circuit (right or wrong), "
        f"{budget_day:,} argon2id checks a day for the whole server (all workers); made-up codes "
        f"are not limited over the server: one live code among {n:,} is hit after "
        f"2^{SECRET_BITS + CHECK_BITS_TOTAL}/{n:,} guesses on average: {years(online_s)} at "
        f"{wrong_rate:,.0f} guesses/s"
    )
    offline_s = 2**SECRET_BITS / n * kdf_s
    print(
        f"offline, with the database AND the server secret: 2^{SECRET_BITS}/{n:,} argon2id "
        f"derivations: {years(offline_s)} on one core of this machine; without the secret "
        "file there is nothing to test a guess against"
    )


if __name__ == "__main__":
    main()
