"""quizzer: a terminal quiz-and-flashcard app with FSRS spaced repetition.

Importing the package is cheap: heavy modules (SQLModel, Textual) load only when the
names that need them are first used.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
