"""`helpseek` starts without loading the heavy stacks: each command imports what it needs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "statsmodels", "scipy", "sqlalchemy", "pyxform", "matplotlib", "pyrage")


def test_cli_main__imported__loads_no_analysis_store_or_form_libraries() -> None:
    # When the command-line app is built (as for `helpseek --help` or any command)
    script = "import sys, helpseek.cli.main; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    # Then none of the slow-loading libraries is among the loaded modules
    assert sorted(loaded & set(HEAVY)) == []
