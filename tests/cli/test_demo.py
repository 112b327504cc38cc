"""`helpseek demo` end to end at a small N: real keys, a real server over HTTP, export, screening,
analysis and the report; the report's numbers are those of results.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from lxml import html
from typer.testing import CliRunner

from helpseek.cli.demo_run import _prepare
from helpseek.cli.demo_server import running_server
from helpseek.cli.main import app
from helpseek.data import unseal_all
from helpseek.report.formatting import fmt_count, fmt_percent_ci
from helpseek.settings import Settings
from helpseek.store import generate_research_keypair, load_private_key, open_store

SECTIONS = {
    "sample-flow",
    "prevalence-section",
    "table1-section",
    "table2-section",
    "forest-section",
    "diagnostics-section",
    "methods",
    "cherries",
    "reproducibility",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One demo run: 200 respondents and 20 programme participants, pages sent without pauses.

    (200, not 40: with fewer, the multivariable models have fewer complete cases than terms.)
    """
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--out",
            str(out),
            "--n",
            "200",
            "--programme-n",
            "20",
            "--seed",
            "1",
            "--time-scale",
            "0",
            "--concurrency",
            "8",
        ],
        env={"HELPSEEK_PASSPHRASE": "correct horse battery staple"},
    )
    assert result.exit_code == 0, result.output
    return out, result.stdout, result.stderr


def test_demo__writes_data_results_and_a_report_without_script(demo: tuple[Path, str, str]) -> None:
    out, stdout, _ = demo
    # Then the data of both samples, three analyses and the report are there
    for name in ("main.sav", "main.csv", "main.codebook.json", "programme.sav", "programme.csv"):
        assert (out / "data" / name).exists(), name
    for folder in ("main", "programme", "comparison"):
        assert (out / "results" / folder / "results.json").exists(), folder
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<svg" not in text.lower()
    assert (out / "report.docx").exists()
    assert f"report: {out / 'report.html'}" in stdout
    # And the passphrase came from the environment, so none was written
    assert not (out / "keys" / "passphrase.txt").exists()


def test_demo__report_has_every_section_and_both_further_samples(
    demo: tuple[Path, str, str],
) -> None:
    out, _, _ = demo
    tree = html.fromstring((out / "report.html").read_bytes())
    ids = set(tree.xpath("//section/@id | //footer/@id"))
    assert SECTIONS <= ids
    assert len(tree.xpath("//section[contains(@class, 'supplement')]")) == 2


def test_demo__report_and_headline_prevalences_equal_results_json(
    demo: tuple[Path, str, str],
) -> None:
    out, stdout, _ = demo
    results = json.loads((out / "results" / "main" / "results.json").read_text())
    tree = html.fromstring((out / "report.html").read_bytes())
    rows = tree.xpath("//section[@id='prevalence-section']//tr[@data-outcome]")
    cells = {
        (r.get("data-outcome"), r.get("data-group")): [
            c.text_content().strip() for c in r.xpath("td")
        ]
        for r in rows
    }
    for record in results["prevalence"]:
        if record.get("group") is not None:
            continue
        # Then the report shows n, denominator and % (CI) exactly as results.json has them
        shown = cells[(record["outcome"], None)]
        expected = [
            fmt_count(record["n"]),
            fmt_count(record["denominator"]),
            fmt_percent_ci(record["proportion"], record["ci_low"], record["ci_high"]),
        ]
        assert shown[-3:] == expected
        # And the headline printed by the demo has the same numbers
        share = f"{100 * record['proportion']:.1f}% ({100 * record['ci_low']:.1f}–{100 * record['ci_high']:.1f})"
        assert f"{share}, {record['n']}/{record['denominator']}" in stdout


def test_demo__stderr_not_a_terminal__progress_as_plain_lines(
    demo: tuple[Path, str, str],
) -> None:
    # Given the demo's stderr captured (not a terminal), Then each sample's progress is a line at
    # 0 %, at every 10 % and at the end, with the counts of respondents done
    _, _, stderr = demo
    lines = [line.split(", ")[0] for line in stderr.splitlines() if line.startswith("respondents")]
    assert lines[0] == "respondents (help_us_help_you): 0/200 (0%)"
    assert lines[-1] == "respondents (help_us_help_you): 200/200 (100%)"
    percents = [int(line.rsplit("(", 1)[1].rstrip("%)")) for line in lines]
    assert percents == sorted(percents) and len(percents) >= 11
    assert "programme participants (program_feedback): 20/20 (100%)" in stderr


