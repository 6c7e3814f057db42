"""Exports: ``quizzer stats --format json|csv|markdown`` and ``quizzer export
reviews|cards``, run as a user runs them and through :mod:`quizzer.stats.export`.

Every output is parsed back and compared with the API's numbers or with the test's own
log of the answers it gave. Deck text is hostile (spreadsheet formulas, markup), and
writes are interrupted to check that no half-written file is ever left behind.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pgdb
import pytest
from helpers import run_env, write_deck

from quizzer.collection import Collection
from quizzer.stats.export import CARD_COLUMNS, REVIEW_COLUMNS, export_cards, export_reviews
from quizzer.stats.files import atomic_writer, csv_cell, write_csv
from quizzer.stats.report import TABLES, markdown_report, table_rows

pytestmark = pytest.mark.backends

FORMULA = '=HYPERLINK("http://x")'
HOSTILE_TITLE = "=cmd|' /C calc'!A0"
HOSTILE = f"""\
deck: hostile
title: "{HOSTILE_TITLE}"
cards:
  - id: inj
    type: choice
    question: '{FORMULA}'
    choices: ["yes", "no"]
    answer: "yes"
  - id: plus
    front: "+1"
    back: plus
  - id: minus
    front: "-2+3"
    back: minus
  - id: at
    front: "@SUM(A1)"
    back: at
  - id: tab
    front: "\\tTabbed"
    back: tab
  - id: cr
    front: "\\rCarriage"
    back: carriage return
  - id: ty
    type: typed
    question: Two plus two?
    answer: "4"
  - id: markup
    front: "[@click=app.quit] [bold]x[/bold] | pipe"
    back: literal
"""
PLAIN = """\
deck: plain
title: Plain deck
cards:
  - id: p1
    front: A plain question
    back: A plain answer
  - id: p2
    front: Another plain question
    back: Another answer
