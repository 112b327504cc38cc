"""The survey server's configuration as one frozen value, built by the CLI and passed into the core.

Core packages never read os.environ; `helpseek serve` builds a Settings and calls create_app(settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DatePrecision = Literal["day", "month"]


@dataclass(frozen=True)
class Settings:
    """Everything the respondent-facing server needs; every field is documented in web/README.md.

    >>> Settings("sqlite:///r.db", (Path("public.key"),), ("help_us_help_you",)).date_precision
    'day'
    """

    database_url: str
    public_key_paths: tuple[Path, ...]
    instrument_names: tuple[str, ...]
    # The server secret that binds the hidden-field token (HMAC). Persisted with 0600 permissions so
    # that a restart keeps in-progress sessions valid; several collectors must share one file.
    # Relative to the folder `serve` starts in; serve prints its full path (issue 12).
    secret_key_file: Path = Path("helpseek-web.secret")
    # Submission dates are stored at this precision, never as a time (DESIGN.md threat model).
    date_precision: DatePrecision = "day"
    # Page durations are rounded to this many seconds and capped, so they cannot fingerprint anyone.
    page_seconds_rounding: int = 10
    page_seconds_cap: int = 3600
    # A page of answers is a few KiB at most; anything bigger is refused before it is parsed.
    max_body_bytes: int = 64 * 1024
    max_fields: int = 200
    # 24 h: a respondent on a slow Tor circuit may pause for hours between pages (issue 3).
    token_lifetime_s: int = 24 * 3600
    # Where the quick-exit link on every page goes: a neutral page that reveals nothing.
    quick_exit_url: str = "https://duckduckgo.com/"
    # Extra text under the help links on every page (e.g. a local helpline), in plain words.
    help_text: str = ""
    # The UI language used when the respondent has not picked one; None = the instrument's default.
    default_language: str | None = None
    # Extra research public keys given inline (age1... recipients), besides the files above.
    recipients: tuple[str, ...] = field(default_factory=tuple)
    # Per tor circuit, when tor exports circuit ids (HiddenServiceExportCircuitID): requests per
    # minute on average and at once. A page costs 2 requests (page + stylesheet); 0 turns it off.
    circuit_requests_per_minute: int = 120
    circuit_burst: int = 60
    # Per server process: seconds a client may take to send one whole request, and how many
    # connections may be open. 1,000 clients trickling a byte every 10 s used to hold their
    # connections until the file descriptors ran out (issue 12; benchmarks/slow_clients.py).
    read_timeout_s: float = 30.0
    max_connections: int = 512
    # Languages fielded although some of their texts are missing ("*" = any); the others must be
    # complete, or the server refuses to start (issue 15: a respondent never meets English by surprise).
    allow_incomplete: tuple[str, ...] = field(default_factory=tuple)
    # Respondent codes (issue 14). A resume code works once, for this many days after "continue
    # later"; a withdrawal code for this many days after the response ended.
    resume_days: int = 7
    withdrawal_days: int = 30
    # Codes typed (to continue or withdraw): per tor circuit per hour (every code), and codes that
    # pass their 22-bit check (one argon2id each) per minute over the whole server, all workers
    # together; more get a calm 429 page (benchmarks/code_guessing.py measures what an attacker
    # can do).
    code_attempts_per_circuit_per_hour: int = 20
    code_attempts_per_minute: int = 60
    # Warn in the log when sealed records older than this many days have not been pulled off the
    # collector (`helpseek pull`); 0 turns the warning off.
    warn_unpulled_days: int = 0
