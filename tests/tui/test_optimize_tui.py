"""Optimize from the statistics screen: ``o`` fits FSRS parameters in a worker to the
history of the deck on screen (or the whole collection), shows the current and fitted
fit in a dialog, and saves them on yes; with too little history it says so without a
dialog. The history is a small generated CSV imported through the public API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_optimize import write_history
from textual.widgets import Static
from tui_helpers import (
    FIXED_NOW,
    compact,
    make_app,
    press,
    record_notifications,
    screen_text,
    settle,
    widget_text,
)

from quizzer.history import import_reviews


def parameters(col: Any, deck: str | None = None) -> tuple[Any, str]:
    row = next(s for s in col.settings(deck) if s.name == "parameters")
    return row.value, row.source


async def open_stats(pilot: Any) -> Any:
    from quizzer.tui.screens.stats import StatsScreen

    await settle(pilot)  # the deck list
    await press(pilot, "s")
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    assert screen.deck == "imported"  # the only deck: the history's
    return screen


async def test_optimize_saves_the_decks_parameters(tui_col: Any, tmp_path: Path) -> None:
    from quizzer.tui.dialogs.optimize import OptimizeDialog

    import_reviews(tui_col.store, write_history(tmp_path / "history.csv"), now=FIXED_NOW)
    expected = tui_col.optimize("imported")
    assert expected.enough and expected.better and expected.current and expected.fitted
    app = make_app(tui_col)
    notes = record_notifications(app)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_stats(pilot)
        # the fit of the parameters in use (fsrs-rs's defaults) is on the screen
        summary = widget_text(app, screen.query_one("#stats-summary", Static))
        assert compact(
            f"Parameters FSRS-6 defaults · log loss {expected.current.log_loss:.4f} · "
            f"RMSE(bins) {expected.current.rmse_bins:.4f} · {expected.items:,} items"
        ) in compact(summary)

        await press(pilot, "o")
        dialog = app.screen
        assert isinstance(dialog, OptimizeDialog)
        assert notes[-1] == "Fitting FSRS parameters to deck imported…"
        shown = compact(widget_text(app, dialog.query_one(".dialog")))
        assert compact("Save the fitted FSRS parameters?") in shown
        for name, fit in (("current", expected.current), ("fitted", expected.fitted)):
            assert compact(f"{name} {fit.log_loss:.4f} {fit.rmse_bins:.4f}") in shown
        assert compact(f"on the same {expected.items} items ({expected.reviews} reviews)") in shown
        assert compact("history of deck imported. Saved as that deck's own parameters") in shown
        assert parameters(tui_col, "imported")[1] == "default"  # nothing saved yet

        await press(pilot, "enter")  # Save has the focus
        assert app.screen is screen
        value, source = parameters(tui_col, "imported")
        assert source == "deck imported"
        assert value == pytest.approx(list(expected.fitted.parameters))
        assert parameters(tui_col)[1] == "default"  # the collection's are untouched
        assert notes[-1].startswith("Saved as deck imported's parameters;")
        # the screen now shows the fit of the saved parameters
        summary = widget_text(app, screen.query_one("#stats-summary", Static))
        assert compact(f"this deck's own · log loss {expected.fitted.log_loss:.4f}") in compact(
            summary
        )

        # all decks: the dialog is about the collection's parameters; cancel keeps them
        await press(pilot, "d")
        assert screen.deck is None
        await press(pilot, "o")
        assert isinstance(app.screen, OptimizeDialog)
        assert notes[-1] == "Fitting FSRS parameters to the whole collection…"
        assert compact("Fitted to the whole collection's history") in compact(screen_text(app))
        await press(pilot, "escape")
        assert app.screen is screen
        assert parameters(tui_col)[1] == "default"
        assert notes[-1] == "The fitted parameters were not saved."
        assert not screen.busy


async def test_optimize_with_too_little_history(tui_col: Any, tmp_path: Path) -> None:
    import_reviews(tui_col.store, write_history(tmp_path / "tiny.csv", cards=3), now=FIXED_NOW)
    app = make_app(tui_col)
    notes = record_notifications(app)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_stats(pilot)
        await press(pilot, "o")
        assert app.screen is screen  # no dialog
        assert notes[-1].startswith("Too little history to fit deck imported: 21 item(s), and ")
        assert notes[-1].endswith(
            "needs 33 (reviews on a later day than the card's previous one). Nothing was changed."
        )
        assert parameters(tui_col, "imported")[1] == "default"
        assert not screen.busy


async def test_a_failed_fit_is_said_not_left_evaluating(
    tui_col: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When evaluating or fitting fails (the child process can't start, the server is
    gone), the Parameters line says why and `o` says so and can be pressed again."""
    import_reviews(tui_col.store, write_history(tmp_path / "history.csv"), now=FIXED_NOW)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no process for you")

    monkeypatch.setattr(type(tui_col), "optimize", broken)
    app = make_app(tui_col)
    notes = record_notifications(app)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_stats(pilot)
        await settle(pilot)
        summary = compact(widget_text(app, screen.query_one("#stats-summary", Static)))
        assert compact("could not be evaluated: no process for you") in summary
        for _ in range(2):  # not stuck "busy"
            await press(pilot, "o")
            await settle(pilot)
            assert "Could not fit the parameters: no process for you" in notes[-1]
        assert not screen.busy