"""
#: The prompts a spreadsheet would run, and what the export must write instead.
NEUTRALIZED = {
    FORMULA: "'" + FORMULA,
    "+1": "'+1",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\tTabbed": "'\tTabbed",
    "\rCarriage": "'\rCarriage",
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


@dataclass
class Logged:
    at: datetime
    key: str
    mode: str
    rating: int
    prior_state: int
    correct: bool | None
    duration_ms: int


@dataclass
class Exported:
    home: Path
    db: Path | str
    folder: Path
    log: list[Logged] = field(default_factory=list)
    reset_key: str = "plus"


def build(home: Path, folder: Path, db: Path | str) -> Exported:
    """Both decks, every hostile card studied (a few days ago, real time: the CLI
    computes at the real "now"), two practice answers and one reset."""
    data = Exported(home, db, folder)
    col = Collection.open(db)
    col.import_decks(
        [write_deck(folder, "hostile.yaml", HOSTILE), write_deck(folder, "plain.yaml", PLAIN)]
    )
    col.set_setting("timezone", "UTC")
    col.set_setting("fuzz", False)
    # fractions of a second, so the export's epoch milliseconds are checked exactly
    at = datetime.now(UTC).replace(hour=10, minute=0, microsecond=123_456) - timedelta(days=4)
    for mode, deck, limit in (("scheduled", "hostile", None), ("practice", "plain", 2)):
        session = col.study(deck, mode, limit=limit, now=at)
        for _ in range(40):
            card = session.next_card(now=at)
            if card is None:
                break
            response: Any = None
            rating: int | None = 3
            if card.type == "choice":
                response, rating = "yes", None
            elif card.type == "typed":
                response, rating = "5", 2  # wrong (suggests Again), overridden to Hard
            duration = 1500 + 100 * len(data.log)
            outcome = session.answer(
                card, response=response, rating=rating, duration_ms=duration, now=at
            )
            data.log.append(
                Logged(
                    at, card.key, mode, int(outcome.rating), card.state, outcome.correct, duration
                )
            )
            at += timedelta(seconds=61, microseconds=1_001)
    col.reset([col.card_id("hostile", data.reset_key)], now=at)
    col.close()
    return data


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[Exported]:
    base = tmp_path_factory.mktemp("export")
    home = base / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp, pgdb.database(backend, base / "export.db") as db:
        mp.setenv("QUIZZER_HOME", str(home))
        mp.delenv("QUIZZER_DB", raising=False)
        yield build(home, base / "decks", db)


@pytest.fixture
def ecol(exported: Exported):
    with Collection.open(exported.db) as col:
        yield col


def quizzer(data: Exported, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI against the export history, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "quizzer", "--db", str(data.db), *args],
        env=run_env(data.home),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=cwd,
    )


def no_leftovers(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


# -- the review export --------------------------------------------------------------------
def test_export_reviews_csv(exported: Exported, ecol: Collection, tmp_path: Path) -> None:
    out = tmp_path / "reviews.csv"
    run = quizzer(exported, "export", "reviews", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert f"wrote {len(exported.log)} reviews" in run.stderr
    text = out.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    # the FSRS optimizer's layout comes first, exactly
    assert header[:5] == [
        "card_id",
        "review_time",
        "review_rating",
        "review_state",
        "review_duration",
    ]
    assert header == REVIEW_COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    # oldest first, resets left out: exactly the answers given
    assert len(rows) == len(exported.log)
    ids = {(r.deck, r.key): r.id for r in ecol.browse()}
    for row, want in zip(rows, exported.log, strict=True):
        assert int(row["card_id"]) == ids[(row["deck"], want.key)]
        assert row["card_key"] == want.key
        assert int(row["review_time"]) == epoch_ms(want.at)  # epoch milliseconds, UTC
        assert int(row["review_rating"]) == want.rating
        assert int(row["review_state"]) == want.prior_state
        assert int(row["review_duration"]) == want.duration_ms
        assert row["mode"] == want.mode
        assert row["correct"] == {True: "1", False: "0", None: ""}[want.correct]
    times = [int(r["review_time"]) for r in rows]
    assert times == sorted(times)
    # the review ids and predictions are the collection's
    history = {h.id: h for c in ids.values() for h in ecol.history(c)}
    for row in rows:
        review = history[int(row["review_id"])]
        assert review.mode == row["mode"] and review.rating == int(row["review_rating"])
        assert row["suggested_rating"] == (
            "" if review.suggested is None else str(review.suggested)
        )
        if row["retrievability"]:
            assert 0 <= float(row["retrievability"]) <= 1
    no_leftovers(tmp_path)


def test_export_reviews_jsonl(exported: Exported, ecol: Collection) -> None:
    run = quizzer(exported, "export", "reviews", "--format", "jsonl")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert all(list(line) == REVIEW_COLUMNS for line in lines)
    # JSON Lines keep the reset, with rating 0
    resets = [line for line in lines if line["mode"] == "reset"]
    assert len(resets) == 1 and resets[0]["review_rating"] == 0
    assert resets[0]["card_key"] == exported.reset_key
    answers = [line for line in lines if line["mode"] != "reset"]
    assert [
        (a["card_key"], a["review_time"], a["review_rating"], a["review_duration"], a["mode"])
        for a in answers
    ] == [(e.key, epoch_ms(e.at), e.rating, e.duration_ms, e.mode) for e in exported.log]
    assert all(isinstance(a["review_rating"], int) for a in answers)
    assert {a["correct"] for a in answers} <= {0, 1, None}
    # --scheduled-only leaves out practice (and resets)
    run = quizzer(exported, "export", "reviews", "--format", "jsonl", "--scheduled-only")
    scheduled = [json.loads(line) for line in run.stdout.splitlines()]
    assert {s["mode"] for s in scheduled} == {"scheduled"}
    assert len(scheduled) == sum(e.mode == "scheduled" for e in exported.log)


def test_export_functions(exported: Exported, ecol: Collection) -> None:
    """The library functions: counts, filters, and the same rows as the CLI."""
    handle = io.StringIO()
    assert export_reviews(ecol.store, handle) == len(exported.log)
    via_cli = quizzer(exported, "export", "reviews").stdout
    assert handle.getvalue() == via_cli
    handle = io.StringIO()
    count = export_reviews(ecol.store, handle, "csv", deck="plain")
    assert count == sum(e.key in ("p1", "p2") for e in exported.log) == 2
    assert {r["deck"] for r in csv.DictReader(io.StringIO(handle.getvalue()))} == {"plain"}
    handle = io.StringIO()
    assert export_reviews(ecol.store, handle, "jsonl", scheduled_only=True) == sum(
        e.mode == "scheduled" for e in exported.log
    )
    handle = io.StringIO()
    assert export_cards(ecol.store, handle, "jsonl", deck="hostile") == 8
    cards = [json.loads(line) for line in handle.getvalue().splitlines()]
    assert all(list(c) == CARD_COLUMNS for c in cards)
    # JSON needs no neutralizing: the text is as written
    assert {c["prompt"] for c in cards} >= set(NEUTRALIZED)
    # an unknown deck is an error (it used to export nothing, silently)
    with pytest.raises(KeyError, match="no deck 'nope'"):
        export_reviews(ecol.store, io.StringIO(), deck="nope")
    with pytest.raises(KeyError, match="no deck 'nope'"):
        export_cards(ecol.store, io.StringIO(), deck="nope")


def test_export_cards_csv(exported: Exported, ecol: Collection, tmp_path: Path) -> None:
    out = tmp_path / "cards.csv"
    run = quizzer(exported, "export", "cards", "-o", str(out))
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == CARD_COLUMNS
    browse = {(r.deck, r.key): r for r in ecol.browse()}
    assert {(r["deck"], r["card_key"]) for r in rows} == set(browse)
    prompts = {r["card_key"]: r["prompt"] for r in rows}
    # formula-like text is neutralized with a leading ', other text is left alone
    hostile = {r.prompt: prompts[r.key] for r in browse.values() if r.prompt in NEUTRALIZED}
    assert hostile == NEUTRALIZED
    assert prompts["p1"] == "A plain question"
    assert prompts["markup"] == "[@click=app.quit] [bold]x[/bold] | pipe"
    for row in rows:
        card = browse[(row["deck"], row["card_key"])]
        # numeric columns stay numeric
        assert int(row["card_id"]) == card.id
        assert int(row["reps"]) == card.reps and int(row["lapses"]) == card.lapses
        if card.stability is not None:
            assert float(row["stability"]) == pytest.approx(card.stability)
        assert row["state"] in {"new", "learning", "review", "relearning"}
    assert {r["state"] for r in rows if r["deck"] == "plain"} == {"new"}


# -- stats in every format ----------------------------------------------------------------
def api_stats(col: Collection, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return col.stats(now=datetime.now(UTC), **kw), col.stats(now=datetime.now(UTC), **kw)


def same_stats(got: dict[str, Any], candidates: tuple[dict[str, Any], ...]) -> None:
    """``got`` equals the API's figures (taken around the run, in case a day turned)."""

    def strip(s: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in s.items() if k != "generated_at"}

    assert any(strip(got) == strip(c) for c in candidates), (strip(got), strip(candidates[0]))


