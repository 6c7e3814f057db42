"""Shared fixtures: every test gets its own quizzer home, database and clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import NOW  # noqa: F401  (re-exported for fixtures)


@pytest.fixture(autouse=True)
def quizzer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point QUIZZER_HOME at a fresh folder and forget any QUIZZER_DB."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("QUIZZER_HOME", str(home))
    monkeypatch.delenv("QUIZZER_DB", raising=False)
    yield home
    from quizzer.store.db import dispose_engines

    dispose_engines()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file path in the test's folder (not created yet)."""
    return tmp_path / "test.db"


@pytest.fixture
def col(db_path: Path):
    """An open, empty collection."""
    from quizzer.collection import Collection

    with Collection.open(db_path) as collection:
        yield collection
