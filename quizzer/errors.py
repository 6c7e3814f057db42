"""Exceptions that carry a message meant for the user (shown without a traceback).

Kept in a module with no heavy imports, so the CLI can catch them cheaply.
"""

from __future__ import annotations

__all__ = ["QuizzerError", "StoreError"]


class QuizzerError(Exception):
    """Base of quizzer's user-facing errors."""


class StoreError(QuizzerError):
    """A database problem explained for the user (no traceback needed)."""
