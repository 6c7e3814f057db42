"""Command palette (ctrl+p): actions for the current screen, and deck search."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from quizzer.text import safe_text

if TYPE_CHECKING:
    from quizzer.tui.app import QuizzerApp

__all__ = ["QuizzerCommands"]


def _literal(name: str, matcher: Matcher | None = None) -> Content:
    """A command's name as literal content, with the letters ``matcher`` matched
    highlighted.

    Fix: names hold deck titles, and the palette reads a plain ``str`` (and
    ``Matcher.highlight``'s result) as Textual markup, so a title such as
    ``[@click=app.quit]x[/]`` became a live action link, and ``[/]`` alone made the
    palette's worker fail. Control characters are made visible too.
    """
    name = safe_text(name, keep_newlines=False)
    content = Content(name)
    if matcher is not None:
        _, offsets = matcher.fuzzy_search.match(matcher.query, name)
        for offset in offsets:
            if not name[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


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
            yield DiscoveryHit(
                _literal(name),
                callback,  # type: ignore[arg-type]
                text=safe_text(name, keep_newlines=False),
                help=help_text,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            shown = safe_text(name, keep_newlines=False)
            score = matcher.match(shown)
            if score > 0:
                yield Hit(
                    score,
                    _literal(shown, matcher),
                    callback,  # type: ignore[arg-type]
                    text=shown,
                    help=help_text,
                )
