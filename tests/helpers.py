"""Helpers shared by the tests (importable as ``helpers``)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BUNDLED = REPO / "decks"

#: A fixed "now" for tests where exact values matter.
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def write_deck(folder: Path, name: str, text: str) -> Path:
    """Write deck ``text`` to ``folder/name`` and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_env(home: Path) -> dict[str, str]:
    """An environment for running the CLI in a subprocess against ``home``."""
    env = dict(os.environ)
    env["QUIZZER_HOME"] = str(home)
    env.pop("QUIZZER_DB", None)
    env["NO_COLOR"] = "1"
    return env
