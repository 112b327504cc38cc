"""helpseek: anonymous prevention research on the dark web, end to end."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("helpseek")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