def test_stats_json(exported: Exported, ecol: Collection, tmp_path: Path) -> None:
    before = ecol.stats(now=datetime.now(UTC))
    run = quizzer(exported, "stats", "--format", "json")
    after = ecol.stats(now=datetime.now(UTC))
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    same_stats(data, (before, after))
    assert data["version"] == 1
    assert data["cards"]["total"] == 10 and data["cards"]["new"] == 3  # p1, p2, reset card
    assert data["activity"]["total"]["practice"] == 2
    # to a file, with a deck filter
    out = tmp_path / "progress.json"
    run = quizzer(exported, "stats", "--format", "json", "--deck", "plain", "-o", str(out))
    assert run.returncode == 0 and f"wrote {out}" in run.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    same_stats(data, api_stats(ecol, deck="plain"))
    assert data["filters"]["deck"] == "plain" and data["cards"]["total"] == 2
    no_leftovers(tmp_path)


def test_stats_csv_tables(exported: Exported, ecol: Collection, tmp_path: Path) -> None:
    """Every table, each to its file in one folder, as the API's figures."""
    folder = tmp_path / "tables"
    folder.mkdir()
    options = [arg for name in TABLES for arg in ("--table", name)]
    before = ecol.stats(now=datetime.now(UTC))
    run = quizzer(exported, "stats", "--format", "csv", *options, "-o", str(folder))
    after = ecol.stats(now=datetime.now(UTC))
    assert run.returncode == 0, run.stderr
    assert f"wrote {len(TABLES)} tables" in run.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for table in TABLES:
        parsed = list(csv.reader((folder / f"{table}.csv").open(encoding="utf-8", newline="")))
        candidates = []
        for stats in (before, after):
            header, rows = table_rows(stats, table)
            cells = [["" if v is None else str(csv_cell(v)) for v in row] for row in rows]
            candidates.append([header, *cells])
        assert parsed in candidates, table
    decks = list(csv.DictReader((folder / "decks.csv").open(encoding="utf-8", newline="")))
    assert {d["title"] for d in decks} == {"'" + HOSTILE_TITLE, "Plain deck"}
    assert {int(d["cards"]) for d in decks} == {8, 2}  # numbers parse as numbers
    hardest = list(csv.DictReader((folder / "hardest.csv").open(encoding="utf-8", newline="")))
    assert hardest and all(
        not h["prompt"].startswith(("=", "+", "-", "@", "\t", "\r")) for h in hardest
    )
    assert any(h["prompt"] == "'" + FORMULA for h in hardest)
    retention = list(csv.DictReader((folder / "retention.csv").open(newline="")))
    assert [r["window"] for r in retention] == ["today", "7d", "30d", "365d"]
    assert all(float(r["desired_retention"]) == 0.9 for r in retention)


