"""`helpseek analyze` (screen + analyse an exported table) and `helpseek spec list` (bundled specs)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from helpseek.cli.progress import progress_bars

# The analysis stack (pandas, statsmodels, scipy) takes over a second to load: it is imported in
# the commands that use it, so that every other `helpseek` command starts without it.
if TYPE_CHECKING:
    import pandas as pd

    from helpseek.analysis import AnalysisResult, AnalysisSpec
    from helpseek.instrument import Instrument

spec_app = typer.Typer(help="Analysis specs shipped with helpseek.", no_args_is_help=True)


@spec_app.command("list")
def spec_list() -> None:
    """Print the bundled analysis specs, one per line: name and path (copy one to adapt it)."""
    from helpseek.analysis import bundled_specs

    for name, path in bundled_specs().items():
        typer.echo(f"{name}\t{path}")


def analyze(
    data: Annotated[
        list[Path],
        typer.Option(
            "--data",
            help="Exported table (.csv, .parquet, .sav, .dta). "
            "Repeat it to analyse several samples together (compare specs).",
        ),
    ],
    spec: Annotated[
        str,
        typer.Option(
            "--spec", help="A bundled spec name (see `helpseek spec list`) or a YAML file."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for results.json and tables/.", file_okay=False)
    ],
    instrument: Annotated[
        list[str] | None,
        typer.Option(
            "--instrument",
            help="Questionnaire the data was collected with (bundled name or form file), for the "
            "declared checks and batteries. Default: the bundled questionnaire named in the data's instrument column.",
        ),
    ] = None,
) -> None:
    """Screen the responses, then compute prevalence, Table 1 and logistic models as the spec says.

    Writes OUT/results.json (schema helpseek.results/1) and OUT/tables/*.csv|.md|.html|.tex (the
    tables of `helpseek report`, with the questionnaire's labels), and prints the path of
    results.json. Quality flags are added per data file; identifying free text is redacted before
    anything is written. Progress goes to stderr.

    Example: helpseek analyze --data data.sav --spec help_seeking --out results/
    """
    import pandas as pd

    from helpseek.analysis import load_spec, resolve_spec, run_analysis
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import load_instrument

    parsed = run_or_exit(lambda: load_spec(spec))
    forms = run_or_exit(lambda: [load_instrument(name) for name in instrument or []])
    stderr = Console(stderr=True)
    screened = [
        run_or_exit(partial(_read_and_screen, path, forms, parsed, stderr)) for path in data
    ]
    frames = [frame for frame, _ in screened]
    combined = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with progress_bars(stderr, columns, transient=True) as bar:  # plain lines when not a terminal
        task = bar.add_task("analysing", total=_planned_steps(parsed))

        def progress(message: str) -> None:
            bar.update(task, description=message[:60])
            bar.advance(task)

        result = run_or_exit(lambda: run_analysis(combined, parsed, progress))
    used = [form for _, form in screened]
    run_or_exit(lambda: write_outputs(result, out, data, used, resolve_spec(spec)))
    for note in result.notes:
        stderr.print(f"note: {note}", markup=False)
    for path, frame in zip(data, frames, strict=True):
        stderr.print(f"{path}: {len(frame):,} responses; {_withdrawn_words(path)}.", markup=False)
    typer.echo(str(out / "results.json"))


def _withdrawn_words(path: Path) -> str:
    """How many responses export left out as withdrawn (issue 14), from the codebook; said to be
    not known, never 0, when no codebook records it."""
    from helpseek.data import withdrawn_of

    withdrawn = withdrawn_of(path)
    if withdrawn is None:
        return (
            "how many were withdrawn by their respondents is not known (no codebook says: an "
            "export from before withdrawal codes, or not an export)"
        )
    return f"{withdrawn:,} withdrawn by their respondents were left out at export (codebook)"


def write_outputs(
    result: AnalysisResult,
    out: Path,
    data: Sequence[Path],
    forms: Sequence[Instrument | None],
    spec_path: Path,
) -> Path:
    """results.json (with the inputs' hashes and the questionnaire's labels) and the report's
    tables under OUT/tables/; returns the path of results.json. `helpseek demo` writes its
    analyses with this too."""
    from helpseek.analysis import write_results
    from helpseek.data import withdrawn_of
    from helpseek.report import write_tables
    from helpseek.report.labels import labels_for_data

    # "withdrawn": how many responses export left out as withdrawn (issue 14), None when the
    # data file's codebook does not say (no codebook, or an export from before withdrawals)
    inputs = [{"path": str(p), "sha256": _sha256(p), "withdrawn": withdrawn_of(p)} for p in data]
    provenance = {"inputs": inputs, "spec_sha256": _sha256(spec_path)}
    labels = labels_for_data(list(data), list(forms)).to_dict()
    write_results(result, out, provenance, labels)
    write_tables(out)
    return out / "results.json"


def _read_and_screen(
    path: Path, forms: list[Instrument], spec: AnalysisSpec, stderr: Console
) -> tuple[pd.DataFrame, Instrument | None]:
    """One data file with its quality flags added and identifying free text redacted, and the
    questionnaire it was collected with (when known)."""
    from helpseek.data import read_table
    from helpseek.quality import options_for, screen

    table = read_table(path)
    form = _instrument_for(table, forms)
    if form is None:
        stderr.print(
            f"{path}: no questionnaire known for this data; screening without declared checks, "
            "batteries and free-text questions (pass --instrument to add them).",
            markup=False,
        )
    return screen(table, options_for(form, spec.screening_options), form).frame, form


def _instrument_for(table: pd.DataFrame, forms: list[Instrument]) -> Instrument | None:
    """The questionnaire for this table: one given on the command line, else the bundled one it names."""
    from helpseek.instrument import bundled_instruments, load_instrument

    ids = set(table["instrument"].dropna().astype(str)) if "instrument" in table.columns else set()
    for form in forms:
        if form.form_id in ids or len(forms) == 1 and not ids:
            return form
    known = [i for i in ids if i in bundled_instruments()]
    return load_instrument(known[0]) if len(known) == 1 else None


def _planned_steps(spec: AnalysisSpec) -> int:
    per_outcome = (
        (len(spec.predictors) if "univariable" in spec.models else 0)
        + (1 if "multivariable" in spec.models and spec.predictors else 0)
        + (1 if spec.missing == "mice" else 0)
    )
    return 3 + len(spec.outcomes) * per_outcome


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
