"""The Textual study app. Only this package imports Textual."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizzer.collection import Collection
    from quizzer.tui.app import QuizzerApp

__all__ = ["create_app"]


def create_app(
    col: Collection,
    deck_paths: Sequence[Path] = (),
    *,
    clock: Callable[[], datetime] | None = None,
    import_defaults: bool = True,
    open_deck: str | None = None,
    watch: bool = True,
) -> QuizzerApp:
    """The one app factory, used by the CLI and the tests.

    Args:
        col: An open collection.
        deck_paths: Extra deck files or folders to import and watch.
        clock: Returns "now" (tests pass a fixed clock).
        import_defaults: Also import the bundled decks and the config's deck_dirs.
        open_deck: Start studying this deck right away ("*" for all decks).
        watch: Re-import deck files when they change on disk.
    """
    from quizzer.tui.app import QuizzerApp

    return QuizzerApp(
        col,
        deck_paths,
        clock=clock,
        import_defaults=import_defaults,
        open_deck=open_deck,
        watch=watch,
    )
