"""Fixtures for the Textual app tests.

Every test gets a collection with a fixed seed, UTC days and no fuzz, a controllable
clock, and a deck with one card of each type. ``async def`` tests are run with
``asyncio.run`` (no asyncio plugin is needed) under a timeout, so a stuck app fails
instead of hanging the suite. Nothing here ever starts a real editor: ``$VISUAL`` and
``$EDITOR`` point at a harmless no-op unless a test sets the fake editor.
"""

from __future__ import annotations

import asyncio
import inspect
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import ASYNC_TIMEOUT, DEMO_DECK, Clock, prepare_collection


# -- running async tests ---------------------------------------------------------------
@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop, with a timeout."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}

    async def run() -> None:
        await asyncio.wait_for(pyfuncitem.obj(**kwargs), ASYNC_TIMEOUT)

    asyncio.run(run())
    return True


# -- fixtures --------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def no_real_editor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never start vi: the default editor is a no-op that succeeds."""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} -c pass")


@pytest.fixture
def clock() -> Clock:
    """A clock standing at FIXED_NOW."""
    return Clock()


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    """A folder holding ``demo.yaml`` (DEMO_DECK)."""
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "demo.yaml").write_text(DEMO_DECK, encoding="utf-8")
    return folder


@pytest.fixture
def tui_col(db: Path | str) -> Iterator[Any]:
    """An empty collection with stable numbers: UTC days, no fuzz, a fixed seed. On
    SQLite, or on both backends in a module marked ``@pytest.mark.backends``."""
    from quizzer.collection import Collection

    with Collection.open(db) as col:
        prepare_collection(col)
        yield col