def test_stats_csv_default_table_to_stdout(exported: Exported, ecol: Collection) -> None:
    run = quizzer(exported, "stats", "--format", "csv")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert list(rows[0]) == ["date", "scheduled", "practice", "seconds", "review_answers", "passed"]
    assert sum(int(r["scheduled"]) for r in rows) == sum(
        e.mode == "scheduled" for e in exported.log
    )
    assert sum(float(r["seconds"]) for r in rows) == pytest.approx(
        sum(e.duration_ms for e in exported.log) / 1000, abs=0.2
    )


def test_several_tables_need_a_folder(exported: Exported, tmp_path: Path) -> None:
    args = ["stats", "--format", "csv", "--table", "calibration", "--table", "forecast"]
    run = quizzer(exported, *args)
    assert run.returncode == 1
    assert "several --table need --output" in run.stderr and "Traceback" not in run.stderr
    (tmp_path / "file.csv").write_text("x")
    run = quizzer(exported, *args, "-o", str(tmp_path / "file.csv"))
    assert run.returncode == 1 and (tmp_path / "file.csv").read_text() == "x"
    folder = tmp_path / "stats"
    folder.mkdir()
    run = quizzer(exported, *args, "-o", str(folder))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["calibration.csv", "forecast.csv"]
    calibration = list(csv.DictReader((folder / "calibration.csv").open(newline="")))
    assert len(calibration) == 10 and list(calibration[0]) == [
        "from",
        "to",
        "predicted",
        "actual",
        "count",
    ]
    forecast = list(csv.DictReader((folder / "forecast.csv").open(newline="")))
    assert len(forecast) == 30 and all(int(f["due"]) >= 0 for f in forecast)


