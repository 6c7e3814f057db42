"""Command palette (ctrl+p): actions for the current screen, and deck search."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

__all__ = ["QuizzerCommands"]


class QuizzerCommands(Provider):
    """Study, practise or browse any deck; re-import; help; screen actions."""

    def _commands(self) -> list[tuple[str, str, object]]:
        from quizzer.tui.screens.browse import BrowseScreen
        from quizzer.tui.screens.decks import DecksScreen
        from quizzer.tui.screens.review import ReviewScreen

        app: QuizzerApp = self.app  # type: ignore[assignment]
        screen = self.screen
        out: list[tuple[str, str, object]] = [
            (
                "Study all decks",
                "today's queue of every deck",
                partial(app.start_session, None, "scheduled"),
            ),
            (
                "Study ahead (all decks)",
                "review cards before they are due",
                partial(app.start_session, None, "ahead"),
            ),
            ("Re-import decks", "read every deck file again", partial(app.reimport, True)),
            ("Help: keys", "every key binding", app.action_help),
            ("Check database (doctor)", "check and repair the collection", app.action_doctor),
        ]
        if isinstance(screen, DecksScreen):
            out.append(
                ("Browse cards", "search every card", partial(app.push_screen, BrowseScreen()))
            )
        if isinstance(screen, ReviewScreen):
            out += [
                ("Undo", "undo the last answer", screen.action_undo),
                ("Suspend card", "suspend the card shown", screen.action_suspend),
                ("Bury card", "hide it until tomorrow", screen.action_bury),
                ("End session", "show the summary", screen.action_finish),
            ]
        for deck in app.col.decks():
            out.append(
                (
                    f"Study {deck.title}",
                    f"deck {deck.slug}",
                    partial(app.start_session, deck.slug, "scheduled"),
                )
            )
            out.append(
                (
                    f"Practise {deck.title}",
                    f"drill deck {deck.slug} without scheduling",
                    partial(app.start_session, deck.slug, "practice"),
                )
            )
            out.append(
                (
                    f"Study ahead: {deck.title}",
                    f"deck {deck.slug}",
                    partial(app.start_session, deck.slug, "ahead"),
                )
            )
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands()[:8]:
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    callback,  # type: ignore[arg-type]
                    help=help_text,
                )
