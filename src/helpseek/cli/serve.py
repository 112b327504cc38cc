"""`helpseek serve` (the no-JavaScript survey server) and `helpseek tor-config` (its onion service)."""

from __future__ import annotations

import errno
import functools
import json
import os
import resource
import socket
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from helpseek.settings import Settings
from helpseek.web.torrc import DEFAULT_HIDDEN_SERVICE_DIR

if TYPE_CHECKING:
    from helpseek.store import Store

_SETTINGS_ENV = "HELPSEEK_SERVE_SETTINGS"  # hands the Settings to uvicorn's worker processes
_WORKER_STARTUP_S = 60


def serve(
    instrument: Annotated[
        list[str],
        typer.Option(
            "--instrument",
            help="Questionnaire to field: a bundled name or a form file. Repeat it (or separate "
            "names by commas) for several; the first one is on the landing page.",
        ),
    ],
    public_key: Annotated[
        list[Path],
        typer.Option(
            "--public-key",
            help="A research public key file (age1... lines). Repeat it for several "
            "researchers; each can decrypt every page. Never pass the private key here.",
        ),
    ],
    db: str = typer.Option(..., "--db", help="sqlite:///responses.db or postgresql+psycopg://..."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on. Keep 127.0.0.1 behind tor."
    ),
    port: int = typer.Option(8080, "--port", help="TCP port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        help="Worker processes (all share --db); at most twice the CPU cores this server may use.",
    ),
    secret_file: Annotated[
        Path,
        typer.Option(
            "--secret-file",
            help="The server secret that binds the respondents' page tokens; created with mode "
            "0600 on first start (the default is relative to the folder you start serve in; the "
            "full path is printed at start). Keep it and back it up: without it, unfinished "
            "responses cannot continue.",
        ),
    ] = Settings.secret_key_file,
    date_precision: str = typer.Option("day", "--date-precision", help="day or month."),
    quick_exit_url: str = typer.Option(
        Settings.quick_exit_url,
        "--quick-exit-url",
        help="Where the quick-exit link on every page goes.",
    ),
    help_text: str = typer.Option("", "--help-text", help="Extra text under the help links."),
    circuit_rate: int = typer.Option(
        Settings.circuit_requests_per_minute,
        "--circuit-rate",
        help="Requests per minute one tor circuit may send on average (needs tor-config "
        "--export-circuit-id); more get a calm 429 page. 0 turns the limit off.",
    ),
    circuit_burst: int = typer.Option(
        Settings.circuit_burst, "--circuit-burst", help="Requests one circuit may send at once."
    ),
    read_timeout: float = typer.Option(
        Settings.read_timeout_s,
        "--read-timeout",
        help="Seconds a client may take to send one whole request (headers and body); slower "
        "connections are closed.",
    ),
    max_connections: int = typer.Option(
        Settings.max_connections,
        "--max-connections",
        help="Open connections per worker process; over it, the one that has waited longest "
        "for its request is closed to make room. The open-file limit is raised to fit it (up to "
        "the hard limit, `ulimit -Hn`).",
    ),
    allow_incomplete: Annotated[
        list[str],
        typer.Option(
            "--allow-incomplete",
            help="Field this language although some of its texts are missing (they show in "
            "English). Repeat it, or separate codes by commas; '*' for any. Without it, serve "
            "refuses to start while a language is incomplete.",
        ),
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
    resume_days: int = typer.Option(
        Settings.resume_days,
        "--resume-days",
        help='Days a code from "Continue later" works (once).',
    ),
    withdrawal_days: int = typer.Option(
        Settings.withdrawal_days,
        "--withdrawal-days",
        help="Days a withdrawal code works after the response ended.",
    ),
    code_attempts_per_circuit: int = typer.Option(
        Settings.code_attempts_per_circuit_per_hour,
        "--code-attempts-per-circuit",
        help="Codes one tor circuit may try per hour (needs tor-config --export-circuit-id); "
        "more get a calm 429 page. 0 turns the limit off.",
    ),
    code_attempts_per_minute: int = typer.Option(
        Settings.code_attempts_per_minute,
        "--code-attempts-per-minute",
        help="Codes that pass their check (one argon2id each) the whole server looks up per "
        "minute, all circuits and all workers together; made-up codes do not count. 0 turns it off.",
    ),
    warn_unpulled_days: int = typer.Option(
        Settings.warn_unpulled_days,
        "--warn-unpulled-days",
        help="Log a warning while sealed records older than this many days wait on this "
        "collector unpulled (`helpseek pull`). 0 (the default) never warns.",
    ),
) -> None:
    """Run the anonymous survey server (no JavaScript, no cookies, answers sealed per page).

    Every page of answers is sealed to the research public key(s) and stored before the next page
    is sent. No access log is written; nothing about the client (IP, browser) is read.

    Example: helpseek serve --instrument help_us_help_you --db sqlite:///responses.db
    --public-key keys/public.key --port 8080
    """
    from helpseek.cli.main import run_or_exit

    names = _listed(instrument)
    settings = Settings(
        database_url=db,
        public_key_paths=tuple(public_key),
        instrument_names=names,
        secret_key_file=secret_file,
        date_precision=date_precision,  # type: ignore[arg-type]
        quick_exit_url=quick_exit_url,
        help_text=help_text,
        circuit_requests_per_minute=circuit_rate,
        circuit_burst=circuit_burst,
        read_timeout_s=read_timeout,
        max_connections=max_connections,
        allow_incomplete=_listed(allow_incomplete),
        resume_days=resume_days,
        withdrawal_days=withdrawal_days,
        code_attempts_per_circuit_per_hour=code_attempts_per_circuit,
        code_attempts_per_minute=code_attempts_per_minute,
        warn_unpulled_days=warn_unpulled_days,
    )
    run_or_exit(lambda: _check_numbers(settings, workers))  # before anything is created
    _allow_open_files(settings)
    run_or_exit(lambda: check_can_listen(host, port))  # before anything is created (issue 12)
    had_secret = secret_file.exists()
    app = run_or_exit(lambda: _create(settings))  # fail closed before listening
    _warn_postgres_connections(app.state.survey.store, workers)
    typer.echo(
        f"server secret: {secret_file.resolve()} ({'kept' if had_secret else 'created'}; "
        "back it up with the database)",
        err=True,
    )
    typer.echo(f"helpseek survey on http://{host}:{port}/ ({', '.join(names)})", err=True)
    _run(app if workers <= 1 else None, settings, host, port, workers)


def _listed(options: list[str]) -> tuple[str, ...]:
    """The names a repeatable option was given, each time or separated by commas.

    >>> _listed(["help_us_help_you, program_feedback", "de"])
    ('help_us_help_you', 'program_feedback', 'de')
    """
    return tuple(n.strip() for item in options for n in item.split(",") if n.strip())


def _check_numbers(settings: Settings, workers: int) -> None:
    from helpseek.problems import InputError
    from helpseek.store import files_per_process
    from helpseek.web.app import check_settings
    from helpseek.web.connections import check_open_files

    store_files = files_per_process(settings.database_url)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    problems = check_settings(settings, workers)
    if settings.max_connections >= 1:  # WEB-030 otherwise
        problems += check_open_files(settings.max_connections, store_files, hard)
    if problems:
        raise InputError(problems)


def _allow_open_files(settings: Settings) -> None:
    """Raise the soft open-file limit to what `--max-connections` needs (the workers inherit it);
    `_check_numbers` made sure the hard limit allows it. A researcher who sets --max-connections
    expects it honoured, not a systemd default of 1,024 files that closes connections first."""
    from helpseek.store import files_per_process
    from helpseek.web.connections import open_files_needed

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = open_files_needed(settings.max_connections, files_per_process(settings.database_url))
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        typer.echo(f"open-file limit raised from {soft} to {needed} (--max-connections)", err=True)


def _warn_postgres_connections(store: Store, workers: int) -> None:
    """WEB-035 (a warning) when the PostgreSQL server accepts fewer connections than the workers
    may open at once; the pools open connections only as needed, so it starts anyway."""
    from helpseek.problems import problem
    from helpseek.store.engine import POSTGRES_CONNECTIONS_PER_PROCESS as PER

    allowed = store.connections_allowed()
    if allowed is not None and allowed < workers * PER:
        needed = workers * PER
        fields = {"allowed": allowed, "workers": workers, "needed": needed, "per": PER}
        typer.echo(str(problem("WEB-035", severity="warning", **fields)), err=True)


def check_can_listen(host: str, port: int) -> None:
    """Raise WEB-010 (port taken) or WEB-011 (cannot listen there) before the server starts.

    Binds the way uvicorn will (SO_REUSEADDR) and lets go at once, so a port left in TIME_WAIT
    by a stopped server is not mistaken for a busy one.
    """
    from helpseek.problems import InputError, problem

    if not 1 <= port <= 65535:
        raise InputError([problem("WEB-004", port=port)])
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
            probe.listen(1)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise InputError([problem("WEB-010", host=host, port=port)]) from None
        reason = error.strerror or str(error)
        raise InputError([problem("WEB-011", host=host, port=port, reason=reason)]) from None


def tor_config(
    port: int = typer.Option(8080, "--port", help="The port `helpseek serve` listens on."),
    hidden_service_dir: Annotated[
        Path,
        typer.Option(
            "--hidden-service-dir",
            help="Where tor keeps the onion service's keys (mode 700, owned by tor's user).",
        ),
    ] = DEFAULT_HIDDEN_SERVICE_DIR,
    export_circuit_id: bool = typer.Option(
        False,
        "--export-circuit-id",
        help="Add HiddenServiceExportCircuitID haproxy: tor tells helpseek serve which circuit "
        "each request came on, so one flooding circuit can be throttled (--circuit-rate).",
    ),
    max_streams: int = typer.Option(20, "--max-streams", help="Streams allowed per circuit."),
) -> None:
    """Print torrc lines for an onion service in front of `helpseek serve`.

    Includes tor's proof-of-work and introduction-point DoS defences and a per-circuit stream
    limit. Append the output to /etc/tor/torrc and check it with `tor --verify-config`.

    Example: helpseek tor-config --port 8080 >> /etc/tor/torrc
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.web.torrc import torrc_snippet

    text = run_or_exit(
        lambda: torrc_snippet(
            port, hidden_service_dir, export_circuit_id=export_circuit_id, max_streams=max_streams
        )
    )
    typer.echo(text, nl=False)


def worker_app() -> Any:
    """uvicorn's factory for --workers > 1: rebuilds the Settings the parent process checked."""
    data = json.loads(os.environ[_SETTINGS_ENV])
    data["public_key_paths"] = tuple(Path(p) for p in data["public_key_paths"])
    data["secret_key_file"] = Path(data["secret_key_file"])
    for name in ("instrument_names", "recipients", "allow_incomplete"):
        data[name] = tuple(data[name])
    return _create(Settings(**data))


def _create(settings: Settings) -> Any:
    from helpseek.web import create_app

    return create_app(settings)


def _run(app: Any, settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from helpseek.web.connections import ConnectionLimits, GuardedProtocol

    # No access log, no Server or Date header, no X-Forwarded-For parsing: nothing about the
    # client is read or written (issue 3 req. 2).
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,
        "server_header": False,
        "date_header": False,
        "proxy_headers": False,
        "log_level": "warning",
        # Reads tor's optional PROXY line (circuit id, memory only); plain HTTP is unchanged.
        # Closes slow and surplus connections (issue 12); a partial pickles for --workers.
        "http": functools.partial(
            GuardedProtocol,
            limits=ConnectionLimits(settings.read_timeout_s, settings.max_connections),
        ),
    }
    if app is not None:
        uvicorn.run(app, **options)
        return
    os.environ[_SETTINGS_ENV] = json.dumps(asdict(settings), default=str)  # paths as text
    # A worker imports helpseek and loads the questionnaires before it answers uvicorn's health
    # check; on a busy 2-core host that took longer than uvicorn's 5 s, and uvicorn then killed and
    # restarted every worker forever (issue 7).
    uvicorn.run(
        "helpseek.cli.serve:worker_app",
        factory=True,
        workers=workers,
        timeout_worker_healthcheck=_WORKER_STARTUP_S,
        **options,
    )
