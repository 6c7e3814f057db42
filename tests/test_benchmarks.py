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
