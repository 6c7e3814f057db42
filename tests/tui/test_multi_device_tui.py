"""The review screen with several machines on one collection: a card answered on
another device, and a database server that can't be reached."""

from __future__ import annotations

from tui_helpers import (
    FIXED_NOW,
    make_app,
    open_review,
    press,
    record_notifications,
    screen_text,
    settle,
)

from quizzer.study.types import Rating


async def test_card_answered_on_another_device(tui_col, deck_dir, clock):
    col = tui_col
    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        shown = screen.card
        assert shown.key == "basic-rev"
        # meanwhile another machine answers the same card
        other = col.study("tui-demo", now=FIXED_NOW)
        card = other.next_card(now=FIXED_NOW)
        assert card is not None and card.id == shown.id
        other.answer(card, rating=Rating.EASY, now=FIXED_NOW)
        await press(pilot, "space", "3")
        assert "this card was answered on another device; showing the next card." in notes
        assert screen.card is not None and screen.card.id != shown.id  # moved on
        assert "Something went wrong" not in screen_text(app)  # no error dialog
    assert len(col.history(shown.id)) == 1  # only the other machine's answer


async def test_server_unreachable_keeps_the_answer(tui_col, deck_dir, clock, monkeypatch):
    from quizzer.errors import ServerUnreachable
    from quizzer.study import repo
    from quizzer.study import session as session_module

    col = tui_col
    app = make_app(col, [deck_dir], clock)
    notes = record_notifications(app)
    real = repo.answer_card

    def unreachable(*args, **kwargs):
        raise ServerUnreachable("cannot reach the database server at postgresql://me:***@db/q")

    monkeypatch.setattr(session_module, "RESEND_DELAYS", ())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_review(pilot, app)
        shown = screen.card
        monkeypatch.setattr(repo, "answer_card", unreachable)
        await press(pilot, "space", "3")
        assert any("not saved yet" in n for n in notes), notes
        assert screen.card.id == shown.id and screen.grade is not None  # still there
        assert "Something went wrong" not in screen_text(app)
        monkeypatch.setattr(repo, "answer_card", real)  # the server is back
        await press(pilot, "3")
        await settle(pilot)
        assert screen.card.id != shown.id
    assert len(col.history(shown.id)) == 1
