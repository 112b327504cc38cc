"""The no-JavaScript survey server: `create_app(settings) -> Starlette` (see README.md).

The app module is imported on first use, so `helpseek tor-config` and the token helpers stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from helpseek.settings import Settings


def create_app(settings: Settings, **options: Any) -> Starlette:
    """The respondent-facing app; see helpseek.web.app.create_app for `clock=` and `rng=`."""
    from helpseek.web.app import create_app as _create_app

    return _create_app(settings, **options)


__all__ = ["create_app"]
