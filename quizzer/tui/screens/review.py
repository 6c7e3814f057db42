"""The review screen: one card at a time, answered, graded, rated.

Writing an answer and fetching the next card run in a thread worker, so the screen
never waits on the disk; every answer is committed before the next card appears, so
quitting at any moment loses nothing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, ProgressBar, Static
from textual.worker import get_current_worker

from quizzer.errors import ServerUnreachable
from quizzer.study.types import CardChanged, CardView, Grade, Rating, Verdict
from quizzer.tui.safe import markdown, plain
from quizzer.tui.widgets.answers import (
    ChoiceAnswer,
    OrderAnswer,
    Submitted,
    TypedAnswer,
    answer_kind,
    new_answer,
)
from quizzer.tui.widgets.card_text import CardText
from quizzer.tui.widgets.footer import KeyFooter
from quizzer.tui.widgets.rating_bar import RatingBar

if TYPE_CHECKING:
    from quizzer.study.session import StudySession
    from quizzer.tui.app import QuizzerApp

__all__ = ["ReviewScreen"]

_STATE_LABEL = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
_VERDICT_STYLE = {
    Verdict.CORRECT: ("✓ Correct", "bold green"),
    Verdict.ALMOST: ("≈ Almost", "bold yellow"),
    Verdict.WRONG: ("✗ Incorrect", "bold red"),
    Verdict.SELF: ("Answer", "bold"),
}


#: Seconds between tries to reach the database server again.
RECONNECT_S = 5.0
#: How long the header's count waits for the new card's frame before it runs anyway.
PAINT_WAIT_S = 0.5


def diff_text(grade: Grade) -> Text:
    """The response against the right answer: missing text green, extra text struck red."""
    out = Text()
    for segment in grade.diff:
        if segment.op == "equal":
            out.append(plain(segment.response))
        else:
            if segment.response:
                out.append(plain(segment.response, "strike red"))
            if segment.expected:
                out.append(plain(segment.expected, "bold green underline"))
    return out


class ReviewScreen(Screen[None]):
    """Study a session's cards until none is left, then show its summary."""

    BINDINGS = [
        Binding("space", "reveal", "Show answer", id="review.reveal"),
        # "◆" marks the suggested rating in the rating bar: Enter takes it once graded.
        Binding("enter", "enter", "Submit / rate ◆", id="review.enter", priority=True),
        Binding("1", "number(1)", "Again", show=False, id="review.1"),
        Binding("2", "number(2)", "Hard", show=False, id="review.2"),
        Binding("3", "number(3)", "Good", show=False, id="review.3"),
        Binding("4", "number(4)", "Easy", show=False, id="review.4"),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("s", "suspend", "Suspend", id="review.suspend"),
        Binding("b", "bury", "Bury", id="review.bury"),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("h", "hint", "Hint", id="review.hint"),
        Binding("escape", "finish", "End", id="review.finish"),
        # The card area takes no focus (see _release_focus): the screen scrolls it.
        # An answer widget with the focus gets these keys first (arrows move its
        # highlight).
        Binding("up", "card('scroll_up')", "Scroll up", show=False, id="review.scroll-up"),
        Binding("down", "card('scroll_down')", "Scroll down", show=False, id="review.scroll-down"),
        Binding("pageup", "card('page_up')", "Page up", show=False, id="review.page-up"),
        Binding("pagedown", "card('page_down')", "Page down", show=False, id="review.page-down"),
        Binding(
            "home", "card('scroll_home')", "Top of the card", show=False, id="review.scroll-home"
        ),
        Binding("end", "card('scroll_end')", "End of the card", show=False, id="review.scroll-end"),
    ]
    #: Nothing takes the focus by itself (Textual's default focuses the first widget
    #: that can take it, say a rating button, when the screen comes back from a
    #: dialog): the shown answer widget takes it, and nothing else needs it.
    AUTO_FOCUS = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer (and show in the footer) only the keys that do something for the card
        on screen: at 80 columns the footer has room for little else."""
        card = self.card
        if action == "reveal":
            return card is not None and self.grade is None and card.input == "reveal"
        if action == "hint":  # also on a card without one, which says so
            return card is not None and self.grade is None
        if action == "edit":
            return card is not None and bool(card.path)
        if action in ("suspend", "bury"):
            return card is not None
        return True

    def __init__(self, session: StudySession, title: str):
        super().__init__()
        self.session = session
        self.title_text = title
        self.card: CardView | None = None
        self.grade: Grade | None = None
        self.response: Any = None
        self.shown_at = time.monotonic()
        self.busy = False
        self.total = max(1, session.remaining)
        self._showing = asyncio.Lock()
        #: The answer slot's widgets by way of answering: (its kind, the widget).
        self._answers: dict[str, tuple[tuple[Any, ...], Widget]] = {}
        #: The card the answer slot's shown widget was loaded for, and that widget.
        self._shown_answer: tuple[CardView, Widget] | None = None
        #: End was asked for while busy: the session ends once that work is done.
        self._finish_pending = False

    @property
    def qapp(self) -> QuizzerApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="review-header", classes="topbar")
        yield ProgressBar(total=self.total, show_eta=False, show_percentage=False, id="progress")
        with VerticalScroll(id="card-area", can_focus=False):
            yield Static(id="card-meta", classes="meta")
            yield CardText(id="prompt")
            yield Static(id="hint", classes="hint")
            yield Vertical(id="answer-slot")
            yield Static(id="verdict")
            yield CardText(id="answer")
            yield CardText(id="explain")
        yield RatingBar(id="ratings")
        # Room for the card's keys at 80 columns; ctrl+p still opens the palette (Help
        # says so).
        yield KeyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#ratings").visible = False
        self.load_next()

    # -- loading cards -----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def load_next(self) -> None:
        """Fetch the next card off the UI thread."""
        self._fetch_next()

    def _fetch_next(self) -> None:
        """Fetch the next card and show it; when the database server can't be reached,
        say so and try again every few seconds (no error dialog)."""
        try:
            card = self.session.next_card(now=self.qapp.now())
        except ServerUnreachable as exc:
            self.app.call_from_thread(
                self.app.notify,
                f"{exc}. Trying again in {RECONNECT_S:.0f} s.",
                markup=False,
                severity="error",
                timeout=RECONNECT_S,
            )
            self.app.call_from_thread(self.set_timer, RECONNECT_S, self.load_next)
            return
        # The card first, the header's counts in the frame after: counting the learning
        # cards reads one row per overdue card (1–3 ms at 700 of them), and the learner
        # reads the card, not the counts. The count waits until the card's frame is
        # painted: run at once, its Python held the interpreter while the UI thread
        # laid the card out (1–2 ms later to the frame).
        self.app.call_from_thread(self.show_card, card)  # type: ignore[arg-type]
        if card is None or get_current_worker().is_cancelled:
            return
        painted = threading.Event()
        self.app.call_from_thread(self.call_after_refresh, painted.set)
        painted.wait(PAINT_WAIT_S)
        if get_current_worker().is_cancelled:
            return
        counts: tuple[int, int, int] | None
        try:
            counts = self.session.counts(now=self.qapp.now())
        except ServerUnreachable:
            counts = None  # the title alone; the next answer says what failed
        self.app.call_from_thread(self._counts_for, card, counts)

    async def show_card(
        self, card: CardView | None, counts: tuple[int, int, int] | None = None
    ) -> None:
        """Display ``card`` (or finish when there is none), and the header's ``counts``
        if given (else they follow through :meth:`_counts_for`)."""
        async with self._showing:  # one card at a time, even if two loads race
            await self._show_card(card, counts)

    def _counts_for(self, card: CardView, counts: tuple[int, int, int] | None) -> None:
        """The header's counts, taken after ``card`` was shown; dropped if another card
        has replaced it meanwhile (its own counts follow it)."""
        if self.card is card and self.is_attached:
            self._header(counts)

    async def _show_card(self, card: CardView | None, counts: tuple[int, int, int] | None) -> None:
        # Busy until the card is whole: a key handled at one of the awaits below (a
        # double-tapped Enter, keys typed ahead) would act on a card half put together,
        # or submit the response widget of an earlier card.
        self.busy = True
        self._shown_answer = None
        try:
            await self._put_card(card, counts)
        finally:
            self._free()

    def _free(self) -> None:
        """No longer busy; an End asked for meanwhile happens now."""
        self.busy = False
        if self._finish_pending:
            self._finish_pending = False
            self.action_finish()

    async def _put_card(self, card: CardView | None, counts: tuple[int, int, int] | None) -> None:
        if counts is not None:
            self._header(counts)
        if card is None:
            self.action_finish()
            return
        self.card = card
        self.grade = None
        self.refresh_bindings()
        self.response = None
        self.shown_at = time.monotonic()
        meta = Text()
        if self.session.deck is None:
            meta.append(plain(card.deck_title, "bold"))
            meta.append("  ·  ")
        section = card.source.rsplit(" › ", 1)[-1] if card.source else ""
        # A deck whose source is its own title would name it twice in all-decks study.
        if section and not (self.session.deck is None and section == card.deck_title):
            meta.append(plain(section, "italic"))
            meta.append("  ·  ")
        meta.append(_STATE_LABEL.get(card.state, ""))
        if card.mode != "scheduled":
            meta.append(f"  ·  {card.mode}", style="italic")
        # One frame for the whole card: each await below lets Textual lay out the
        # screen again (~6 ms each at 80×24), and the learner only needs the last one.
        with self.app.batch_update():
            self.query_one("#card-meta", Static).update(meta)
            await self.query_one("#prompt", CardText).update(markdown(card.prompt))
            for empty in (self.query_one("#hint", Static), self.query_one("#verdict", Static)):
                if empty.content:  # an update redraws it, empty or not (0.5 ms each)
                    empty.update("")
                # Its empty line keeps its place, undrawn: each frame drew it again as
                # the prompt above it moved (0.2-0.6 ms), to show nothing.
                empty.visible = False
            # Hidden, not emptied: the reveal fills them again (emptying a Markdown is a
            # remove and a mount, for nothing on screen).
            self.query_one("#answer", CardText).display = False
            self.query_one("#explain", CardText).display = False
            self.query_one("#ratings").visible = False
            await self._mount_answer(card)
            self.query_one("#card-area").scroll_home(animate=False)

    async def _mount_answer(self, card: CardView) -> None:
        """Show the widget that takes ``card``'s response in the answer slot.

        One widget per way of answering (reveal, choice, typed, order) stays mounted,
        hidden while another is shown, and takes the next card answered its way if it
        has the same shape (as many blanks; one right option or several). Mounting a
        choice, typed or order widget, and removing the last one, took 5–15 ms of the
        25 from a rating to the next card.
        """
        slot = self.query_one("#answer-slot", Vertical)
        slot.display = True
        kind = answer_kind(card)
        for other_kind, other in self._answers.values():
            if other_kind[0] != kind[0]:
                other.display = False
        held = self._answers.get(kind[0])
        if held is None or held[0] != kind:
            if held is not None:
                del self._answers[kind[0]]
                await held[1].remove()
            widget = new_answer(card)
            await slot.mount(widget)
            self._answers[kind[0]] = (kind, widget)
        else:
            widget = held[1]
            widget.display = True
            if isinstance(widget, ChoiceAnswer):
                widget.load(card.choices)
            elif isinstance(widget, TypedAnswer):
                widget.load()
            elif isinstance(widget, OrderAnswer):
                widget.load(card.items)
        if kind == ("reveal",):
            self._release_focus()
        self._shown_answer = (card, widget)

    def _release_focus(self) -> None:
        """No answer widget keeps the focus once its card is graded or self-graded, so
        keys go to the screen's bindings (the ratings, and the arrows and PageDown that
        scroll a long card).

        The focus goes nowhere. A focus change restyles the widget that gains or loses
        it and everything inside it: for the card area (which had the focus here),
        every line of the card, 10-35 ms on each card answered by a widget, twice.
        ``self.focus()`` is no better: a screen can't take the focus, so that only
        repainted the whole screen."""
        focused = self.focused
        if focused is not None and self._in_answer_slot(focused):
            self.set_focus(None)

    def action_card(self, action: str) -> None:
        """Scroll the card: ``action`` is one of the scroll actions of a widget
        (``scroll_up``, ``page_down``, ...)."""
        getattr(self.query_one("#card-area", VerticalScroll), f"action_{action}")()

    def _in_answer_slot(self, widget: Widget) -> bool:
        return any(node.id == "answer-slot" for node in widget.ancestors)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """An answer widget takes the focus only while its card waits for an answer.

        Textual gives the focus back to the widget that had it when the terminal lost
        it, hidden or not: a typed card's field, hidden once graded, then took 1-4 and
        space as text instead of ratings."""
        widget = event.widget
        if self._in_answer_slot(widget) and (
            self.grade is not None
            or not all(node.display for node in widget.ancestors_with_self if node is not self)
        ):
            self._release_focus()

    def _answer_widget(self) -> Widget | None:
        """The widget taking the shown card's response (None while it is being put
        there)."""
        shown = self._shown_answer
        return shown[1] if shown is not None and shown[0] is self.card else None

    def _header(self, counts: tuple[int, int, int] | None) -> None:
        """The title, the cards left (``counts``: new, learning, due; None when they
        could not be counted) and the cards done."""
        text = Text()
        text.append(plain(self.title_text, "bold"))
        text.append("   ")
        if self.session.mode != "scheduled":
            # Practice and study-ahead don't follow today's queue: count the session.
            text.append(f"{self.session.remaining} left", "green")
            text.append(f"   done {self.session.answered}", "dim")
            # One line whatever it says: repainted, not laid out again.
            self.query_one("#review-header", Static).update(text, layout=False)
            bar = self.query_one("#progress", ProgressBar)
            bar.update(total=max(self.total, 1), progress=self.session.answered)
            return
        if counts is not None:
            new, learning, due = counts
            text.append(f"{new} new", "blue")
            text.append(" · ")
            text.append(f"{learning} learning", "red")
            text.append(" · ")
            text.append(f"{due} due", "green")
            text.append(f"   done {self.session.answered}", "dim")
        else:
            text.append(f"done {self.session.answered}", "dim")
        self.query_one("#review-header", Static).update(text, layout=False)
        bar = self.query_one("#progress", ProgressBar)
        bar.update(
            total=max(self.total, self.session.answered + self.session.remaining, 1),
            progress=self.session.answered,
        )

    # -- answering ---------------------------------------------------------------------
    @on(Submitted)
    async def submitted(self, event: Submitted) -> None:
        """A response was given: grade it and show the verdict."""
        event.stop()
        await self.show_grade(event.response)

    async def show_grade(self, response: Any) -> None:
        """Grade ``response`` (None reveals a self-graded card) and offer the ratings."""
        card = self.card
        # Not while busy: a response sent, or a reveal asked for, while the next card
        # is put together or this one's verdict is.
        if card is None or self.grade is not None or self.busy:
            return
        # Busy while the verdict and the answer are put on screen: a second Enter (a
        # priority key, handled at the awaits below) rated the card meanwhile, and the
        # next card then got this one's answer and a crash.
        self.busy = True
        try:
            await self._show_grade(card, response)
        finally:
            self._free()

    async def _show_grade(self, card: CardView, response: Any) -> None:
        self.response = response
        self.grade = self.session.grade(card, response)
        self.refresh_bindings()
        label, style = _VERDICT_STYLE[self.grade.verdict]
        verdict = Text(label, style=style)
        if self.grade.message:
            verdict.append(f"  ({self.grade.message})", style="dim")
        # The response's parts as given (the blanks of a cloze, the options ticked).
        given = [
            str(part)
            for part in (response if isinstance(response, list | tuple) else [response])
            if part is not None
        ]
        if self.grade.verdict is Verdict.ALMOST and self.grade.diff:
            # A near miss: the character diff shows exactly what to fix.
            verdict.append("\n")
            verdict.append(diff_text(self.grade))
        # Fix: a near miss without a diff (several blanks, one option missed, one
        # adjacent swap) showed neither the diff nor the response, and the response's
        # own widgets are hidden once graded: the learner couldn't see what they gave.
        # Nothing typed but spaces is no answer ("(no answer)" says so), not a blank
        # "You answered:" line.
        elif self.grade.verdict in (Verdict.WRONG, Verdict.ALMOST) and any(
            part.strip() for part in given
        ):
            verdict.append("\nYou answered: ", style="dim")
            verdict.append(plain(", ".join(given), "strike"))
        shown = self.query_one("#verdict", Static)
        shown.update(verdict)
        shown.visible = True
        # The verdict repeats the response; the room goes to the answer and why.
        # Fix: a revealed card hides its slot too: it only held "Space or Enter shows
        # the answer.", which stayed on screen under the answer (Enter now rates).
        self.query_one("#answer-slot").display = False
        answer = self.query_one("#answer", CardText)
        await answer.update(markdown(card.answer))
        answer.display = True
        if card.explain:
            explain = self.query_one("#explain", CardText)
            await explain.update(markdown(card.explain))
            explain.display = True
        # The answer widgets are not disabled: the slot is hidden above, so Tab can't
        # reach them, and the focus leaves them (``_release_focus`` below).
        # Disabling them, and enabling them for the next card, restyled each one
        # twice a card (1-2 ms).
        bar = self.query_one("#ratings", RatingBar)
        suggested = self.grade.suggested
        bar.show(
            card.intervals,
            suggested if suggested else Rating.GOOD if self.grade.verdict is Verdict.SELF else None,
        )
        bar.visible = True
        self._release_focus()
        self.query_one("#verdict").scroll_visible(animate=False)

    def rate(self, rating: Rating) -> None:
        """Apply ``rating`` to the shown card and move on."""
        if self.card is None or self.grade is None or self.busy:
            return
        self.busy = True
        duration = int((time.monotonic() - self.shown_at) * 1000)
        self.save_answer(self.card, self.response, rating, duration)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def save_answer(self, card: CardView, response: Any, rating: Rating, duration: int) -> None:
        """Record the answer, then fetch the next card, off the UI thread."""
        try:
            outcome = self.session.answer(
                card, response=response, rating=rating, duration_ms=duration, now=self.qapp.now()
            )
        except CardChanged as exc:
            self.app.call_from_thread(
                self.app.notify, f"{exc}; showing the next card.", markup=False, severity="warning"
            )
        except ServerUnreachable as exc:
            # The answer is not lost: the card and its verdict stay, rating sends it again.
            self.app.call_from_thread(
                self.app.notify, str(exc), markup=False, severity="error", timeout=15
            )
            self.app.call_from_thread(self._free)
            return
        else:
            if outcome.leech:
                message = "This card is a leech" + (
                    " and was suspended." if outcome.suspended else "."
                )
                self.app.call_from_thread(
                    self.app.notify, message, markup=False, severity="warning"
                )
        self._fetch_next()

    # -- actions -----------------------------------------------------------------------
    async def action_reveal(self) -> None:
        """Show the answer of a self-graded card."""
        if self.card is not None and self.card.input == "reveal" and self.grade is None:
            await self.show_grade(None)

    async def action_enter(self) -> None:
        """Enter: reveal, submit the response, or take the suggested rating."""
        if self.card is None or self.busy:
            return
        if self.grade is None:
            if self.card.input == "reveal":
                await self.show_grade(None)
                return
            if isinstance(self.focused, Input):
                # Fix: this binding has priority, so it ran before the Input had taken
                # the keys typed just before Enter (typing fast, or pasting "answer\n"
                # graded "answ"). Skipped, Enter reaches the Input after them, and its
                # Input.Submitted submits what was typed.
                raise SkipAction()
            widget = self._answer_widget()
            if isinstance(widget, ChoiceAnswer | TypedAnswer | OrderAnswer):
                widget.submit()
            return
        self.rate(self.grade.suggested or Rating.GOOD)

    def action_number(self, number: int) -> None:
        """1–4 rate once graded; before that they pick an option."""
        if self.busy:
            return
        if self.grade is not None:
            self.rate(Rating(number))
            return
        self.action_number_key(number)

    def action_number_key(self, number: int) -> None:
        """Number keys select options of a choice card."""
        widget = self._answer_widget()
        if isinstance(widget, ChoiceAnswer):
            widget.pick(number)

    def on_key(self, event: Any) -> None:
        # 5–9 only ever pick options (1–4 are bindings, as they also rate).
        if len(event.key) == 1 and event.key in "56789" and self.grade is None and not self.busy:
            self.action_number_key(int(event.key))

    @on(RatingBar.Rated)
    def rated(self, event: RatingBar.Rated) -> None:
        """A rating button was clicked."""
        self.rate(event.rating)

    def action_hint(self) -> None:
        """Show the card's hint."""
        if self.card is not None:
            hint = self.card.hint or "This card has no hint."
            shown = self.query_one("#hint", Static)
            shown.update(plain(f"Hint: {hint}", "italic"))
            shown.visible = True

    def action_undo(self) -> None:
        """Undo the newest answer; its card comes back."""
        if self.busy:
            return
        self.busy = True
        self.run_undo()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def run_undo(self) -> None:
        """Undo off the UI thread, then show the card again."""
        result = self.session.undo()
        message = "Nothing to undo." if result is None else "Undone."
        self.app.call_from_thread(self.app.notify, message, markup=False)
        card = self.session.next_card(now=self.qapp.now())
        counts = self.session.counts(now=self.qapp.now())
        self.app.call_from_thread(self.show_card, card, counts)  # type: ignore[arg-type]

    def action_suspend(self) -> None:
        """Suspend the shown card and move on."""
        if self.card is not None and not self.busy:
            self.qapp.col.suspend([self.card.id])
            self.notify("Card suspended.", markup=False)
            self.busy = True
            self.load_next()

    def action_bury(self) -> None:
        """Bury the shown card until tomorrow and move on."""
        if self.card is not None and not self.busy:
            self.qapp.col.bury([self.card.id], now=self.qapp.now())
            self.notify("Card buried until tomorrow.", markup=False)
            self.busy = True
            self.load_next()

    async def action_edit(self) -> None:
        """Open the card's deck file in $EDITOR at its line, then re-import it."""
        card = self.card
        if self.busy:
            # An answer is being saved and the next card fetched: this card is about to
            # go, and the session would keep the screen waiting until the answer is in
            # (up to the 7.7 s of retries when the server is gone).
            return
        if card is None or not card.path:
            self.notify("This card has no deck file to edit.", markup=False)
            return
        if not await self.qapp.edit_file(card.path, card.line):
            return
        refreshed = self.session.refresh(card, now=self.qapp.now())
        if refreshed is None:
            self.notify("The card is no longer in its deck.", markup=False)
            self.load_next()
            return
        await self.show_card(refreshed, self.session.counts(now=self.qapp.now()))

    async def refresh_card(self) -> None:
        """The decks changed on disk: show the current card as it is now."""
        if self.card is None or self.grade is not None or self.busy:
            return
        refreshed = self.session.refresh(self.card, now=self.qapp.now())
        if refreshed is None:
            self.load_next()
        elif refreshed.data != self.card.data:
            await self.show_card(refreshed, self.session.counts(now=self.qapp.now()))

    def action_finish(self) -> None:
        """End the session and show its summary: while an answer is being saved, once
        it is in, so that the summary counts it (it had come up first, one card short)."""
        if self.busy:
            self._finish_pending = True
            return
        from quizzer.tui.screens.summary import SummaryScreen

        self.app.switch_screen(SummaryScreen(self.session))
