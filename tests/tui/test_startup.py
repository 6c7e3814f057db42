"""How the app starts: the deck list's first frame, and garbage collection held meanwhile."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import DataTable
from tui_helpers import make_app, screen_text, settle


@pytest.fixture
def gc_restored() -> Iterator[None]:
    """Leave the collector as the test found it (enabled, nothing frozen)."""
    yield
    from quizzer.startup import release_gc

    release_gc()
    gc.unfreeze()
    gc.enable()


def frames_of(app: Any) -> list[tuple[int, str]]:
    """Record, for every frame handed to the driver, the deck rows and the screen text."""
    frames: list[tuple[int, str]] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        tables = app.screen.query(DataTable)
        if renderable is not None and not app._batch_count and tables:
            frames.append((tables.first().row_count, screen_text(app)))

    app._display = display
    return frames


async def test_first_frame_of_the_deck_list_has_its_rows(tui_col, deck_dir, clock, monkeypatch):
    from quizzer.tui.screens import decks

    # The mechanism, not the budget: a loaded test machine may take longer than 0.15 s.
    monkeypatch.setattr(decks, "FIRST_COUNT_WAIT", 10.0)
    tui_col.import_decks([deck_dir])
    app = make_app(tui_col, [deck_dir], clock)
    frames = frames_of(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
    assert frames, "no frame was painted"
    rows, text = frames[0]
    assert rows == 1 and "TUI demo" in text, text


async def test_a_slow_first_count_paints_the_list_first_then_the_rows(
    tui_col, deck_dir, clock, monkeypatch
):
    from quizzer.tui.screens import decks

    tui_col.import_decks([deck_dir])
    original = tui_col.deck_counts
    calls: list[float] = []

    def slow_counts(*args: Any, **kwargs: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(decks.FIRST_COUNT_WAIT + 0.5)
        return original(*args, **kwargs)

    monkeypatch.setattr(tui_col, "deck_counts", slow_counts)
    app = make_app(tui_col, [deck_dir], clock)
    frames = frames_of(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "TUI demo" in screen_text(app)
    # The screen did not wait for the count beyond FIRST_COUNT_WAIT: an empty list came first.
    assert frames[0][0] == 0 and "TUI demo" not in frames[0][1]
    assert any(rows == 1 for rows, _ in frames)


async def test_collection_is_held_until_the_deck_list_is_painted(
    tui_col, deck_dir, clock, gc_restored
):
    from quizzer.startup import hold_gc

    tui_col.import_decks([deck_dir])
    app = make_app(tui_col, [deck_dir], clock)
    enabled_at_frames: list[bool] = []
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is not None and not app._batch_count:
            enabled_at_frames.append(gc.isenabled())

    app._display = display
    hold_gc()
    assert not gc.isenabled()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(100):
            if gc.isenabled():
                break
            await pilot.pause(0.02)
        assert gc.isenabled(), "collection never resumed"
    # The first frame (the one with the rows) was made with it held, the collection after.
    assert enabled_at_frames and enabled_at_frames[0] is False
    assert gc.get_freeze_count() > 0  # what start-up made was frozen


def test_release_leaves_a_collector_it_did_not_pause(gc_restored):
    from quizzer.startup import hold_gc, release_gc

    gc.disable()  # paused by someone else (an embedding program)
    hold_gc()
    release_gc()
    assert not gc.isenabled()
    gc.enable()
    hold_gc()
    assert not gc.isenabled()
    release_gc()
    assert gc.isenabled()
    release_gc()  # a second release changes nothing
    assert gc.isenabled()


def test_release_collects_start_up_garbage_before_freezing(gc_restored):
    """Frozen objects are never collected: garbage made while held must not be frozen."""
    import weakref

    from quizzer.startup import hold_gc, release_gc

    class Node:
        pass

    hold_gc()
    node = Node()
    node.self = node  # a cycle: only the collector frees it
    gone = weakref.ref(node)
    del node
    release_gc()
    assert gone() is None


async def test_start_up_work_runs_by_the_deadline_if_the_list_never_reports(
    tui_col, deck_dir, clock, gc_restored, monkeypatch
):
    """Should the deck list never say it was counted (its screen gone before its frame),
    the collector resumes and the start-up import runs anyway."""
    import quizzer.tui.app as app_module
    from quizzer.startup import hold_gc
    from quizzer.tui.screens.decks import DecksScreen

    monkeypatch.setattr(app_module, "START_UP_DEADLINE", 0.2)
    monkeypatch.setattr(DecksScreen, "_rows_painted", lambda self: None)
    app = make_app(tui_col, [deck_dir], clock)
    hold_gc()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app._start_import_done and not gc.isenabled()
        await pilot.pause(0.4)
        await settle(pilot)
        assert app._start_import_done and gc.isenabled()
        assert "TUI demo" in screen_text(app)  # the import's deck, counted once it ran
