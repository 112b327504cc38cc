"""`helpseek pull` and `helpseek status` through the CLI: an archive filled by several pulls (with
and without --purge) exports exactly like a store that was never pulled, withdrawals included;
status counts by day without a key (issue 14)."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.store import FILLER_JSON, PageRecord, StoredRecord, Tombstone, open_store

from .sealed_store import export_args, sealed, survey_folder

CHECK = "ab" * 32  # the withdrawal check value r1's last page carries
DAYS = (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3))


def _phases(folder: Path) -> list[tuple[list[StoredRecord], list[StoredRecord]]]:
    """Three days of arrivals: (sealed records, tombstones) stored on each day."""

    def page(rid: str, name: str, seq: int, answers: dict, on: date, **kw) -> StoredRecord:  # type: ignore[type-arg]
        record = PageRecord(
            rid, "study", "1", "en", name, seq, answers, (name,), on.isoformat(), 7, **kw
        )
        return sealed(folder, record.to_json())  # fmt: skip

    d1, d2, d3 = DAYS
    return [
        (
            [page("r1", "stop", 1, {"stop": "no"}, d1), sealed(folder, FILLER_JSON),
             page("r2", "stop", 1, {"stop": "no"}, d1), sealed(folder, FILLER_JSON)],
            [],
        ),
        (
            [page("r1", "age", 2, {"age": 41}, d2, status="complete", withdrawal=CHECK),
             page("r2", "age", 2, {"age": 52}, d2, status="complete", withdrawal="cd" * 32),
             page("r3", "stop", 1, {"stop": "yes"}, d2), sealed(folder, FILLER_JSON)],
            [],
        ),
        (
            [page("r4", "stop", 1, {}, d3), sealed(folder, FILLER_JSON)],
            [sealed(folder, Tombstone(CHECK, d3.isoformat()).to_json())],
        ),
    ]  # fmt: skip


def _store(url: str, on: date, records: list[StoredRecord], tombstones: list[StoredRecord]):  # type: ignore[no-untyped-def]
    with open_store(url, today=lambda: on) as store:
        assert store.append(records) == len(records)
        for n, tombstone in enumerate(tombstones):
            assert store.withdraw(bytes([n]) * 16, tombstone, date(2027, 1, 1))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return survey_folder(tmp_path, monkeypatch)


def _export(folder: Path, db: str, out: str) -> dict[str, bytes]:
    result = CliRunner().invoke(app, export_args(folder, out, db=db))
    assert result.exit_code == 0, result.stderr
    stem = out.removesuffix(".csv")
    return {
        name: (folder / name).read_bytes()
        for name in (out, f"{stem}.codebook.json", f"{stem}.codebook.md")
    }


def test_export_of_an_archive_after_three_pulls__equals_export_of_a_store_never_pulled(
    folder: Path,
) -> None:
    never, collector, archive = (
        f"sqlite:///{folder / n}.db" for n in ("never", "collector", "archive")
    )
    runner = CliRunner()
    said: list[str] = []
    # Given the same arrivals stored in one store never pulled, and on a collector pulled each day
    # (only copied, then only copied again: the second reads only that day's rows, then purged)
    for (records, tombstones), on, purge in zip(_phases(folder), DAYS, (False, False, True)):
        _store(never, on, records, tombstones)
        _store(collector, on, records, tombstones)
        args = ["pull", "--db", collector, "--into", archive, "--batch-size", "2"]
        result = runner.invoke(app, args + (["--purge"] if purge else []))
        assert result.exit_code == 0, result.stderr
        said.append(result.stdout)
    # (the second day's pull read that day's 4 records only, not the 4 pulled the day before)
    assert "records: 4 read, 4 copied, 0 already in the archive" in said[1], said[1]
    assert "tombstones: 1 read, 1 copied, 0 already in the archive, 1 verified (SHA-256), 1 " \
        "purged from the collector" in result.stdout  # fmt: skip
    # Then the collector holds nothing, and the two exports are byte for byte the same
    with open_store(collector) as store:
        assert (store.count_records(), store.count_tombstones()) == (0, 0)
    expected = _export(folder, never, "never.csv")
    got = _export(folder, archive, "archive.csv")
    assert got["archive.csv"] == expected["never.csv"]
    assert got["archive.codebook.md"] == expected["never.codebook.md"]
    assert b'"withdrawn": 1' in got["archive.codebook.json"]
    # And r1, withdrawn by the tombstone that arrived after its pages were pulled, is left out
    rows = got["archive.csv"].decode().splitlines()
    assert sorted(r.split(",")[0] for r in rows[1:]) == ["r2", "r3", "r4"]
    r2 = next(csv.DictReader(rows[:1] + [r for r in rows if r.startswith("r2,")]))
    assert (r2["status"], r2["stop"], r2["age"], r2["submitted_on"]) == (
        "complete",
        "no",
        "52",
        "2026-12-02",
    )


def test_status__by_day_pulled_and_oldest_unpulled__without_a_key(folder: Path) -> None:
    collector, archive = (f"sqlite:///{folder / n}.db" for n in ("collector", "archive"))
    phases = _phases(folder)
    runner = CliRunner()
    _store(collector, DAYS[0], *phases[0])
    assert runner.invoke(app, ["pull", "--db", collector, "--into", archive]).exit_code == 0
    _store(collector, DAYS[1], *phases[1])
    _store(collector, DAYS[2], *phases[2])
    result = runner.invoke(app, ["status", "--db", collector])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "sealed records: 10 (4 pulled and kept); tombstones: 1" in lines
    assert any(line.startswith("oldest record not pulled: 2026-12-02") for line in lines)
    table = [line.split() for line in lines[lines.index("") + 2 :]]
    assert table == [
        ["2026-12-01", "4", "4", "0"],
        ["2026-12-02", "4", "0", "0"],
        ["2026-12-03", "2", "0", "1"],
    ]


def test_pull_and_status__missing_collector__exit_1_store_010_nothing_created(folder: Path) -> None:
    missing = f"sqlite:///{folder / 'nope.db'}"
    for args in (["pull", "--db", missing, "--into", f"sqlite:///{folder / 'a.db'}"],
                 ["status", "--db", missing]):  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1 and "[STORE-010]" in result.stderr
    assert not (folder / "nope.db").exists() and not (folder / "a.db").exists()


def _analyze_and_report(folder: Path, data: Path) -> tuple[str, dict, str]:  # type: ignore[type-arg]
    """Run `analyze` then `report` on an exported data file: (analyze's stderr without white
    space, results.json, the report's text without tags and white space)."""
    spec = folder / "spec.yaml"
    spec.write_text("outcomes: [{name: stop, positive: [yes]}]\n")
    out = folder / f"results-{data.stem}"
    result = CliRunner().invoke(
        app, ["analyze", "--data", str(data), "--spec", str(spec),
              "--instrument", str(folder / "form.md"), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    html = folder / f"report-{data.stem}.html"
    report = CliRunner().invoke(app, ["report", "--results", str(out), "--out", str(html)])
    assert report.exit_code == 0, report.stderr
    text = lxml.html.fromstring(html.read_bytes()).text_content()
    # (rich wraps long lines wherever it likes: compare without white space)
    results = json.loads((out / "results.json").read_text())
    return "".join(result.stderr.split()), results, "".join(text.split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("withdrawn", [1, 0])
def test_analyze_and_report__state_how_many_responses_export_left_out_as_withdrawn(
    folder: Path, withdrawn: int
) -> None:
    # Given an export of a store where one response was withdrawn (or none: no tombstone)
    never = f"sqlite:///{folder / 'never.db'}"
    for (records, tombstones), on in zip(_phases(folder), DAYS, strict=True):
        _store(never, on, records, tombstones[:withdrawn])
    _export(folder, never, "data.csv")
    rows = (folder / "data.csv").read_text().splitlines()
    assert len(rows) - 1 == 4 - withdrawn  # r1..r4, less the withdrawn r1
    # When it is analysed and reported
    said, results, report = _analyze_and_report(folder, folder / "data.csv")
    # Then analyze, results.json and the report's methods all give the number, 0 included
    expected = f"{folder / 'data.csv'}: {4 - withdrawn} responses; {withdrawn} withdrawn by " \
        "their respondents were left out at export (codebook)"  # fmt: skip
    assert _squeezed(expected) in said
    assert [i["withdrawn"] for i in results["inputs"]] == [withdrawn]
    sentence = "Responses withdrawn by their respondents (withdrawal codes) and left out at " \
        f"export: n = {withdrawn}."  # fmt: skip
    assert _squeezed(sentence) in report


def test_analyze_and_report__no_codebook_says__withdrawn_count_not_known_never_0(
    folder: Path,
) -> None:
    # Given data whose export does not say how many were withdrawn (codebook without the count,
    # as before withdrawal codes existed)
    never = f"sqlite:///{folder / 'never.db'}"
    for (records, tombstones), on in zip(_phases(folder), DAYS, strict=True):
        _store(never, on, records, tombstones)
    _export(folder, never, "old.csv")
    book = folder / "old.codebook.json"
    content = json.loads(book.read_text())
    del content["withdrawn"]
    book.write_text(json.dumps(content))
    said, results, report = _analyze_and_report(folder, folder / "old.csv")
    assert _squeezed("how many were withdrawn by their respondents is not known") in said
    assert [i["withdrawn"] for i in results["inputs"]] == [None]
    assert _squeezed("left out at export: not known for old.csv") in report
    assert "n=0." not in report.split("withdrawalcodes")[1][:40]
