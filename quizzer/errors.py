"""Exceptions that carry a message meant for the user (shown without a traceback).

Kept in a module with no heavy imports, so the CLI can catch them cheaply.
"""

from __future__ import annotations

__all__ = ["QuizzerError", "ServerUnreachable", "StoreError"]


class QuizzerError(Exception):
    """Base of quizzer's user-facing errors."""


class StoreError(QuizzerError):
    """A database problem explained for the user (no traceback needed)."""


class ServerUnreachable(StoreError):
    """The database server can't be reached, or the connection to it was lost.

    Nothing was changed by the failed operation (an answer is retried or kept; see
    ``docs/multi-device.md``).
    """
