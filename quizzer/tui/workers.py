"""Helpers for thread workers that hand their results to the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.worker import get_current_worker

__all__ = ["if_current"]


def if_current(show: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``show``, a UI update that a thread worker passes to ``call_from_thread``, so
    that it does nothing when the worker has been cancelled by then.

    An ``exclusive`` worker is cancelled when a newer one of its group starts, but a
    thread can't be stopped: the old search or count still finishes and, without this,
    its stale result could arrive last and replace the new one on screen. The check
    runs on the UI thread, where cancelling happens, so it can't race. Call it in the
    worker.
    """
    worker = get_current_worker()

    def run(*args: Any, **kwargs: Any) -> None:
        if not worker.is_cancelled:
            show(*args, **kwargs)

    return run
