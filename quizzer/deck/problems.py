"""Problems found in deck files: errors and warnings with a file position.

A :class:`Problem` names the file, the 1-based line and column, and a message. It
formats itself the way compilers do (``path:line:col: error: message``) with the source
line and a caret, or as a GitHub Actions annotation.
"""

from __future__ import annotations

from enum import StrEnum

from quizzer.deck.record import FrozenRecord
from quizzer.text import safe_text

__all__ = ["DeckError", "Problem", "Severity"]

#: Source lines longer than this are cut around the column when shown.
_SHOWN_LINE = 120


class Severity(StrEnum):
    """How serious a problem is. Warnings become errors under ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


class Problem(FrozenRecord):
    """One problem in one deck file.

    Attributes:
        path: The file, as given by the user.
        line: 1-based line, or 0 when the problem concerns the whole file.
        col: 1-based column (in characters), or 0.
        message: What is wrong, and where possible how to fix it.
        code: A short stable name for the kind of problem (``unknown-field``).
        severity: Error or warning.
        source_line: The text of the offending line, when there is one.
    """

    _fields = ("path", "line", "col", "message", "code", "severity", "source_line")
    __slots__ = _fields
    _not_compared = ("source_line",)
    path: str
    line: int
    col: int
    message: str
    code: str
    severity: Severity
    source_line: str | None

    def __init__(
        self,
        path: str,
        line: int,
        col: int,
        message: str,
        code: str,
        severity: Severity = Severity.ERROR,
        source_line: str | None = None,
    ) -> None:
        self._set(
            path=path,
            line=line,
            col=col,
            message=message,
            code=code,
            severity=severity,
            source_line=source_line,
        )

    @property
    def is_error(self) -> bool:
        """True for errors, False for warnings."""
        return self.severity is Severity.ERROR

    def location(self) -> str:
        """``path:line:col`` (or just ``path`` when there is no position)."""
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{max(self.col, 1)}"

    def headline(self) -> str:
        """The one-line form: ``path:line:col: error: message [code]``."""
        return f"{self.location()}: {self.severity.value}: {self.message} [{self.code}]"

    def format(self) -> str:
        """The headline plus the source line and a caret, safe to print to a terminal."""
        head = safe_text(self.headline())
        if self.source_line is None or self.line <= 0:
            return head
        text = self.source_line.rstrip("\r\n")
        col = max(self.col, 1)
        start = 0
        if len(text) > _SHOWN_LINE:
            start = max(0, min(col - 1 - _SHOWN_LINE // 2, len(text) - _SHOWN_LINE))
            text = text[start : start + _SHOWN_LINE]
        shown = safe_text(text.replace("\t", " "))
        gutter = f"{self.line:>5} | "
        caret = " " * (len(gutter) - 2) + "| " + " " * max(col - 1 - start, 0) + "^"
        return f"{head}\n{gutter}{shown}\n{caret}"

    def github(self) -> str:
        """A GitHub Actions workflow command that annotates the line."""

        def esc(value: str, prop: bool = False) -> str:
            value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            if prop:
                value = value.replace(":", "%3A").replace(",", "%2C")
            return value

        parts = [f"file={esc(self.path, True)}"]
        if self.line > 0:
            parts.append(f"line={self.line}")
            parts.append(f"col={max(self.col, 1)}")
        parts.append(f"title={esc('quizzer ' + self.code, True)}")
        return f"::{self.severity.value} {','.join(parts)}::{esc(safe_text(self.message))}"


class DeckError(Exception):
    """The only exception the deck parser raises: a file has one or more errors."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0].headline() if problems else "invalid deck"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)
