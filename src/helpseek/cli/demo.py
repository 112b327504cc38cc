"""`helpseek demo`: the whole study on loopback, then the headline numbers and the report's path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from helpseek.cli.passphrase import PASSPHRASE_ENV, PassphraseFile, read_passphrase
from helpseek.cli.progress import progress_bars

if TYPE_CHECKING:  # the analysis stack loads in the command, not with every `helpseek` command
    from helpseek.analysis import AnalysisResult
    from helpseek.report.labels import Labels

#: Respondents the demo sends by default (issue 11). The study's 4,493 are its *analysed*
#: respondents: those who report using such material and pass screening. With the bundled truth
#: 86-87% of all respondents are (local walks: 4,508 of 5,225 at seed 1, 4,551 at seed 2), so
#: 4,493 / 0.867 = 5,190. At 5,190, seeds 1, 2, 3 analyse 4,515, 4,536 and 4,517, and each time
#: the study's three prevalences lie inside the 95% CIs (tests/cli/test_demo_sample.py, seed 1).
DEMO_N = 5190

_BAR_LABELS = {
    "help_us_help_you": "respondents (help_us_help_you)",
    "program_feedback": "programme participants (program_feedback)",
}


def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for keys, data, results and the report.", file_okay=False
        ),
    ] = Path("demo"),
    n: Annotated[
        int,
        typer.Option(
            "--n",
            help="Synthetic respondents of the main survey (the default gives about 4,493 "
            "analysed respondents, the study's sample).",
        ),
    ] = DEMO_N,
    programme_n: Annotated[
        int,
        typer.Option(
            "--programme-n", help="Synthetic self-help programme participants (program_feedback)."
        ),
    ] = 255,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Respondents answering at the same time.")
    ] = 256,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic respondents.")] = 1,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            help="How much faster than real time respondents (and the demo server's "
            "clock) move; 0 sends pages without pausing.",
        ),
    ] = 40.0,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Survey server worker processes (3 keep both cores of a 2-core machine busy).",
        ),
    ] = 3,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Run a complete synthetic study on this machine and write its report.

    Makes a research key pair (passphrase from --passphrase-file or HELPSEEK_PASSPHRASE, else
    generated and written to OUT/keys/passphrase.txt), starts the real survey server on
    127.0.0.1 with SQLite, sends N synthetic respondents and the programme participants through
    its pages, exports with the private key (.sav, .csv, codebook), screens, analyses with the
    bundled specs, and writes OUT/report.html and OUT/report.docx. The server is stopped at the
    end, also on Ctrl-C. Page durations are real: respondents pause, and the demo server's
    clock runs --time-scale times faster (the only difference from `helpseek serve`).

    Example: helpseek demo --out demo/ --n 5190 --concurrency 256 --seed 1
    """
    from helpseek.cli.demo_run import DemoOptions, Steps, run_demo
    from helpseek.cli.main import run_or_exit

    stderr = Console(stderr=True)
    passphrase = run_or_exit(lambda: read_passphrase(passphrase_file)) if passphrase_file else None
    options = DemoOptions(
        out,
        n,
        programme_n,
        concurrency,
        seed,
        passphrase or os.environ.get(PASSPHRASE_ENV) or None,
        time_scale,
        workers,
    )
    # On a terminal a bar per sample; in a log or a pipe a line at every 10 % (issue 16).
    with progress_bars(stderr) as bar:
        tasks: dict[str, int] = {}
        steps = Steps(
            say=lambda text: stderr.print(f"[demo] {text}", markup=False, highlight=False),
            start_bar=lambda name, total: tasks.setdefault(
                name, bar.add_task(_BAR_LABELS.get(name, name), total=total)
            ),
            advance=lambda name, k: bar.advance(tasks[name], k),
        )
        report = run_or_exit(lambda: run_demo(options, steps))
    if report.main_result is not None:
        typer.echo(headline(report.main_result, _labels(report.main_result)))
    for name, seconds in report.timings.items():
        stderr.print(f"[demo] {name}: {seconds:.1f} s", markup=False, highlight=False)
    # The pages each sample posted: with the collect time, the collector's page rate (issue 16).
    sent = ", ".join(f"{r.pages} ({name})" for name, r in report.drives.items())
    stderr.print(f"[demo] pages sent: {sent}", markup=False, highlight=False)
    if report.passphrase_file is not None:
        stderr.print(f"[demo] generated passphrase in {report.passphrase_file}", markup=False)
    typer.echo(f"report: {report.report}")


def headline(result: AnalysisResult, labels: Labels, strongest: int = 5) -> str:
    """Overall prevalences with their intervals, and the adjusted associations with the largest
    |log OR| among those with p < 0.05, as plain text lines, in the report's words."""
    lines = ["Prevalence (95% CI, " + (result.spec.proportion_ci or "wilson") + "):"]
    for p in result.prevalence:
        if p.group is None:
            ci = p.interval()
            lines.append(
                f"  {labels.variable(p.outcome)}: {100 * p.proportion:.1f}% "
                f"({100 * ci.low:.1f}–{100 * ci.high:.1f}), {p.events}/{p.denominator}"
            )
    terms = [
        (m.outcome, t)
        for m in result.models
        if m.kind == "multivariable" and m.missing == "complete"
        for t in m.terms
        if t.p < 0.05
    ]
    terms.sort(key=lambda pair: abs(pair[1].estimate), reverse=True)
    lines.append("Strongest adjusted associations (OR, 95% CI):")
    for outcome, t in terms[:strongest]:
        level = f": {labels.level(t.variable, t.level)}" if t.level else ""
        reference = f" (vs {labels.level(t.variable, t.reference)})" if t.reference else ""
        lines.append(
            f"  {labels.variable(outcome)}: {labels.variable(t.variable)}{level}{reference} "
            f"OR {t.odds_ratio:.2f} ({_exp(t.ci_low):.2f}–{_exp(t.ci_high):.2f}), "
            f"p {'< 0.001' if t.p < 0.001 else f'= {t.p:.3f}'}"
        )
    if not terms:
        lines.append("  none with p < 0.05")
    return "\n".join(lines)


def _labels(result: AnalysisResult) -> Labels:
    """The report's labels for the main analysis: the questionnaire's, then the spec's."""
    from helpseek.cli.demo_run import MAIN
    from helpseek.instrument import load_instrument
    from helpseek.report.labels import labels_from

    return labels_from([load_instrument(MAIN)], result.to_dict()["settings"])


def _exp(value: float) -> float:
    import math

    return math.exp(value) if value < 700 else math.inf
