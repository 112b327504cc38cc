"""The typer shell: turns arguments into core calls and HelpseekError into exit codes."""