def test_stats_markdown(exported: Exported, ecol: Collection, tmp_path: Path) -> None:
    out = tmp_path / "progress.md"
    run = quizzer(exported, "stats", "--format", "markdown", "-o", str(out))
    assert run.returncode == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    stats = ecol.stats(now=datetime.now(UTC))
    assert text.startswith("# quizzer progress — all decks\n")
    cards = stats["cards"]
    assert f"- **Cards:** {cards['total']} ({cards['new']} new," in text
    assert f"{stats['activity']['total']['practice']} practice" in text
    for section in ("Decks", "Retention", "Forecast", "Calibration", "Hardest cards"):
        assert f"\n## {section}\n" in text
    # deck text stays literal; a | is escaped so the table keeps its columns
    assert HOSTILE_TITLE.replace("|", "\\|") in text
    # the file is the report of the API's figures (but for the minute it was made)
    report = markdown_report(stats).rstrip("\n").splitlines()
    assert [
        line for line in text.rstrip("\n").splitlines() if not line.startswith("Generated ")
    ] == [line for line in report if not line.startswith("Generated ")]
    # control characters of deck text are shown as placeholders, never written raw
    assert "\r" not in text and "\t" not in text


def test_stats_table_output(exported: Exported) -> None:
    run = quizzer(exported, "stats")
    assert run.returncode == 0, run.stderr
    assert "Cards" in run.stdout and "Retention" in run.stdout
    assert "\x1b[" not in run.stdout  # NO_COLOR, not a terminal


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_bad_date_is_a_usage_error(exported: Exported, option: str) -> None:
    run = quizzer(exported, "stats", option, "2026-13-45")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert option in run.stderr and "2026-13-45" in run.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--deck", "nope"],
        ["stats", "--deck", "nope", "--format", "json"],
        ["export", "reviews", "--deck", "nope"],
        ["export", "cards", "--deck", "nope"],
    ],
    ids=["stats", "stats-json", "export-reviews", "export-cards"],
)
def test_unknown_deck_is_one_line_error(
    exported: Exported, args: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.txt"
    run = (
        quizzer(exported, *args, "-o", str(out))
        if args[0] == "export"
        else quizzer(exported, *args)
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == ["error: no deck 'nope'"]
    assert run.stdout == "" and not out.exists()
    no_leftovers(tmp_path)


def test_output_in_missing_folder(exported: Exported, tmp_path: Path) -> None:
    run = quizzer(exported, "export", "reviews", "-o", str(tmp_path / "nowhere" / "r.csv"))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


# -- atomic writes ------------------------------------------------------------------------
def cli(*args: str) -> None:
    from quizzer.cli import main

    main(list(args))


class Crash(RuntimeError):
    pass


def test_interrupted_review_export_leaves_no_file(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizzer.stats.export as export_module

    def half_then_crash(handle: Any, header: Any, rows: Any) -> int:
        write_csv(handle, header, [next(iter(rows))])  # the header and one row get out
        handle.flush()
        raise Crash("the disk went away")

    monkeypatch.setattr(export_module, "write_csv", half_then_crash)
    out = tmp_path / "reviews.csv"
    with pytest.raises(Crash):
        cli("--db", str(exported.db), "export", "reviews", "-o", str(out))
    assert not out.exists()
    no_leftovers(tmp_path)
    # an earlier export under that name is kept as it was
    out.write_text("the previous export\n")
    with pytest.raises(Crash):
        cli("--db", str(exported.db), "export", "reviews", "-o", str(out))
    assert out.read_text() == "the previous export\n"
    no_leftovers(tmp_path)


@pytest.mark.parametrize(
    ("error", "code"), [(KeyboardInterrupt(), 130), (OSError(28, "No space left on device"), 1)]
)
def test_interrupted_stats_export_leaves_no_file(
    exported: Exported,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    code: int,
) -> None:
    import quizzer.cli

    real_dump = json.dump

    def dump_then_fail(obj: Any, handle: Any, **kw: Any) -> None:
        real_dump(obj["cards"], handle, **kw)  # part of the document is written
        raise error

    monkeypatch.setattr(quizzer.cli.json, "dump", dump_then_fail)
    out = tmp_path / "progress.json"
    with pytest.raises(SystemExit) as exit_info:
        cli("--db", str(exported.db), "stats", "--format", "json", "-o", str(out))
    assert exit_info.value.code == code
    assert not out.exists()
    no_leftovers(tmp_path)
    assert "Traceback" not in capsys.readouterr().err


def test_interrupted_table_export_leaves_no_file(
    exported: Exported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizzer.stats.files as files

    calls = []
    real = files.write_csv

    def second_fails(handle: Any, header: Any, rows: Any) -> int:
        calls.append(header)
        if len(calls) == 2:
            handle.write("half,a,row\n")
            raise Crash("killed")
        return real(handle, header, rows)

    monkeypatch.setattr(files, "write_csv", second_fails)
    folder = tmp_path / "tables"
    folder.mkdir()
    with pytest.raises(Crash):
        cli(
            "--db", str(exported.db), "stats", "--format", "csv",
            "--table", "cards", "--table", "forecast", "-o", str(folder),
        )  # fmt: skip
    # the first table is complete, the interrupted one is not there at all
    assert sorted(p.name for p in folder.iterdir()) == ["cards.csv"]
    assert (folder / "cards.csv").read_text().startswith("state,cards\n")


def test_atomic_writer(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_writer(target) as handle:
        handle.write("complete\n")
        assert not target.exists()  # nothing under the final name until it is complete
    assert target.read_text() == "complete\n"
    with pytest.raises(Crash), atomic_writer(target) as handle:
        handle.write("partial")
        raise Crash
    assert target.read_text() == "complete\n"
    no_leftovers(tmp_path)
    with pytest.raises(FileNotFoundError), atomic_writer(tmp_path / "missing" / "x.txt"):
        pass
    assert sorted(os.listdir(tmp_path)) == ["home", "out.txt"]  # home: the test's own


def test_a_killed_exports_temporary_file_is_removed_by_the_next(tmp_path: Path) -> None:
    """A write killed before its rename leaves ``.NAME.*.tmp``: the next write of the same
    file removes it once a day old (a younger one may be another process's, still
    writing), and leaves other files alone."""
    target = tmp_path / "out.csv"
    stale = tmp_path / ".out.csv.k1ll3d.tmp"
    recent = tmp_path / ".out.csv.wr1t1ng.tmp"
    other = tmp_path / ".other.csv.k1ll3d.tmp"
    for path in (stale, recent, other):
        path.write_text("partial")
    old = time.time() - 2 * 24 * 3600
    for path in (stale, other):
        os.utime(path, (old, old))
    with atomic_writer(target) as handle:
        handle.write("complete\n")
    assert target.read_text() == "complete\n"
    assert not stale.exists() and recent.exists() and other.exists()


# -- CSV cells ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [*NEUTRALIZED, "=1+2", "-", "@", "+"])
def test_formula_cells_are_neutralized(text: str) -> None:
    assert csv_cell(text) == "'" + text
    handle = io.StringIO()
    write_csv(handle, ["text", "n"], [[text, -2]])
    (row,) = list(csv.DictReader(io.StringIO(handle.getvalue())))
    assert row["text"] == "'" + text


@pytest.mark.parametrize(
    "value", ["plain", "a=b", " =leading space", "'quoted", "", "1+1", 0, -2, -0.5, 3.25, True]
)
def test_other_cells_are_left_alone(value: Any) -> None:
    assert csv_cell(value) == value


def test_numbers_stay_numbers() -> None:
    handle = io.StringIO()
    write_csv(handle, ["rating", "delta", "ratio", "text", "none"], [[3, -2, -0.5, "-2", None]])
    line = handle.getvalue().splitlines()[1]
    assert line == "3,-2,-0.5,'-2,"  # negative numbers are neither prefixed nor quoted
    (row,) = list(csv.DictReader(io.StringIO(handle.getvalue())))
    assert int(row["rating"]) == 3 and int(row["delta"]) == -2 and float(row["ratio"]) == -0.5


def test_review_csv_numbers_parse(exported: Exported, ecol: Collection) -> None:
    handle = io.StringIO()
    export_reviews(ecol.store, handle)
    for row in csv.DictReader(io.StringIO(handle.getvalue())):
        for column in (
            "card_id",
            "review_time",
            "review_rating",
            "review_state",
            "review_duration",
        ):
            assert row[column].lstrip("-").isdigit(), (column, row[column])
        assert int(row["review_rating"]) in (1, 2, 3, 4)


@pytest.mark.parametrize("text", ["\rCarriage", "one\rtwo", "windows\r\nline ends", "a\nb"])
def test_line_breaks_in_text_round_trip(text: str) -> None:
    """A carriage return anywhere in a text cell used to be written bare (the csv
    module quotes only ``lineterminator``'s characters): readers split the row."""
    handle = io.StringIO()
    write_csv(handle, ["id", "text", "n"], [[1, text, -2], [2, "next", 3]])
    rows = list(csv.DictReader(io.StringIO(handle.getvalue(), newline="")))
    assert [r["text"] for r in rows] == [str(csv_cell(text)), "next"]
    assert [int(r["n"]) for r in rows] == [-2, 3]


def test_export_cards_flags_and_dates(tmp_path: Path) -> None:
    """Each card's flags and dates as the collection holds them: a suspended card, one
    buried until tomorrow's day start, one retired from its deck (kept, with its
    history), one reviewed (due and last review), and a new one (no dates)."""
    folder = tmp_path / "decks"
    full = "deck: flags\ntitle: Flags\ncards:\n" + "".join(
        f"  - id: c{i}\n    front: Question {i}\n    back: Answer {i}\n" for i in range(5)
    )
    deck = write_deck(folder, "flags.yaml", full)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with Collection.open(tmp_path / "c.db") as col:
        col.import_decks([deck])
        ids = {key: col.card_id("flags", key) for key in ("c0", "c1", "c2", "c3", "c4")}
        session = col.study("flags", now=now)
        card = session.next_card(now=now)
        assert card is not None and card.key == "c0"
        session.answer(card, rating=3, now=now)
        col.suspend([ids["c1"]])
        col.bury([ids["c2"]], now=now)
        write_deck(folder, "flags.yaml", full.replace("  - id: c3\n", "  - id: gone\n"))
        col.import_decks([deck])
        handle = io.StringIO()
        assert export_cards(col.store, handle, fmt="jsonl", deck="flags") == 6
        rows = {r["card_key"]: r for r in map(json.loads, handle.getvalue().splitlines())}
        browse = {r.key: r for r in col.browse("deck:flags", now=now)}
    flags = {k: (r["suspended"], r["retired"], r["leech"]) for k, r in rows.items()}
    assert flags == {
        "c0": (False, False, False),
        "c1": (True, False, False),
        "c2": (False, False, False),
        "c3": (False, True, False),
        "c4": (False, False, False),
        "gone": (False, False, False),
    }
    assert rows["c2"]["buried_until"] is not None
    assert datetime.fromisoformat(rows["c2"]["buried_until"]) > now
    assert [k for k, r in rows.items() if r["buried_until"]] == ["c2"]
    reviewed = rows["c0"]
    assert reviewed["state"] == "learning" and reviewed["reps"] == 1
    assert datetime.fromisoformat(reviewed["last_review"]) == now
    assert datetime.fromisoformat(reviewed["due"]) == browse["c0"].due > now
    assert all(r["due"] is None and r["last_review"] is None for k, r in rows.items() if k != "c0")
