"""Helpers shared by the tests (importable as ``helpers``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


def run_answer_machines(
    db: str, folder: Path, env: dict[str, str], count: int
) -> tuple[list[int], int]:
    """Import a 60-card deck (from ``folder``) into ``db``, then two processes
    (``tests/reliability_worker.py answer``, seeds 1 and 2) answer ``count`` cards each
    at once, every fifth in practice; both must finish with all answers and not one
    "locked"/"busy" error. Returns the review ids they printed and how many answers were
    refused because the other had changed the card.
    """
    import re
    import subprocess
    import sys

    from reliability_worker import basic_deck

    from quizzer.collection import Collection
    from quizzer.store.db import dispose_engines

    deck = write_deck(folder, "duel.yaml", basic_deck("duel", 60))
    with Collection.open(db) as col:
        col.import_decks([deck])
        col.set_setting("leech_action", "tag")
        col.set_setting("new_per_day", 60)
        col.set_setting("maximum_interval", 30)  # cards keep coming back
    dispose_engines()

    worker = Path(__file__).with_name("reliability_worker.py")
    procs = [
        subprocess.Popen(
            [sys.executable, str(worker), "answer", db, "--seed", str(seed),
             "--count", str(count), "--practice-every", "5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in (1, 2)
    ]  # fmt: skip
    ids: list[int] = []
    changed = 0
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        lines = out.splitlines()
        match = re.fullmatch(r"done answered=(\d+) changed=(\d+) locked=(\d+)", lines[-1])
        assert match, lines[-1:]
        assert int(match[1]) == count
        assert int(match[3]) == 0, err  # not one "database is locked"
        changed += int(match[2])
        ids += [int(line) for line in lines[:-1]]
    return ids, changed


def run_env(home: Path) -> dict[str, str]:
    """An environment for running the CLI in a subprocess against ``home``."""
    env = dict(os.environ)
    env["QUIZZER_HOME"] = str(home)
    env.pop("QUIZZER_DB", None)
    env["NO_COLOR"] = "1"
    return env


class on_statements:
    """Call ``hook(cursor, statement)`` before each statement the driver runs on
    ``engine`` (``with on_statements(engine, hook):``), through the dialect's
    ``do_execute``, ``do_executemany`` and ``do_execute_no_params``: SQLAlchemy's
    sessions and the study loop's prepared statements (quizzer.store.direct) run theirs
    there. The hook may raise a driver error."""

    METHODS = ("do_execute", "do_executemany", "do_execute_no_params")

    def __init__(self, engine: Any, hook: Callable[[Any, str], None]):
        self.dialect, self.hook = engine.dialect, hook

    def _wrap(self, name: str) -> Callable[..., None]:
        original = getattr(type(self.dialect), name)
        dialect, hook = self.dialect, self.hook

        def run(cursor: Any, statement: str, *rest: Any) -> None:
            hook(cursor, statement)
            original(dialect, cursor, statement, *rest)

        return run

    def __enter__(self) -> on_statements:
        for name in self.METHODS:
            setattr(self.dialect, name, self._wrap(name))  # shadows the class's method
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.METHODS:
            delattr(self.dialect, name)
