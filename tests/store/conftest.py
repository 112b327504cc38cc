"""Fixtures for the store tests: real research keys made once per session, real databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.store import ResearchKeypair, generate_research_keypair


@pytest.fixture(scope="session")
def second_research_key() -> ResearchKeypair:
    return generate_research_keypair()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty store: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'responses.db'}"
    return str(request.getfixturevalue("postgres_url"))
