"""Load deck files: read, parse, validate and lint, never raising anything unexpected.

:func:`read_deck` is the one entry point for a single file. It returns a
:class:`DeckResult` with the deck (when it has no errors) and every problem found.
:func:`load_deck` raises :class:`~quizzer.deck.problems.DeckError` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from quizzer.deck.model import DeckSpec
from quizzer.deck.problems import DeckError, Problem
from quizzer.deck.record import Record

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = ["DeckResult", "find_deck_files", "load_deck", "parse_deck_bytes", "read_deck"]

DECK_SUFFIXES = (".yaml", ".yml")


class DeckResult(Record):
    """The outcome of reading one deck file."""

    _fields = ("path", "deck", "problems")
    __slots__ = _fields
    path: str
    deck: DeckSpec | None
    problems: list[Problem]

    def __init__(self, path: str, deck: DeckSpec | None, problems: list[Problem] | None = None):
        self.path = path
        self.deck = deck
        self.problems = [] if problems is None else problems

    @property
    def errors(self) -> list[Problem]:
        """Only the errors."""
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        """Only the warnings."""
        return [p for p in self.problems if not p.is_error]


def parse_deck_bytes(path: str, data: bytes, lint: bool = True) -> DeckResult:
    """Parse deck text already read from ``path``. Never raises for bad content."""
    # Imported here, not above: the YAML parser and the checks are only needed to
    # parse, and the app starts without them when no deck file changed.
    from quizzer.deck.lint import lint_deck
    from quizzer.deck.validate import validate_deck
    from quizzer.deck.yamlsafe import decode, parse_yaml

    try:
        source, problems = decode(path, data)
        if source is None:
            return DeckResult(path, None, _tidy(problems))
        root, more = parse_yaml(source)
        problems += more
        if root is None:
            return DeckResult(path, None, _tidy(problems))
        deck, more = validate_deck(source, root)
        problems += more
        if any(p.is_error for p in problems):
            return DeckResult(path, None, _tidy(problems))
        assert deck is not None
        if lint:
            problems += lint_deck(source, deck)
        return DeckResult(path, deck, _tidy(problems))
    except RecursionError:  # pragma: no cover - the reader bounds nesting itself
        return DeckResult(
            path, None, [Problem(path, 0, 0, "the file is nested too deeply", "too-deep")]
        )


def _order(problem: Problem) -> tuple[int, int]:
    return (problem.line, problem.col)


def _tidy(problems: list[Problem]) -> list[Problem]:
    """Sorted by position, without repeats (a tab can be seen by two checks)."""
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in sorted(problems, key=_order):
        key = (p.line, p.code) if p.code == "tab-indent" else (p.line, p.col, p.code, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def read_deck(path: str | os.PathLike[str], lint: bool = True) -> DeckResult:
    """Read and check the deck file at ``path``.

    File-system failures (missing file, a folder, no permission) are problems too.
    """
    from quizzer.deck.yamlsafe import MAX_FILE_BYTES

    shown = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return DeckResult(
                shown,
                None,
                [
                    Problem(
                        shown,
                        0,
                        0,
                        f"file is {size:,} bytes; the limit is 16 MiB ({MAX_FILE_BYTES:,} bytes)",
                        "file-too-large",
                    )
                ],
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return DeckResult(shown, None, [Problem(shown, 0, 0, "no such file", "io")])
    except IsADirectoryError:
        return DeckResult(shown, None, [Problem(shown, 0, 0, "is a folder, not a deck file", "io")])
    except OSError as exc:
        return DeckResult(shown, None, [Problem(shown, 0, 0, f"cannot read: {exc.strerror}", "io")])
    return parse_deck_bytes(shown, data, lint=lint)


def load_deck(path: str | os.PathLike[str]) -> DeckSpec:
    """Read the deck at ``path``; raise :class:`DeckError` if it has errors."""
    result = read_deck(path, lint=False)
    if result.deck is None:
        raise DeckError(result.errors)
    return result.deck


def find_deck_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Expand folders into the ``.yaml``/``.yml`` files under them, sorted.

    Hidden files and folders are skipped. Paths that are files are yielded as given,
    whatever their suffix, so a missing or odd file is reported rather than ignored.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    Path(root, name)
                    for name in files
                    if name.endswith(DECK_SUFFIXES) and not name.startswith(".")
                )
            yield from sorted(found)
        else:
            yield path