def test_prepare__folder_of_an_earlier_demo__is_cleared_of_its_outputs_only(tmp_path: Path) -> None:
    # Given a folder where a demo ran before, plus a file of the user's
    out = tmp_path / "demo"
    _prepare(out)
    (out / "report.html").write_text("old report")
    (out / "data").mkdir()
    (out / "data" / "main.csv").write_text("old data")
    (out / "notes.txt").write_text("mine")
    # When a new demo prepares it
    _prepare(out)
    # Then the earlier outputs are gone and the user's file is kept
    assert sorted(p.name for p in out.iterdir()) == [".helpseek-demo", "notes.txt"]


def test_demo__folder_with_other_files__is_refused_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("mine")
    result = CliRunner().invoke(
        app, ["demo", "--out", str(tmp_path), "--n", "5"], env={"HELPSEEK_PASSPHRASE": "x"}
    )
    assert result.exit_code == 1
    assert "[SYNTH-012]" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_running_server__error_inside__stops_the_server(tmp_path: Path) -> None:
    # Given the demo server running with a real key
    key = generate_research_keypair()
    (tmp_path / "public.key").write_text(key.public_key + "\n")
    settings = Settings(
        f"sqlite:///{tmp_path / 'r.db'}",
        (tmp_path / "public.key",),
        ("program_feedback",),
        secret_key_file=tmp_path / "s.secret",
    )
    url = ""
    # When the work inside fails
    with (
        pytest.raises(RuntimeError),
        running_server(settings, 1.0, tmp_path / "server.log") as server,
    ):
        url = server.base_url
        assert httpx.get(f"{url}/").status_code == 200
        raise RuntimeError("interrupted")
    # Then nothing listens any more
    assert re.match(r"http://127\.0\.0\.1:\d+$", url)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/", timeout=2.0)


def test_headline__names_variables_and_levels_with_labels_not_codes() -> None:
    import importlib.util

    from helpseek.analysis import load_spec, run_analysis
    from helpseek.cli.demo import headline
    from helpseek.instrument import load_instrument
    from helpseek.quality import options_for, screen
    from helpseek.report.labels import labels_from

    spec_file = Path(__file__).parents[1] / "analysis" / "survey_frame.py"
    module_spec = importlib.util.spec_from_file_location("survey_frame", spec_file)
    assert module_spec is not None and module_spec.loader is not None
    survey_frame = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(survey_frame)
    # Given the bundled analysis of an export of the bundled questionnaire
    form, spec = load_instrument("help_us_help_you"), load_spec("help_seeking")
    table = survey_frame.make_survey_frame(1500, seed=2)
    frame = screen(table, options_for(form, spec.screening_options), form).frame
    result = run_analysis(frame, spec)
    # When the demo prints its headline
    text = headline(result, labels_from([form], result.to_dict()["settings"]))
    lines = text.splitlines()
    associations = lines[lines.index("Strongest adjusted associations (OR, 95% CI):") + 1 :]
    # Then every association names the characteristic, level and reference as the report does
    assert len(associations) == 5
    for line in associations:
        match = re.match(r"^  ([^:]+): ([^:]+): (.+) \(vs (.+)\) OR \d", line)
        assert match, line
        assert "_" not in line and " = " not in line.split(" OR ")[0]
    # And the strongest one reads as the spec and the questionnaire name it
    outcome, top = max(
        (
            (m.outcome, t)
            for m in result.models
            if m.kind == "multivariable" and m.missing == "complete"
            for t in m.terms
            if t.p < 0.05
        ),
        key=lambda pair: abs(pair[1].estimate),
    )

    def answer(level: str) -> str:
        if "__" in top.variable:
            return {"0": "No", "1": "Yes"}[level]
        return next(c for c in form.question(top.variable).choices if c.name == level).label.get(
            "en"
        )

    words = f"{spec.label(outcome)}: {spec.label(top.variable)}: {answer(top.level)}"
    assert associations[0].startswith(f"  {words} (vs {answer(top.reference)}) OR ")


def test_demo__pages_sent__equal_the_page_records_in_the_store(
    demo: tuple[Path, str, str],
) -> None:
    # Given the demo's line of pages sent per sample (the collector's page rate is built on it)
    out, _, stderr = demo
    line = next(s for s in stderr.splitlines() if s.startswith("[demo] pages sent: "))
    sent = {
        name: int(count)
        for count, name in re.findall(r"(\d+) \((\w+)\)", line.removeprefix("[demo] pages sent: "))
    }
    # Then it names both samples, and their sum is the number of page records the store holds
    assert set(sent) == {"help_us_help_you", "program_feedback"}
    identity = load_private_key(out / "keys" / "private.key", "correct horse battery staple")
    with open_store(f"sqlite:///{out / 'responses.db'}", must_exist=True) as store:
        records = unseal_all(store, identity)
    assert sum(sent.values()) == len(records)
    by_form = {name: sum(r.form_id == name for r in records) for name in sent}
    assert by_form == sent
