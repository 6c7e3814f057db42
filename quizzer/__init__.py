"""quizzer: a terminal quiz-and-flashcard app with FSRS spaced repetition.

Importing the package is cheap: heavy modules (SQLModel, Textual) load only when the
names that need them are first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["CardChanged", "Collection", "Rating", "__version__"]


def __getattr__(name: str) -> object:
    """Load the public API on first use, so ``import quizzer`` stays cheap."""
    if name == "Collection":
        from quizzer.collection import Collection

        return Collection
    if name in ("Rating", "CardChanged"):
        from quizzer.study import types

        return getattr(types, name)
    raise AttributeError(f"module 'quizzer' has no attribute {name!r}")
