"""Where a database is: checking a --db address before anything is opened or created (issue 12).

A mistyped path must not quietly become a new, empty database: commands that read refuse a
missing SQLite file and suggest the close match; an address without a scheme gets the sqlite:///
form it was probably meant as; new SQLite files are created readable by their owner only.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from helpseek.problems import InputError, problem


def check_has_scheme(url: str) -> None:
    """STORE-011 for a bare path such as `responses.db`, with the sqlite:/// form suggested."""
    if "://" not in url and url.strip() and not any(c.isspace() for c in url):
        raise InputError([problem("STORE-011", url=url, suggestion=f"sqlite:///{url}")])


def parse_database_url(url: str) -> URL:
    """The parsed address, or InputError: STORE-011 when it has no scheme, else STORE-001.

    >>> parse_database_url("sqlite:///responses.db").database
    'responses.db'
    >>> parse_database_url("responses.db")
    Traceback (most recent call last):
    ...
    helpseek.problems.InputError: The database address "responses.db" has no scheme. Did you mean "sqlite:///responses.db"? Write a file as sqlite:///path/to/file.db, or a server as postgresql+psycopg://user@host:port/dbname. [STORE-011]
    """
    check_has_scheme(url)
    try:
        return make_url(url)
    except ArgumentError:
        raise InputError([problem("STORE-001", url=safe_url(url))]) from None


def check_sqlite_exists(url: URL, given: str) -> None:
    """For a command that only reads: STORE-010 (with the close match, if any) when the file is
    missing, so that a typo never creates an empty database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if path.is_file():
        return
    hint = ""
    if path.parent.is_dir():
        names = [p.name for p in path.parent.iterdir() if p.is_file()]
        match = difflib.get_close_matches(path.name, names, n=1, cutoff=0.75)
        if match:
            near = url.set(database=str(path.with_name(match[0])))
            hint = f' Did you mean "{near.render_as_string(hide_password=True)}"?'
    raise InputError([problem("STORE-010", path=str(path), url=given, hint=hint)])


def create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives -wal/-shm the same mode)."""
    if not path.parent.is_dir():
        raise InputError([problem("STORE-002", url=str(path), reason="its folder does not exist")])
    try:
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    except OSError as error:
        raise InputError([problem("STORE-002", url=str(path), reason=error.strerror)]) from None


def safe_url(url: str) -> str:
    """The address with any password hidden (safe to print)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
