"""Every Settings field is documented in web/README.md (STYLE.md §10)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from helpseek.settings import Settings

README = Path(__file__).parents[2] / "src" / "helpseek" / "web" / "README.md"


def test_web_readme__documents_every_settings_field() -> None:
    text = README.read_text()
    missing = [f.name for f in fields(Settings) if f"| `{f.name}` |" not in text]
    assert not missing
