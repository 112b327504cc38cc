"""`helpseek synth`: synthetic respondents of a questionnaire, written as an exported dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn


def synth(
    instrument: Annotated[
        str, typer.Option("--instrument", help="The questionnaire: a bundled name or a form file.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Data file to write: .csv, .parquet, .sav or .dta (codebook beside it).",
            dir_okay=False,
        ),
    ],
    n: Annotated[int, typer.Option("--n", help="Number of synthetic respondents.")] = 4493,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same respondents.")] = 1,
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            help="Truth file (YAML) with marginals, planted odds ratios, missingness and "
            "low-quality shares. Default: the one bundled for the questionnaire.",
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of labels (e.g. en).")
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", help="Processes that walk respondents (same result).")
    ] = 1,
) -> None:
    """Draw synthetic respondents and walk each through the questionnaire's real logic.

    Nothing is answered that the questionnaire would not show; breakoffs, blanks, speeders,
    straight-liners, duplicates and inconsistent answers are planted as the truth file says.
    The file has exactly the columns of `helpseek export`.

    Example: helpseek synth --instrument help_us_help_you --n 4493 --seed 1 --out synth.csv
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.data import write_dataset
    from helpseek.data.export import check_out_paths
    from helpseek.instrument import load_instrument
    from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all

    run_or_exit(lambda: check_out_paths([out]))
    form = run_or_exit(lambda: load_instrument(instrument))
    checked = run_or_exit(lambda: load_truth(truth, form))
    draw = run_or_exit(lambda: draw_respondents(form, checked, n, seed))
    columns = (TextColumn("Walking the questionnaire"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("walk", total=n)
        responses = list(
            walk_all(form, draw, lambda done, total: bar.update(task, completed=done), workers)
        )
    written = run_or_exit(lambda: write_dataset(to_dataset(responses, form, lang), out))
    for path in written:
        typer.echo(str(path))
