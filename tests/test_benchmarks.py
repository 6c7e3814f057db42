"""The benchmark data generator makes collections the engine itself would accept."""

from __future__ import annotations

import sys
from pathlib import Path

from helpers import REPO

sys.path.insert(0, str(REPO))

from benchmarks.data import build_collection, write_deck
from quizzer.collection import Collection
from quizzer.deck import read_deck
from quizzer.maintenance import doctor


def test_generated_deck_is_valid(tmp_path: Path) -> None:
    result = read_deck(write_deck(tmp_path / "d.yaml", 60))
    assert result.errors == []
    assert len(result.deck.notes) == 60


def test_bulk_history_replays_exactly(tmp_path: Path) -> None:
    built = build_collection(tmp_path / "b.db", tmp_path, cards=60, reviews=400, days=90)
    assert built["reviews"] > 100
    col = Collection.open(built["db"])
    report = doctor(col, repair=False)
    assert report.found == []


def test_collection_has_the_requested_cards(tmp_path: Path) -> None:
    built = build_collection(tmp_path / "c.db", tmp_path, cards=80, reviews=100, days=30)
    assert built["cards"] in (80, 81)  # the last note may make two cards
    assert built["reviews"] == 100


def test_anki_reference_skips_with_a_note(monkeypatch) -> None:
    from benchmarks.__main__ import table
    from benchmarks.measures import SKIPPED, _anki, _result

    monkeypatch.delenv("QUIZZER_ANKI_PYTHON", raising=False)
    runs, why = _anki(10, 0)
    assert runs == [] and "QUIZZER_ANKI_PYTHON" in why
    monkeypatch.setenv("QUIZZER_ANKI_PYTHON", "/nonexistent/python")
    assert "does not exist" in _anki(10, 0)[1]
    rows = [
        _result(
            "answer", {"median": 1.0, "p95": 1.0, "p99": 1.0, "n": 3}, None, "Anki", 1.0, note=why
        ),
        _result(
            "rss",
            {"median": 90.0, "p95": 90.0, "p99": 90.0, "n": 1},
            None,
            "",
            250,
            unit="MB",
            absolute=True,
        ),
        _result("answer_pg", dict(SKIPPED), None, "SQLite", None, note="skipped"),
    ]
    assert rows[1]["met"] is True and rows[0]["met"] is None
    text = table(rows)
    assert "≤250 MB" in text and "skipped" in text


def test_builds_are_the_same_rows(tmp_path: Path) -> None:
    """Two builds make the same year of reviews: the collection's fuzz seed, random for
    a collection the app makes, is fixed for the benchmarks' (it was random there too,
    so each run studied another backlog)."""
    import sqlite3

    rows = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        built = build_collection(
            tmp_path / f"{name}.db", tmp_path / name, cards=60, reviews=400, days=90
        )
        Collection.open(built["db"]).close()
        with sqlite3.connect(built["db"]) as raw:
            rows.append(
                (
                    raw.execute(
                        "SELECT id, state, stability, difficulty, due, last_review, reps"
                        " FROM cards ORDER BY id"
                    ).fetchall(),
                    raw.execute(
                        "SELECT card_id, reviewed_at, rating, state_before, retrievability"
                        " FROM reviews ORDER BY id"
                    ).fetchall(),
                )
            )
    assert rows[0][1] and rows[0] == rows[1]
