"""`helpseek pull` and `helpseek status` through the CLI: an archive filled by several pulls (with
and without --purge) exports exactly like a store that was never pulled, withdrawals included;
status counts by day without a key (issue 14)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.store import (
    FILLER_JSON,
    PageRecord,
    StoredRecord,
    Tombstone,
    load_public_keys,
    new_record_id,
    open_store,
    seal_page,
)

PASSPHRASE = "correct horse battery"
FORM = """
| survey |
|        | type          | name | label::English (en) |
|        | select_one yn | stop | Want to stop?       |
|        | integer       | age  | Age                 |
| choices |
|         | list_name | name | label::English (en) |
|         | yn        | yes  | Yes                 |
|         | yn        | no   | No                  |
| settings |
|          | form_id | version |
|          | study   | 1       |
"""
CHECK = "ab" * 32  # the withdrawal check value r1's last page carries
DAYS = (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3))


def _phases(folder: Path) -> list[tuple[list[StoredRecord], list[StoredRecord]]]:
    """Three days of arrivals: (sealed records, tombstones) stored on each day."""
    recipients = load_public_keys([folder / "keys" / "public.key"])

    def sealed(plaintext: bytes) -> StoredRecord:
        return StoredRecord(new_record_id(), seal_page(plaintext, recipients))

    def page(rid: str, name: str, seq: int, answers: dict, on: date, **kw) -> StoredRecord:  # type: ignore[type-arg]
        record = PageRecord(
            rid, "study", "1", "en", name, seq, answers, (name,), on.isoformat(), 7, **kw
        )
        return sealed(record.to_json())  # fmt: skip

    d1, d2, d3 = DAYS
    return [
        (
            [page("r1", "stop", 1, {"stop": "no"}, d1), sealed(FILLER_JSON),
             page("r2", "stop", 1, {"stop": "no"}, d1), sealed(FILLER_JSON)],
            [],
        ),
        (
            [page("r1", "age", 2, {"age": 41}, d2, status="complete", withdrawal=CHECK),
             page("r2", "age", 2, {"age": 52}, d2, status="complete", withdrawal="cd" * 32),
             page("r3", "stop", 1, {"stop": "yes"}, d2), sealed(FILLER_JSON)],
            [],
        ),
        (
            [page("r4", "stop", 1, {}, d3), sealed(FILLER_JSON)],
            [sealed(Tombstone(CHECK, d3.isoformat()).to_json())],
        ),
    ]  # fmt: skip


def _store(url: str, on: date, records: list[StoredRecord], tombstones: list[StoredRecord]):  # type: ignore[no-untyped-def]
    with open_store(url, today=lambda: on) as store:
        assert store.append(records) == len(records)
        for n, tombstone in enumerate(tombstones):
            assert store.withdraw(bytes([n]) * 16, tombstone, date(2027, 1, 1))


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HELPSEEK_PASSPHRASE", PASSPHRASE)
    assert CliRunner().invoke(app, ["keys", "new", "--out", str(tmp_path / "keys")]).exit_code == 0
    (tmp_path / "form.md").write_text(FORM)
    return tmp_path


def _export(folder: Path, db: str, out: str) -> dict[str, bytes]:
    result = CliRunner().invoke(
        app,
        ["export", "--db", db, "--private-key", str(folder / "keys" / "private.key"),
         "--instrument", str(folder / "form.md"), "--out", str(folder / out)],
    )  # fmt: skip
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


def test_analyze__says_how_many_responses_export_left_out_as_withdrawn(folder: Path) -> None:
    never = f"sqlite:///{folder / 'never.db'}"
    for (records, tombstones), on in zip(_phases(folder), DAYS, strict=True):
        _store(never, on, records, tombstones)
    _export(folder, never, "data.csv")
    spec = folder / "spec.yaml"
    spec.write_text("outcomes: [{name: stop, positive: [yes]}]\n")
    result = CliRunner().invoke(
        app, ["analyze", "--data", str(folder / "data.csv"), "--spec", str(spec),
              "--instrument", str(folder / "form.md"), "--out", str(folder / "results")],
    )  # fmt: skip
    # (rich wraps long lines wherever it likes: compare without white space)
    said = "".join(result.stderr.split())
    expected = f"{folder / 'data.csv'}: 3 responses; 1 withdrawn by their respondents were left out"
    assert "".join(expected.split()) in said
