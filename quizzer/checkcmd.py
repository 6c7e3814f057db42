"""``quizzer check``: lint deck files. Kept free of click and the database, so the
console script can run it straight away (see :mod:`quizzer.entry`): checking decks in
an editor hook or CI costs little more than starting Python and importing PyYAML."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # typing's costs a tenth of `quizzer check` to import
if TYPE_CHECKING:
    from typing import Any

__all__ = ["fast_main", "run_check"]


def _style(text: str, color: str) -> str:
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    code = {"red": "31", "yellow": "33"}[color]
    return f"\x1b[1;{code}m{text}\x1b[0m"


def run_check(
    paths: list[Path], strict: bool = False, fmt: str = "text", quiet: bool = False
) -> int:
    """Check ``paths`` (files or folders), print every problem; return the exit code
    (0 clean, 1 errors, or warnings under ``strict``)."""
    from quizzer.deck.loader import find_deck_files, read_deck

    files = errors = warnings = 0
    records: list[dict[str, Any]] = []
    out = sys.stdout
    for file in find_deck_files(paths):
        files += 1
        for problem in read_deck(file).problems:
            is_error = problem.is_error or strict
            errors += is_error
            warnings += not is_error
            if fmt == "github":
                line = problem.github()
                if is_error and not problem.is_error:
                    line = line.replace("::warning", "::error", 1)
                print(line, file=out)
            elif fmt == "json":
                records.append(
                    {
                        "path": problem.path,
                        "line": problem.line,
                        "col": problem.col,
                        "severity": "error" if is_error else "warning",
                        "code": problem.code,
                        "message": problem.message,
                    }
                )
            else:
                text = problem.format()
                label = f"{problem.severity.value}:"
                if is_error and not problem.is_error:
                    text = text.replace(": warning: ", ": error: ", 1)
                    label = "error:"
                styled = _style(label, "red" if is_error else "yellow")
                print(text.replace(f" {label} ", f" {styled} ", 1), file=out)
    if fmt == "json":
        import json

        print(
            json.dumps(
                {"files": files, "errors": errors, "warnings": warnings, "problems": records},
                ensure_ascii=False,
                indent=2,
            ),
            file=out,
        )
    elif not quiet and fmt == "text":
        if files == 0:
            print("no deck files (*.yaml, *.yml) found", file=sys.stderr)
        summary = (
            f"{files} file{'s' if files != 1 else ''} checked: {errors} error"
            f"{'s' if errors != 1 else ''}, {warnings} warning"
            f"{'s' if warnings != 1 else ''}"
        )
        print(summary, file=sys.stderr if errors else out)
    return 1 if errors else 0


#: The values of ``--format``.
FORMATS = ("text", "github", "json")


def _parse(argv: list[str]) -> tuple[list[Path], bool, str, bool] | None:
    """The paths and options of ``quizzer check ARGS``, or None if they are anything but
    plainly valid (click then reports the problem, with its usual message)."""
    paths: list[Path] = []
    strict = quiet = False
    fmt: str | None = "text"
    options = True
    args = iter(argv)
    for arg in args:
        if options and arg == "--":
            options = False
        elif options and arg.startswith("-") and arg != "-":
            if arg == "--strict":
                strict = True
            elif arg in ("-q", "--quiet"):
                quiet = True
            elif arg == "--format":
                fmt = next(args, None)
            elif arg.startswith("--format="):
                fmt = arg.partition("=")[2]
            else:
                return None
        else:
            paths.append(Path(arg))
    if not paths or fmt not in FORMATS or not all(path.exists() for path in paths):
        return None
    return paths, strict, fmt, quiet


def fast_main(argv: list[str]) -> int | None:
    """``quizzer check ARGS`` without click (which costs more to import than checking a
    deck takes): the exit code, or None when the arguments need click's usage error."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    try:
        return run_check(*parsed)
    except BrokenPipeError:
        return 0
