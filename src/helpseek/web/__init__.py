"""The no-JavaScript survey server: `create_app(settings) -> Starlette` (see README.md)."""

from helpseek.web.app import create_app

__all__ = ["create_app"]
