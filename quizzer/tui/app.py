"""The quizzer study app: a small shell around the screens.

Slow work (import, counts, answers, statistics) runs in thread workers; the app talks
to the core only through :class:`quizzer.collection.Collection`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from quizzer.startup import release_gc
from quizzer.tui.commands import QuizzerCommands
from quizzer.tui.deck_sync import DeckSync
from quizzer.tui.state import load_ui_state, save_ui_state
from quizzer.tui.workers import if_current

if TYPE_CHECKING:
    from textual.screen import Screen

    from quizzer.collection import Collection
    from quizzer.study.session import StudySession

__all__ = ["QuizzerApp"]

#: How often the app checks whether an automatic backup is due, in seconds.
BACKUP_CHECK_INTERVAL = 300.0
#: Seconds after which start-up's deferred work runs even if the deck list never counted.
START_UP_DEADLINE = 5.0


class QuizzerApp(DeckSync):
    """The terminal study app."""

    TITLE = "quizzer"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {QuizzerCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", show=False),
    ]

    def __init__(
        self,
        col: Collection,
        deck_paths: Sequence[Path] = (),
        clock: Callable[[], datetime] | None = None,
        import_defaults: bool = True,
        open_deck: str | None = None,
        watch: bool = True,
    ):
        super().__init__()
        self.col = col
        self.deck_paths = list(deck_paths)
        self.clock = clock
        self.import_defaults = import_defaults
        self.open_deck = open_deck
        self.watch_files = watch
        self._mtimes: dict[str, int] = {}
        self._start_import_done = False

    def now(self) -> datetime:
        """The current time (fixed in tests)."""
        return self.clock() if self.clock else datetime.now(UTC)

    def on_mount(self) -> None:
        from quizzer.tui.screens.decks import DecksScreen

        state = load_ui_state()
        if state.get("theme") in self.available_themes:
            self.theme = state["theme"]
        self.theme_changed_signal.subscribe(self, lambda theme: save_ui_state(theme=theme.name))
        self._apply_keymap()
        self.push_screen(DecksScreen())
        if self.open_deck is not None:
            self.import_at_start()  # the deck to open may be new
        if self.watch_files:
            self.watch_deck_files()
        self.set_interval(BACKUP_CHECK_INTERVAL, self.auto_backup)
        # What waits for the deck list's first count (garbage collection, held off since
        # the process started, and the start-up import) runs after a few seconds even
        # if that count never says so (slow, or its screen gone before it painted).
        self.set_timer(START_UP_DEADLINE, self._after_first_count)

    def import_at_start(self) -> None:
        """Import the deck files once at start-up (unchanged files cost a stat each)."""
        if not self._start_import_done:
            self._start_import_done = True
            self.reimport(announce=False, first=True)

    def on_decks_screen_counted(self) -> None:
        self._after_first_count()

    def _after_first_count(self) -> None:
        """Start-up's deferred work. The deck list first shows what the database holds;
        the start-up import runs once it is painted, as its imports and parsing would
        compete with the first frame for the interpreter (~100 ms at start), and changed
        files update the list then. Garbage collection resumes (quizzer.startup)."""
        release_gc()
        self.import_at_start()

    def _apply_keymap(self) -> None:
        from quizzer.config import load_config

        keys = load_config().raw.get("keys", {})
        if isinstance(keys, dict) and keys:
            self.set_keymap({str(k): str(v) for k, v in keys.items()})

    # -- sessions and editing ----------------------------------------------------------
    def start_session(
        self, deck: str | None, mode: str, filter: str | None = None, tag: str | None = None
    ) -> None:
        """Open the review screen on a new session, built off the UI thread (building
        the queue reads every due card: tens of milliseconds at 100,000 cards)."""
        self._open_session(deck, mode, filter, tag, self.screen)

    @work(thread=True, exclusive=True, group="open-session", exit_on_error=False)
    def _open_session(
        self, deck: str | None, mode: str, filter: str | None, tag: str | None, over: Screen[Any]
    ) -> None:
        now = self.now()
        try:
            session = self.col.study(deck=deck, mode=mode, filter=filter, tag=tag, now=now)
        except (KeyError, ValueError) as exc:
            message = str(exc.args[0] if exc.args else exc)
            self.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        if session.remaining == 0 and session.next_card(now=now) is None:
            if mode == "scheduled":
                message = (
                    "Nothing is due. Press p to practise, or study ahead from the command palette."
                )
            else:
                message = "No cards match."
            self.call_from_thread(self.notify, message, markup=False)
            return
        title = "All decks" if deck is None else session.deck_title or deck
        if mode == "practice":
            title += " · practice"
        elif mode == "ahead":
            title += " · ahead"
        self.call_from_thread(if_current(self._show_session), session, title, over)

    def _show_session(self, session: StudySession, title: str, over: Screen[Any]) -> None:
        from quizzer.tui.screens.review import ReviewScreen

        if self.screen is not over:
            return  # the learner went elsewhere meanwhile: not over that screen
        self.push_screen(ReviewScreen(session, title))

    async def edit_file(self, path: str, line: int) -> bool:
        """Open ``path`` at ``line`` in ``$VISUAL``/``$EDITOR``, then re-import it.

        Returns True when the editor ran and the import had no errors.
        """
        from quizzer.tui.dialogs.error import ErrorDialog

        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        command = [*shlex.split(editor), f"+{max(line, 1)}", path]
        try:
            if self.is_headless:
                result = subprocess.run(command, check=False)
            else:
                with self.suspend():
                    result = subprocess.run(command, check=False)
        except OSError as exc:
            self.push_screen(ErrorDialog(f"Cannot run the editor {editor!r}", str(exc)))
            return False
        if result.returncode != 0:
            self.notify(
                f"The editor exited with status {result.returncode}.",
                markup=False,
                severity="warning",
            )
        report = self.col.import_decks([Path(path)], now=self.now())
        self._remember_mtimes()
        self.after_import(report, announce=True, first=False)
        return not report.errors

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's failure ends here: an error dialog, never a crash. A review
        that failed to save is not lost: the card stays on screen to answer again."""
        if event.state is not WorkerState.ERROR:
            return
        from quizzer.errors import QuizzerError
        from quizzer.tui.dialogs.error import ErrorDialog

        error = event.worker.error
        if isinstance(error, QuizzerError):
            title, detail = "Something went wrong", str(error)
        else:
            title = "Unexpected error"
            detail = f"{type(error).__name__}: {error}\n\nYour answers so far are saved."
        # Only the screen whose own work failed is free again: a re-import or a backup
        # failing while an answer is being saved must not let keys act meanwhile.
        owner = event.worker.node
        if owner in self.screen_stack and hasattr(owner, "busy"):
            owner.busy = False
        self.push_screen(ErrorDialog(title, detail))

    @work(thread=True, exclusive=True, group="backup", exit_on_error=False)
    def auto_backup(self) -> None:
        """Back up when the collection changed and the last backup is old enough."""
        from quizzer.maintenance import maybe_backup

        maybe_backup(self.col)

    def action_doctor(self) -> None:
        """Check the database (the palette's "Check database")."""
        self.run_doctor()

    @work(thread=True, exclusive=True, group="doctor", exit_on_error=False)
    def run_doctor(self) -> None:
        """Run doctor off the UI thread and show its report."""
        from quizzer.maintenance import doctor
        from quizzer.tui.dialogs.error import ErrorDialog

        report = doctor(self.col)
        if report.damaged:
            advice = (
                f"Newest sound backup: {report.backup}"
                if report.backup
                else "There is no sound backup."
            )
            self.call_from_thread(
                self.push_screen,
                ErrorDialog(
                    "The database is damaged",
                    f"{report.damaged}\n\n{advice}\n\nRun `quizzer "
                    "restore` from a terminal to restore it.",
                ),
            )
            return
        lines = [f"found: {f}" for f in report.found] + [f"fixed: {f}" for f in report.fixed]
        self.call_from_thread(
            self.notify, "\n".join(lines) or "No problems found.", markup=False, timeout=8
        )

    def on_unmount(self) -> None:
        from quizzer.maintenance import maybe_backup

        maybe_backup(self.col)

    def action_help(self) -> None:
        """Show every key."""
        from quizzer.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())
